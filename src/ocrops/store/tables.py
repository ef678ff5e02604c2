"""Database tables (SQLAlchemy 2 declarative). Only ``ocrops.store`` reads and writes them.

Every row belongs to a tenant (``tenant_id``, "default" until the service adds tenants).
Schema changes go through Alembic migrations in ``ocrops/store/migrations/versions``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, MetaData, String, Text, UniqueConstraint
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
