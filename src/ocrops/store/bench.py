"""Data access for benchmark runs and results. Every write to these tables goes through here.

Functions take an open :class:`~sqlalchemy.orm.Session` (from ``Database.session()``) and
return domain types (:mod:`ocrops.evaluate.records`), never rows. Runs can be addressed by a
unique prefix of their id, like git commits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ocrops.errors import BadParameter, Conflict, NotFound
from ocrops.evaluate.records import DEFAULT_TENANT, BenchRun, RunStatus, SampleResult, utcnow
from ocrops.store.tables import BenchResultRow, BenchRunRow

_RUN_FIELDS = tuple(BenchRun.model_fields)
_RESULT_FIELDS = tuple(SampleResult.model_fields)


# --- conversions -------------------------------------------------------------------


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _run(row: BenchRunRow) -> BenchRun:
    data = {name: getattr(row, name) for name in _RUN_FIELDS}
    data["started_at"], data["finished_at"] = _aware(row.started_at), _aware(row.finished_at)
    return BenchRun.model_validate(data)


def _result(row: BenchResultRow) -> SampleResult:
    data = {name: getattr(row, name) for name in _RESULT_FIELDS}
    data["created_at"] = _aware(row.created_at)
    return SampleResult.model_validate(data)


# --- runs ------------------------------------------------------------------------------


def create_run(session: Session, run: BenchRun) -> BenchRun:
    session.add(BenchRunRow(**run.model_dump(mode="python")))
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a run with id {run.id} already exists") from None
    return run


def _run_row(session: Session, run_id: str, tenant_id: str) -> BenchRunRow:
    row = session.get(BenchRunRow, run_id)
    if row is not None and row.tenant_id == tenant_id:
        return row
    if len(run_id) < 4:
        raise NotFound(f"no benchmark run {run_id!r} (give at least 4 characters of a run id)")
    escaped = run_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matches = session.scalars(
        select(BenchRunRow)
        .where(BenchRunRow.tenant_id == tenant_id, BenchRunRow.id.like(f"{escaped}%", escape="\\"))
        .limit(2)
    ).all()
    if not matches:
        raise NotFound(f"no benchmark run {run_id!r}")
    if len(matches) > 1:
        raise BadParameter(f"run id prefix {run_id!r} is ambiguous; give more characters")
    return matches[0]


def get_run(session: Session, run_id: str, *, tenant_id: str = DEFAULT_TENANT) -> BenchRun:
    """The run with this id (or unique id prefix); NotFound otherwise."""
    return _run(_run_row(session, run_id, tenant_id))


def list_runs(
    session: Session,
    *,
    dataset_name: str | None = None,
    status: RunStatus | None = None,
    tenant_id: str = DEFAULT_TENANT,
    limit: int | None = None,
) -> list[BenchRun]:
    """Runs, newest first."""
    query = select(BenchRunRow).where(BenchRunRow.tenant_id == tenant_id)
    if dataset_name is not None:
        query = query.where(BenchRunRow.dataset_name == dataset_name)
    if status is not None:
        query = query.where(BenchRunRow.status == status.value)
    query = query.order_by(BenchRunRow.started_at.desc(), BenchRunRow.id)
    if limit is not None:
        query = query.limit(limit)
    return [_run(row) for row in session.scalars(query)]


def update_run(
    session: Session,
    run_id: str,
    *,
    status: RunStatus | None = None,
    totals: dict[str, Any] | None = None,
    metrics: list[str] | None = None,
    finished: bool = False,
    tenant_id: str = DEFAULT_TENANT,
) -> BenchRun:
    """Change a run's status, totals or metric names; ``finished`` stamps ``finished_at`` (else clears it)."""
    row = _run_row(session, run_id, tenant_id)
    if status is not None:
        row.status = status.value
    if totals is not None:
        row.totals = totals
    if metrics is not None:
        row.metrics = list(metrics)
    row.finished_at = utcnow() if finished else None
    session.flush()
    return _run(row)


def delete_run(session: Session, run_id: str, *, tenant_id: str = DEFAULT_TENANT) -> None:
    """Delete a run and its results."""
    row = _run_row(session, run_id, tenant_id)
    session.execute(delete(BenchResultRow).where(BenchResultRow.run_id == row.id))
    session.delete(row)
    session.flush()


# --- results ---------------------------------------------------------------------------


def add_result(session: Session, result: SampleResult) -> SampleResult:
    """Store one sample's result; Conflict when the run already has that sample."""
    session.add(BenchResultRow(**result.model_dump(mode="python")))
    try:
        session.flush()
    except IntegrityError:  # the session must be rolled back: Database.session() does it
        raise Conflict(f"run {result.run_id} already has a result for sample {result.sample_id!r}") from None
    return result


def stored_sample_ids(session: Session, run_id: str, *, tenant_id: str = DEFAULT_TENANT) -> set[str]:
    query = select(BenchResultRow.sample_id).where(
        BenchResultRow.run_id == run_id, BenchResultRow.tenant_id == tenant_id
    )
    return set(session.scalars(query))


def count_results(session: Session, run_id: str, *, tenant_id: str = DEFAULT_TENANT) -> int:
    query = (
        select(func.count())
        .select_from(BenchResultRow)
        .where(BenchResultRow.run_id == run_id, BenchResultRow.tenant_id == tenant_id)
    )
    return int(session.scalar(query) or 0)


def list_results(session: Session, run_id: str, *, tenant_id: str = DEFAULT_TENANT) -> list[SampleResult]:
    """A run's results in the order they were stored."""
    query = (
        select(BenchResultRow)
        .where(BenchResultRow.run_id == run_id, BenchResultRow.tenant_id == tenant_id)
        .order_by(BenchResultRow.id)
    )
    return [_result(row) for row in session.scalars(query)]


def delete_results(
    session: Session, run_id: str, sample_ids: set[str] | None = None, *, tenant_id: str = DEFAULT_TENANT
) -> int:
    """Delete a run's results (all, or those of ``sample_ids``); returns how many."""
    query = delete(BenchResultRow).where(
        BenchResultRow.run_id == run_id, BenchResultRow.tenant_id == tenant_id
    )
    if sample_ids is not None:
        query = query.where(BenchResultRow.sample_id.in_(sorted(sample_ids)))
    return int(session.execute(query).rowcount or 0)
