"""Summaries of a run's per-sample results: means, medians, pooled rates, latency percentiles.

Conventions (every report, comparison and leaderboard uses these):

* ``mean`` / ``median`` are over the samples that have the metric (a receipt without table
  ground truth has no TEDS). Failed samples are scored as an empty prediction (CER 1, F1 0),
  so an engine cannot look better by failing.
* ``pooled`` CER / WER is sum(errors) / sum(reference length) over those samples (jiwer's
  definition over a corpus), from the counts stored with each result.
* Latency is per page (seconds, as the pipeline measured it, cached pages included with their
  original time); ``pages_per_second`` is pages / the sum of page latencies: the throughput of
  one worker, comparable across runs whatever ``--workers`` was.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ocrops.evaluate.records import SampleResult


@dataclass(frozen=True)
class MetricSpec:
    name: str
    label: str
    higher_is_better: bool
    counts: tuple[str, str] | None = None  # (errors key, total key) for a pooled rate


METRIC_SPECS: tuple[MetricSpec, ...] = (
    MetricSpec("cer", "CER", False, ("char_errors", "char_total")),
    MetricSpec("wer", "WER", False, ("word_errors", "word_total")),
    MetricSpec("ned", "NED", False),
    MetricSpec("char_accuracy", "Char. accuracy", True),
    MetricSpec("field_f1", "Field F1", True),
    MetricSpec("bow_f1", "Bag-of-words F1", True),
    MetricSpec("teds", "TEDS", True),
    MetricSpec("olmocr_pass_rate", "olmOCR pass rate", True),
)
SPECS_BY_NAME = {spec.name: spec for spec in METRIC_SPECS}


def metric_values(results: Iterable[SampleResult], name: str) -> list[float]:
    return [float(v) for r in results if (v := r.metrics.get(name)) is not None and not math.isnan(v)]


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=float), q))


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def pooled(results: Iterable[SampleResult], spec: MetricSpec) -> float | None:
    if spec.counts is None:
        return None
    errors_key, total_key = spec.counts
    errors = total = 0.0
    seen = False
    for result in results:
        e, t = result.metrics.get(errors_key), result.metrics.get(total_key)
        if e is None or t is None:
            continue
        errors, total, seen = errors + e, total + t, True
    if not seen:
        return None
    return errors / total if total else errors


def metric_summary(results: Sequence[SampleResult], spec: MetricSpec) -> dict[str, Any] | None:
    values = metric_values(results, spec.name)
    if not values:
        return None
    summary: dict[str, Any] = {"n": len(values), "mean": _mean(values), "median": percentile(values, 50)}
    if spec.counts is not None:
        summary["pooled"] = pooled(results, spec)
    return summary


def summarise(results: Sequence[SampleResult], *, wall_seconds: float | None = None) -> dict[str, Any]:
    """The totals stored on a run when it ends (also computed on the fly by reports)."""
    latencies = [t for r in results for t in r.page_latencies]
    compute_seconds = sum(latencies)
    metrics = {spec.name: s for spec in METRIC_SPECS if (s := metric_summary(results, spec)) is not None}
    return {
        "samples": len(results),
        "failures": sum(1 for r in results if r.failed),
        "pages": len(latencies),
        "metrics": metrics,
        "latency": {
            "mean": _mean(latencies),
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99),
        },
        "compute_seconds": compute_seconds,
        "pages_per_second": len(latencies) / compute_seconds if compute_seconds > 0 else None,
        "wall_seconds": wall_seconds,
    }


def by_tag(results: Sequence[SampleResult]) -> dict[str, list[SampleResult]]:
    """Results grouped by tag (a result with several tags is in several groups), tags sorted."""
    groups: dict[str, list[SampleResult]] = {}
    for result in results:
        for tag in result.tags or ["(untagged)"]:
            groups.setdefault(tag, []).append(result)
    return dict(sorted(groups.items()))


def stat(totals: dict[str, Any], metric: str, key: str = "mean") -> float | None:
    """``totals["metrics"][metric][key]`` or None."""
    value = (totals.get("metrics") or {}).get(metric, {}).get(key)
    return float(value) if value is not None else None
