"""Domain types of a benchmark: a run (one engine over one dataset) and its per-sample results.

These are plain pydantic models, separate from the database tables (``ocrops.store.tables``);
the data-access layer (``ocrops.store.bench``) converts between the two.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_TENANT = "default"


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_run_id() -> str:
    return str(uuid.uuid4())


class RunStatus(StrEnum):
    running = "running"
    completed = "completed"
    failed = "failed"
    interrupted = "interrupted"


class BenchRun(BaseModel):
    """One engine, with fixed options, over one dataset version."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=new_run_id)
    tenant_id: str = DEFAULT_TENANT
    name: str = ""
    dataset_name: str
    dataset_root: str = ""
    dataset_version: str = ""
    engine: str
    engine_version: str = ""
    engine_options: dict[str, Any] = Field(default_factory=dict)
    options_hash: str = ""
    normalisation: str = ""
    metrics: list[str] = Field(default_factory=list)
    status: RunStatus = RunStatus.running
    workers: int = 1
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    totals: dict[str, Any] = Field(default_factory=dict, description="Summary written when the run ends.")

    @property
    def label(self) -> str:
        """A short human name: the run name, or engine plus the first characters of the id."""
        return self.name or f"{self.engine}@{self.id[:8]}"


class SampleResult(BaseModel):
    """What one engine produced for one sample, and its scores.

    ``metrics`` holds rates (``cer``, ``wer``, ``ned``, ``char_accuracy``, ``field_f1``, ``teds``,
    ``olmocr_pass_rate`` ...) and the counts they come from (``char_errors``, ``char_total`` ...),
    so pooled rates can be derived over any subset. ``reference`` is the ground-truth text the
    text metrics were computed against (kept for diffs in reports).
    """

    model_config = ConfigDict(extra="forbid")

    run_id: str
    tenant_id: str = DEFAULT_TENANT
    sample_id: str
    file: str
    page: int | None = None
    tags: list[str] = Field(default_factory=list)
    reference: str | None = None
    prediction: str = ""
    markdown: str | None = None
    metrics: dict[str, float | None] = Field(default_factory=dict)
    page_latencies: list[float] = Field(default_factory=list, description="Seconds per page.")
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def failed(self) -> bool:
        return self.error is not None


@dataclass
class RunData:
    """A run with its results: what reports and comparisons read."""

    run: BenchRun
    results: list[SampleResult]
