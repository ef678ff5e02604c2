"""Settings, built once at start-up from ``OCROPS_*`` environment variables and passed in."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ocrops.errors import ConfigError

_TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)


def _default_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "ocrops"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCROPS_", extra="ignore", frozen=True)

    home: Path = Field(default_factory=_default_home, description="Where ocrops keeps its data.")
    cache_dir: Path | None = Field(None, description="Result cache folder (default: HOME/cache).")
    cache: bool = Field(True, description="Cache page results by content, page, engine and options.")
    workers: int = Field(0, ge=0, description="Worker processes for pages; 0 means one per core.")
    default_engine: str = "auto"
    ocr_engine: str = Field("tesseract", description="OCR engine the auto engine falls back to.")
    dpi: int = Field(300, ge=36, le=1200, description="Render DPI for PDF pages.")
    max_image_pixels: int = Field(
        200_000_000, ge=1, description="Images larger than this are refused (decompression bombs)."
    )
    max_file_bytes: int = Field(512 * 1024 * 1024, ge=1, description="Files larger than this are refused.")
    max_archive_ratio: int = Field(
        200, ge=1, description="Max uncompressed/compressed ratio of office files."
    )
    tessdata: Path | None = Field(None, description="Tesseract language data folder (auto-detected).")
    database_url: str | None = Field(None, description="SQLAlchemy URL (default: SQLite in HOME).")
    # --- the service ---------------------------------------------------------------------------
    storage_url: str | None = Field(
        None, description="file://PATH or s3://BUCKET/PREFIX (default: HOME/blobs)."
    )
    s3_endpoint_url: str | None = Field(None, description="S3-compatible server (MinIO, moto); None for AWS.")
    s3_region: str | None = Field(None, description="S3 region (None: the client's default).")
    queue: Literal["embedded", "celery"] = Field("embedded", description="Where jobs run.")
    broker_url: str = Field("redis://127.0.0.1:6379/0", description="Celery broker (redis:// or amqp://).")
    embedded_workers: int = Field(1, ge=1, le=64, description="Concurrent jobs in the embedded worker.")
    job_max_attempts: int = Field(3, ge=1, description="Tries of a job on transient errors before it fails.")
    job_retry_base_s: float = Field(2.0, gt=0, description="First retry delay; doubles on every attempt.")
    job_time_limit_s: float = Field(3600.0, gt=0, description="Per-job time limit (one attempt).")
    job_heartbeat_s: float = Field(10.0, gt=0, description="How often a running job's heartbeat is stamped.")
    job_stale_after_s: float = Field(
        60.0, gt=0, description="A running job whose heartbeat is older than this is re-queued."
    )
    worker_poll_s: float = Field(1.0, gt=0, description="Embedded worker: how often to look for due jobs.")
    sync_time_limit_s: float = Field(30.0, gt=0, description="POST /convert answers 504 after this.")
    max_upload_bytes: int | None = Field(None, ge=1, description="Uploads above this are refused (413).")
    retention_days: float = Field(30.0, ge=0, description="Soft-deleted documents are purged after this.")
    webhook_secret: str | None = Field(
        None, description="HMAC key given to new tenants (default: a random one per tenant)."
    )
    webhook_max_attempts: int = Field(5, ge=1, description="Webhook delivery tries before giving up.")
    webhook_retry_base_s: float = Field(
        5.0, gt=0, description="First webhook retry delay; doubles each time."
    )
    webhook_timeout_s: float = Field(10.0, gt=0, description="Timeout of one webhook POST.")
    session_secret: SecretStr | None = Field(
        None,
        description="Signs web UI session cookies; share it between API machines "
        "(default: HOME/session.secret).",
    )
    rate_limit_per_minute: int = Field(0, ge=0, description="Requests per minute per API key; 0: no limit.")
    # --- Celery workers (queue=celery) ---------------------------------------------------------
    celery_queue: str = Field(
        "ocrops", min_length=1, description="Celery queue name (also prefixes its broker keys)."
    )
    worker_max_tasks_per_child: int = Field(
        100, ge=0, description="A Celery worker process is replaced after this many tasks; 0: never."
    )
    worker_max_memory_mb: int = Field(
        2048, ge=0, description="A Celery worker process above this resident memory is replaced; 0: never."
    )
    worker_metrics_port: int = Field(
        0, ge=0, le=65535, description="ocrops worker: serve Prometheus metrics on this port; 0: off."
    )
    plugins: str = Field(
        "", description="Comma-separated modules every worker imports at start (e.g. engines to register)."
    )
    log_level: str = "INFO"
    log_json: bool = False

    @field_validator("default_engine", "ocr_engine")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()

    @cached_property
    def resolved_cache_dir(self) -> Path:
        return self.cache_dir or self.home / "cache"

    @cached_property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'ocrops.db'}"

    @cached_property
    def resolved_storage_url(self) -> str:
        return self.storage_url or f"file://{self.home / 'blobs'}"

    @cached_property
    def resolved_max_upload_bytes(self) -> int:
        return self.max_upload_bytes or self.max_file_bytes

    @cached_property
    def resolved_workers(self) -> int:
        return self.workers or max(
            1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        )

    @cached_property
    def resolved_tessdata(self) -> Path | None:
        if self.tessdata:
            return self.tessdata
        env = os.environ.get("TESSDATA_PREFIX")
        candidates = ([env] if env else []) + list(_TESSDATA_CANDIDATES)
        for candidate in candidates:
            path = Path(candidate)
            if (path / "eng.traineddata").exists() or any(path.glob("*.traineddata")):
                return path
        return None


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; fail fast with a ConfigError on bad values."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"OCROPS_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from None
