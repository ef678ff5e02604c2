"""Benchmark use cases shared by the CLI, the API and the web UI: run, report, compare, rank, list."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ocrops.errors import BadParameter, ExitCode
from ocrops.evaluate.compare import Comparison, LeaderboardRow, compare_runs
from ocrops.evaluate.compare import leaderboard as _leaderboard
from ocrops.evaluate.records import BenchRun, RunData, RunStatus
from ocrops.evaluate.runs import EngineSpec, ProgressCallback, run_benchmark
from ocrops.evaluate.scoring import DEFAULT_NORMALISATION
from ocrops.settings import Settings, load_settings
from ocrops.store import bench as store
from ocrops.store.db import Database, open_database

_DATABASES: dict[str, Database] = {}
_LOCK = threading.Lock()


def database(settings: Settings | None = None, db: Database | None = None) -> Database:
    """``db`` when given, else the settings' database: opened and migrated once per URL and process."""
    if db is not None:
        return db
    settings = settings or load_settings()
    url = settings.resolved_database_url
    with _LOCK:
        if url not in _DATABASES:
            _DATABASES[url] = open_database(settings)
        return _DATABASES[url]


def run_bench(
    dataset: str | Path,
    engines: Sequence[EngineSpec],
    *,
    settings: Settings | None = None,
    db: Database | None = None,
    workers: int = 1,
    resume: str | None = None,
    limit: int | None = None,
    name: str = "",
    normalisation: str = DEFAULT_NORMALISATION,
    on_progress: ProgressCallback | None = None,
    mlflow_uri: str | None = None,
    mlflow: bool = False,
    tenant_id: str = "default",
) -> list[BenchRun]:
    """Benchmark each engine on the dataset (or resume one run); optionally log to MLflow."""
    settings = settings or load_settings()
    if workers < 1:
        raise BadParameter("workers must be at least 1")
    if mlflow or mlflow_uri:
        from ocrops.evaluate.tracking import require_mlflow

        require_mlflow()  # fail before any OCR runs
    db = database(settings, db)
    run_ids = run_benchmark(
        dataset,
        engines,
        settings,
        db,
        workers=workers,
        resume_run_id=resume,
        on_progress=on_progress,
        limit=limit,
        name=name,
        normalisation=normalisation,
        tenant_id=tenant_id,
    )
    loaded = [load_run(run_id, db=db, tenant_id=tenant_id) for run_id in run_ids]
    if mlflow or mlflow_uri:
        from ocrops.evaluate.report import build_report
        from ocrops.evaluate.tracking import log_run

        for data in loaded:
            log_run(data, build_report([data], "html"), mlflow_uri)
    return [data.run for data in loaded]


def load_run(
    run_id: str, *, settings: Settings | None = None, db: Database | None = None, tenant_id: str = "default"
) -> RunData:
    db = database(settings, db)
    with db.session() as session:
        run = store.get_run(session, run_id, tenant_id=tenant_id)
        return RunData(run=run, results=store.list_results(session, run.id, tenant_id=tenant_id))


def report(
    run_ids: Sequence[str],
    fmt: str = "html",
    out: str | Path | None = None,
    *,
    worst: int = 10,
    settings: Settings | None = None,
    db: Database | None = None,
    tenant_id: str = "default",
) -> str:
    """The report of ``run_ids`` as text; also written to ``out`` when given."""
    from ocrops.evaluate.report import build_report

    if not run_ids:
        raise BadParameter("give at least one run id")
    db = database(settings, db)
    content = build_report([load_run(r, db=db, tenant_id=tenant_id) for r in run_ids], fmt, worst=worst)
    if out is not None:
        target = Path(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    return content


def compare(
    base_id: str,
    new_id: str,
    *,
    max_cer_increase: float = 0.005,
    max_f1_drop: float = 0.01,
    n_boot: int = 1000,
    seed: int = 0,
    settings: Settings | None = None,
    db: Database | None = None,
    tenant_id: str = "default",
) -> tuple[Comparison, int]:
    """Compare two runs; the exit code is 1 on a regression, 0 otherwise."""
    if max_cer_increase < 0 or max_f1_drop < 0:
        raise BadParameter("regression thresholds must be >= 0")
    db = database(settings, db)
    base, new = load_run(base_id, db=db, tenant_id=tenant_id), load_run(new_id, db=db, tenant_id=tenant_id)
    comparison = compare_runs(
        base, new, max_cer_increase=max_cer_increase, max_f1_drop=max_f1_drop, n_boot=n_boot, seed=seed
    )
    return comparison, int(ExitCode.failure if comparison.regressed else ExitCode.ok)


def leaderboard(
    dataset: str, *, settings: Settings | None = None, db: Database | None = None, tenant_id: str = "default"
) -> list[LeaderboardRow]:
    return _leaderboard(database(settings, db), dataset, tenant_id=tenant_id)


def list_runs(
    dataset: str | None = None,
    *,
    status: RunStatus | None = None,
    limit: int | None = None,
    settings: Settings | None = None,
    db: Database | None = None,
    tenant_id: str = "default",
) -> list[BenchRun]:
    with database(settings, db).session() as session:
        return store.list_runs(session, dataset_name=dataset, status=status, limit=limit, tenant_id=tenant_id)


def get_run(
    run_id: str, *, settings: Settings | None = None, db: Database | None = None, tenant_id: str = "default"
) -> BenchRun:
    with database(settings, db).session() as session:
        return store.get_run(session, run_id, tenant_id=tenant_id)


def delete_run(
    run_id: str, *, settings: Settings | None = None, db: Database | None = None, tenant_id: str = "default"
) -> None:
    with database(settings, db).session() as session:
        store.delete_run(session, run_id, tenant_id=tenant_id)


def summary(run: BenchRun) -> dict[str, Any]:
    """The headline numbers of a finished run (for tables and API responses)."""
    from ocrops.evaluate.summary import stat

    totals = run.totals
    return {
        "run_id": run.id,
        "engine": run.engine,
        "status": run.status.value,
        "samples": totals.get("samples"),
        "failures": totals.get("failures"),
        "cer": stat(totals, "cer"),
        "wer": stat(totals, "wer"),
        "field_f1": stat(totals, "field_f1"),
        "teds": stat(totals, "teds"),
        "olmocr_pass_rate": stat(totals, "olmocr_pass_rate"),
        "latency_p95": (totals.get("latency") or {}).get("p95"),
        "pages_per_second": totals.get("pages_per_second"),
    }
