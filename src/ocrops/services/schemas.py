"""Public models of the service: what the API returns and accepts. Separate from the tables."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ocrops.errors import BadParameter

T = TypeVar("T")


class Role(StrEnum):
    admin = "admin"  # everything, including keys
    member = "member"  # submit, cancel, retry, delete
    read_only = "read_only"  # read documents, jobs and results


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    partial = "partial"
    failed = "failed"
    cancelled = "cancelled"


class _Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ApiKeyPublic(_Public):
    id: str
    tenant_id: str
    name: str
    prefix: str = Field(description="The public part of the key (ocr_<prefix>_...), for recognising it.")
    role: Role
    created_at: datetime
    revoked_at: datetime | None = None


class JobPublic(_Public):
    id: str
    document_id: str
    state: JobState
    priority: int
    engine: str
    options: dict[str, Any] = Field(description="The conversion options (engine options, languages, dpi...).")
    formats: list[str]
    pages_total: int
    pages_done: int
    attempts: int
    max_attempts: int
    error: str | None = None
    webhook_url: str | None = None
    idempotency_key: str | None = None
    dedup_of: str | None = Field(None, description="The job whose stored result this job reused.")
    cancel_requested: bool = False
    not_before: datetime | None = Field(None, description="A retrying job waits until then.")
    timings: dict[str, float] = Field(default_factory=dict)
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.state not in (JobState.queued, JobState.running)


class DocumentPublic(_Public):
    id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    page_count: int
    created_at: datetime
    deleted_at: datetime | None = None
    job_id: str | None = Field(None, description="The document's latest job.")
    state: JobState | None = Field(None, description="The state of its latest job.")


class SubmitOptions(BaseModel):
    """What a client asks for when submitting a document."""

    model_config = ConfigDict(extra="forbid")

    engine: str | None = Field(None, description="Engine name (default: the server's default engine).")
    engine_options: dict[str, Any] = Field(default_factory=dict)
    formats: list[str] = Field(default_factory=lambda: ["md"], description="Formats the client will fetch.")
    pages: str | None = Field(None, description="Page selection like '1-3,7'; None for all pages.")
    languages: list[str] | str | None = Field(None, description="Tesseract-style languages, e.g. 'eng+deu'.")
    priority: int = Field(0, ge=0, le=9, description="Higher runs sooner.")
    webhook_url: str | None = Field(None, description="POSTed to when the job finishes (signed).")
    dpi: int | None = Field(None, ge=36, le=1200)

    @field_validator("formats")
    @classmethod
    def _known_formats(cls, value: list[str]) -> list[str]:
        from ocrops.render import RENDERERS

        formats = [f.strip().lower() for f in value if f.strip()] or ["md"]
        unknown = [f for f in formats if f not in RENDERERS]
        if unknown:
            raise ValueError(
                f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(RENDERERS.names())}"
            )
        return list(dict.fromkeys(formats))

    @field_validator("webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from urllib.parse import urlparse

        parsed = urlparse(value.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("webhook_url must be an http:// or https:// URL")
        return value.strip()


class DocumentFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    media_type: str | None = None
    sha256: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    include_deleted: bool = False

    @field_validator("created_after", "created_before")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """Stored times are UTC (SQLite keeps no offset): compare in UTC; naive times are UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Page(BaseModel, Generic[T]):
    """One page of a listing; pass ``next_cursor`` back to get the next one (None: no more)."""

    items: list[T]
    next_cursor: str | None = None


# --- cursors: opaque to clients, (created_at, id) of the last item inside ----------------


def encode_cursor(created_at: datetime, row_id: str) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, _, row_id = raw.partition("|")
        return datetime.fromisoformat(created), row_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadParameter(f"invalid cursor {cursor!r}") from None
