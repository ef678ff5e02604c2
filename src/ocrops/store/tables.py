"""Database tables (SQLAlchemy 2 declarative). Only ``ocrops.store`` reads and writes them.

Every row belongs to a tenant (``tenant_id``; "default" for single-tenant use and benchmarks).
Schema changes go through Alembic migrations in ``ocrops/store/migrations/versions``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JsonType,
        list[Any]: JsonType,
        datetime: DateTime(timezone=True),
    }


class TenantMixin:
    tenant_id: Mapped[str] = mapped_column(
        String(64), default="default", server_default="default", index=True
    )


class BenchRunRow(TenantMixin, Base):
    __tablename__ = "bench_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    dataset_name: Mapped[str] = mapped_column(String(200), index=True)
    dataset_root: Mapped[str] = mapped_column(Text, default="")
    dataset_version: Mapped[str] = mapped_column(String(64), default="")
    engine: Mapped[str] = mapped_column(String(64))
    engine_version: Mapped[str] = mapped_column(String(100), default="")
    engine_options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    options_hash: Mapped[str] = mapped_column(String(64), default="")
    normalisation: Mapped[str] = mapped_column(String(500), default="")
    metrics: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), index=True)
    workers: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    totals: Mapped[dict[str, Any]] = mapped_column(default=dict)


class BenchResultRow(TenantMixin, Base):
    __tablename__ = "bench_results"
    __table_args__ = (UniqueConstraint("run_id", "sample_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("bench_runs.id", ondelete="CASCADE"), index=True)
    sample_id: Mapped[str] = mapped_column(String(500))
    file: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    reference: Mapped[str | None] = mapped_column(Text)
    prediction: Mapped[str] = mapped_column(Text, default="")
    markdown: Mapped[str | None] = mapped_column(Text)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    page_latencies: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


# --- the service -------------------------------------------------------------------------


class TenantRow(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    webhook_secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class ApiKeyRow(TenantMixin, Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class DocumentRow(TenantMixin, Base):
    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_tenant_created", "tenant_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    filename: Mapped[str] = mapped_column(String(500))
    media_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    page_count: Mapped[int] = mapped_column(Integer)
    source_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None] = mapped_column(index=True)


class JobRow(TenantMixin, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        Index("ix_jobs_state_priority", "state", "priority", "created_at"),
        Index("ix_jobs_tenant_created", "tenant_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)  # ConvertOptions as JSON
    formats: Mapped[list[Any]] = mapped_column(default=list)
    pages: Mapped[list[Any]] = mapped_column(default=list)  # the selected page numbers
    pages_total: Mapped[int] = mapped_column(Integer, default=0)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    error: Mapped[str | None] = mapped_column(Text)
    webhook_url: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64), default="")
    dedup_key: Mapped[str] = mapped_column(String(64), index=True)
    dedup_of: Mapped[str | None] = mapped_column(String(36))
    result_key: Mapped[str | None] = mapped_column(Text)
    not_before: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    worker_id: Mapped[str | None] = mapped_column(String(200))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class JobPageRow(TenantMixin, Base):
    """A page checkpoint: written as soon as the page is done, so a restarted job skips it."""

    __tablename__ = "job_pages"
    __table_args__ = (UniqueConstraint("job_id", "page"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    page: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)  # ocrops.model.Page as JSON
    created_at: Mapped[datetime]


class WebhookDeliveryRow(TenantMixin, Base):
    """One delivery attempt. A pending row (``state='pending'``) is an attempt due at ``next_attempt_at``."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(16))  # pending | sending | delivered | failed
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    attempted_at: Mapped[datetime | None]
