"""Compare two runs sample by sample, with bootstrap confidence intervals; rank runs on a dataset.

``compare_runs(base, new)`` pairs the samples both runs scored (same sample ids) and, for each
metric both have, reports the base value, the new value and ``delta = new - base`` over those
shared samples: pooled rates for CER / WER (sum of errors / sum of reference lengths), means for
the others. A 95% confidence interval of the delta comes from a paired bootstrap (samples drawn
with replacement, the same draw for both runs; ``n_boot`` draws, numpy, seeded).

The regression gate uses the **point estimate** of the delta, not the interval: CER rising by
more than ``max_cer_increase`` or field F1 falling by more than ``max_f1_drop`` is a regression.
The interval is reported so a reader can tell a real change from noise on a small dataset (an
interval that spans 0 means the data cannot tell), but it does not move the gate: a gate that
needs significance would let every regression through on a 20-sample smoke dataset.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ocrops.evaluate.records import BenchRun, RunData, RunStatus, SampleResult
from ocrops.evaluate.summary import METRIC_SPECS, MetricSpec, stat

if TYPE_CHECKING:
    import numpy as np

    from ocrops.store.db import Database


@dataclass
class MetricDelta:
    metric: str
    label: str
    higher_is_better: bool
    samples: int
    base: float
    new: float
    delta: float
    ci_low: float
    ci_high: float
    threshold: float | None = None  # the allowed worsening, when this metric is gated
    regressed: bool = False

    @property
    def worsened(self) -> bool:
        return self.delta < 0 if self.higher_is_better else self.delta > 0


@dataclass
class Comparison:
    base_id: str
    new_id: str
    base_label: str
    new_label: str
    shared: int
    only_base: int
    only_new: int
    deltas: list[MetricDelta] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def regressed(self) -> bool:
        return any(d.regressed for d in self.deltas)

    def delta(self, metric: str) -> MetricDelta | None:
        return next((d for d in self.deltas if d.metric == metric), None)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["regressed"] = self.regressed
        return data


def compare_runs(
    base: RunData,
    new: RunData,
    max_cer_increase: float = 0.005,
    max_f1_drop: float = 0.01,
    n_boot: int = 1000,
    seed: int = 0,
) -> Comparison:
    import numpy as np

    base_by_id = {r.sample_id: r for r in base.results}
    new_by_id = {r.sample_id: r for r in new.results}
    shared = [sid for sid in base_by_id if sid in new_by_id]
    comparison = Comparison(
        base_id=base.run.id,
        new_id=new.run.id,
        base_label=base.run.label,
        new_label=new.run.label,
        shared=len(shared),
        only_base=len(base_by_id) - len(shared),
        only_new=len(new_by_id) - len(shared),
        warnings=_warnings(base.run, new.run),
    )
    if not shared:
        comparison.warnings.append("the runs share no sample: nothing to compare")
        return comparison
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(shared), size=(n_boot, len(shared)))
    thresholds = {"cer": max_cer_increase, "field_f1": max_f1_drop}
    for spec in METRIC_SPECS:
        pairs = [(base_by_id[s], new_by_id[s]) for s in shared]
        delta = _metric_delta(spec, pairs, draws)
        if delta is None:
            continue
        limit = thresholds.get(spec.name)
        if limit is not None:
            delta.threshold = limit
            worsening = -delta.delta if spec.higher_is_better else delta.delta
            delta.regressed = worsening > limit + 1e-12
        comparison.deltas.append(delta)
    return comparison


def _warnings(base: BenchRun, new: BenchRun) -> list[str]:
    warnings = []
    if base.dataset_version and new.dataset_version and base.dataset_version != new.dataset_version:
        warnings.append("the runs used different dataset versions; only shared sample ids are compared")
    if base.normalisation != new.normalisation:
        warnings.append(f"different normalisations: {base.normalisation!r} vs {new.normalisation!r}")
    for run in (base, new):
        if run.status is not RunStatus.completed:
            warnings.append(f"run {run.id[:8]} is {run.status.value}, not completed")
    return warnings


def _column(results: list[SampleResult], key: str) -> np.ndarray:
    import numpy as np

    return np.array([r.metrics.get(key) for r in results], dtype=float)  # None -> nan


def _metric_delta(
    spec: MetricSpec, pairs: list[tuple[SampleResult, SampleResult]], draws: np.ndarray
) -> MetricDelta | None:
    import numpy as np

    base = [b for b, _ in pairs]
    new = [n for _, n in pairs]
    if spec.counts is not None:
        errors_key, total_key = spec.counts
        columns = [
            _column(base, errors_key),
            _column(base, total_key),
            _column(new, errors_key),
            _column(new, total_key),
        ]
        usable = ~np.any(np.isnan(np.vstack(columns)), axis=0)
        if not usable.any():
            return None
        b_err, b_tot, n_err, n_tot = (np.where(usable, c, 0.0) for c in columns)

        def statistic(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return (
                _rate(b_err[index].sum(axis=-1), b_tot[index].sum(axis=-1)),
                _rate(n_err[index].sum(axis=-1), n_tot[index].sum(axis=-1)),
            )

        samples = int(usable.sum())
    else:
        b_val, n_val = _column(base, spec.name), _column(new, spec.name)
        usable = ~(np.isnan(b_val) | np.isnan(n_val))
        if not usable.any():
            return None
        b_val, n_val = np.where(usable, b_val, 0.0), np.where(usable, n_val, 0.0)
        weight = usable.astype(float)

        def statistic(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            count = weight[index].sum(axis=-1)
            safe = np.where(count > 0, count, 1.0)
            return b_val[index].sum(axis=-1) / safe, n_val[index].sum(axis=-1) / safe

        samples = int(usable.sum())
    base_value, new_value = statistic(np.arange(len(pairs)))
    boot_base, boot_new = statistic(draws)
    low, high = np.percentile(boot_new - boot_base, [2.5, 97.5])
    return MetricDelta(
        metric=spec.name,
        label=spec.label,
        higher_is_better=spec.higher_is_better,
        samples=samples,
        base=float(base_value),
        new=float(new_value),
        delta=float(new_value - base_value),
        ci_low=float(low),
        ci_high=float(high),
    )


def _rate(errors: Any, totals: Any) -> Any:
    import numpy as np

    return np.where(totals > 0, errors / np.where(totals > 0, totals, 1.0), errors)


# --- leaderboard --------------------------------------------------------------------------


@dataclass
class LeaderboardRow:
    rank: int
    run_id: str
    engine: str
    engine_version: str
    options_hash: str
    dataset_version: str
    samples: int
    failures: int
    cer: float | None
    cer_pooled: float | None
    wer: float | None
    field_f1: float | None
    teds: float | None
    olmocr_pass_rate: float | None
    pages_per_second: float | None
    latency_p95: float | None
    started_at: datetime


def leaderboard(db: Database, dataset_name: str, *, tenant_id: str = "default") -> list[LeaderboardRow]:
    """Completed runs on ``dataset_name``, best first: lowest mean CER, ties by pages per second.

    One row per (engine, options hash, dataset version): the most recent completed run.
    Runs without a CER (no text ground truth) come last.
    """
    from ocrops.store import bench as store

    with db.session() as session:
        runs = store.list_runs(
            session, dataset_name=dataset_name, status=RunStatus.completed, tenant_id=tenant_id
        )
    latest: dict[tuple[str, str, str], BenchRun] = {}
    for run in runs:  # newest first
        latest.setdefault((run.engine, run.options_hash, run.dataset_version), run)
    rows = [_row(run) for run in latest.values()]
    rows.sort(
        key=lambda r: (r.cer is None, r.cer if r.cer is not None else 0.0, -(r.pages_per_second or 0.0))
    )
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    return rows


def _row(run: BenchRun) -> LeaderboardRow:
    totals = run.totals
    return LeaderboardRow(
        rank=0,
        run_id=run.id,
        engine=run.engine,
        engine_version=run.engine_version,
        options_hash=run.options_hash,
        dataset_version=run.dataset_version,
        samples=int(totals.get("samples") or 0),
        failures=int(totals.get("failures") or 0),
        cer=stat(totals, "cer"),
        cer_pooled=stat(totals, "cer", "pooled"),
        wer=stat(totals, "wer"),
        field_f1=stat(totals, "field_f1"),
        teds=stat(totals, "teds"),
        olmocr_pass_rate=stat(totals, "olmocr_pass_rate"),
        pages_per_second=totals.get("pages_per_second"),
        latency_p95=(totals.get("latency") or {}).get("p95"),
        started_at=run.started_at,
    )
