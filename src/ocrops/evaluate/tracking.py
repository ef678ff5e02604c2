"""Optional MLflow logging of benchmark runs (``ocrops bench run --mlflow [URI]``).

mlflow is not a dependency of ocrops: :func:`require_mlflow` fails fast with an install hint,
before any OCR runs. Each ocrops run becomes one MLflow run (named after the ocrops run id) with
the engine, options and dataset as params, the summary numbers as metrics and the HTML report
as an artifact.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ocrops.errors import ConfigError
from ocrops.evaluate.records import RunData

DEFAULT_TRACKING_URI = "mlruns"
EXPERIMENT = "ocrops-bench"


def require_mlflow() -> Any:
    try:
        import mlflow
    except ImportError:
        raise ConfigError("--mlflow needs the mlflow package: pip install mlflow") from None
    return mlflow


def flat_metrics(totals: dict[str, Any]) -> dict[str, float]:
    """``{"cer_mean": 0.1, "latency_p95": 2.3, ...}`` from a run's totals."""
    metrics: dict[str, float] = {}
    for name, values in (totals.get("metrics") or {}).items():
        for key in ("mean", "median", "pooled"):
            if values.get(key) is not None:
                metrics[f"{name}_{key}"] = float(values[key])
    for key, value in (totals.get("latency") or {}).items():
        if value is not None:
            metrics[f"latency_{key}"] = float(value)
    for key in ("samples", "failures", "pages", "pages_per_second", "wall_seconds"):
        if totals.get(key) is not None:
            metrics[key] = float(totals[key])
    return metrics


def resolve_tracking(tracking_uri: str | None) -> tuple[str, str | None]:
    """(tracking URI, artifact folder). A plain folder (default ``mlruns``) holds an SQLite
    tracking database and the artifacts: MLflow 3 refuses its old file store."""
    value = tracking_uri or DEFAULT_TRACKING_URI
    if "://" in value:
        return value, None
    folder = Path(value).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'mlflow.db'}", (folder / "artifacts").as_uri()


def log_run(data: RunData, report_html: str, tracking_uri: str | None = None) -> str:
    """Log one benchmark run; returns the MLflow run id. MLflow's own errors become ConfigError."""
    mlflow = require_mlflow()
    try:
        return _log_run(mlflow, data, report_html, tracking_uri)
    except mlflow.exceptions.MlflowException as exc:
        raise ConfigError(f"MLflow refused the run: {str(exc).splitlines()[0]}") from None


def _experiment_id(mlflow: Any, artifacts: str | None) -> str:
    experiment = mlflow.get_experiment_by_name(EXPERIMENT)
    if experiment is not None:
        return str(experiment.experiment_id)
    return str(mlflow.create_experiment(EXPERIMENT, artifact_location=artifacts))


def _log_run(mlflow: Any, data: RunData, report_html: str, tracking_uri: str | None) -> str:
    run = data.run
    uri, artifacts = resolve_tracking(tracking_uri)
    mlflow.set_tracking_uri(uri)
    experiment_id = _experiment_id(mlflow, artifacts)
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"{run.engine}-{run.id[:8]}") as active:
        mlflow.set_tags({"ocrops.run_id": run.id, "ocrops.status": run.status.value})
        mlflow.log_params(
            {
                "engine": run.engine,
                "engine_version": run.engine_version,
                "options_hash": run.options_hash,
                "dataset": run.dataset_name,
                "dataset_version": run.dataset_version,
                "normalisation": run.normalisation,
                "workers": run.workers,
                **{f"option.{k}": str(v) for k, v in sorted(run.engine_options.items())},
            }
        )
        mlflow.log_metrics(flat_metrics(run.totals))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"report-{run.id[:8]}.html"
            path.write_text(report_html, encoding="utf-8")
            mlflow.log_artifact(str(path))
        return str(active.info.run_id)
