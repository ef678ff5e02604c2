"""Benchmark runs and per-sample results.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", sa.String(length=64), server_default="default", nullable=False)


def upgrade() -> None:
    op.create_table(
        "bench_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        _tenant(),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("dataset_name", sa.String(length=200), nullable=False),
        sa.Column("dataset_root", sa.Text(), nullable=False),
        sa.Column("dataset_version", sa.String(length=64), nullable=False),
        sa.Column("engine", sa.String(length=64), nullable=False),
        sa.Column("engine_version", sa.String(length=100), nullable=False),
        sa.Column("engine_options", _json(), nullable=False),
        sa.Column("options_hash", sa.String(length=64), nullable=False),
        sa.Column("normalisation", sa.String(length=500), nullable=False),
        sa.Column("metrics", _json(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totals", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bench_runs")),
    )
    op.create_index(op.f("ix_bench_runs_tenant_id"), "bench_runs", ["tenant_id"])
    op.create_index(op.f("ix_bench_runs_dataset_name"), "bench_runs", ["dataset_name"])
    op.create_index(op.f("ix_bench_runs_status"), "bench_runs", ["status"])

    op.create_table(
        "bench_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _tenant(),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("sample_id", sa.String(length=500), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("tags", _json(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("prediction", sa.Text(), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=True),
        sa.Column("metrics", _json(), nullable=False),
        sa.Column("page_latencies", _json(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["bench_runs.id"], name=op.f("fk_bench_results_run_id_bench_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bench_results")),
        sa.UniqueConstraint("run_id", "sample_id", name=op.f("uq_bench_results_run_id_sample_id")),
    )
    op.create_index(op.f("ix_bench_results_tenant_id"), "bench_results", ["tenant_id"])
    op.create_index(op.f("ix_bench_results_run_id"), "bench_results", ["run_id"])


def downgrade() -> None:
    op.drop_table("bench_results")
    op.drop_table("bench_runs")
