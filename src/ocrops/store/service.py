"""Data access for the service: tenants, keys, documents, jobs, checkpoints, webhook deliveries.

Plain functions taking an open :class:`~sqlalchemy.orm.Session`; every write to these tables goes
through here. Every lookup of a tenant's thing filters on ``tenant_id``: another tenant's
document or job is a :class:`NotFound`, exactly like a missing one. Rows are returned to the
services layer, which turns them into public schemas; nothing above services sees a row.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ocrops.errors import Conflict, NotFound
from ocrops.store.tables import ApiKeyRow, DocumentRow, JobPageRow, JobRow, TenantRow, WebhookDeliveryRow

QUEUED, RUNNING = "queued", "running"
SUCCEEDED, PARTIAL, FAILED, CANCELLED = "succeeded", "partial", "failed", "cancelled"
FINISHED = (SUCCEEDED, PARTIAL, FAILED, CANCELLED)
JOB_STATES = (QUEUED, RUNNING, *FINISHED)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# --- tenants and keys --------------------------------------------------------------------


def get_tenant(session: Session, tenant_id: str) -> TenantRow:
    row = session.get(TenantRow, tenant_id)
    if row is None:
        raise NotFound(f"no tenant {tenant_id!r}")
    return row


def create_tenant(session: Session, tenant_id: str, name: str, webhook_secret: str) -> TenantRow:
    row = TenantRow(id=tenant_id, name=name, webhook_secret=webhook_secret, created_at=utcnow())
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"tenant {tenant_id!r} already exists") from None
    return row


def count_keys(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ApiKeyRow)) or 0)


def add_key(
    session: Session, *, tenant_id: str, name: str, role: str, prefix: str, secret_hash: str
) -> ApiKeyRow:
    get_tenant(session, tenant_id)
    row = ApiKeyRow(
        id=new_id(),
        tenant_id=tenant_id,
        name=name,
        role=role,
        prefix=prefix,
        secret_hash=secret_hash,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def key_by_prefix(session: Session, prefix: str) -> ApiKeyRow | None:
    return session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix))


def list_keys(session: Session, tenant_id: str) -> list[ApiKeyRow]:
    query = (
        select(ApiKeyRow).where(ApiKeyRow.tenant_id == tenant_id).order_by(ApiKeyRow.created_at, ApiKeyRow.id)
    )
    return list(session.scalars(query))


def revoke_key(session: Session, tenant_id: str, key_id: str) -> ApiKeyRow:
    row = session.get(ApiKeyRow, key_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound(f"no API key {key_id!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
    return row


# --- documents ---------------------------------------------------------------------------


def add_document(session: Session, **fields: Any) -> DocumentRow:
    row = DocumentRow(created_at=utcnow(), **fields)
    session.add(row)
    session.flush()
    return row


def get_document(session: Session, tenant_id: str, document_id: str, *, deleted: bool = False) -> DocumentRow:
    row = session.get(DocumentRow, document_id)
    if row is None or row.tenant_id != tenant_id or (row.deleted_at is not None and not deleted):
        raise NotFound(f"no document {document_id!r}")
    return row


def list_documents(
    session: Session,
    tenant_id: str,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
    media_type: str | None = None,
    sha256: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    include_deleted: bool = False,
) -> list[DocumentRow]:
    """Newest first; ``after`` is the (created_at, id) of the last row of the previous page."""
    query = select(DocumentRow).where(DocumentRow.tenant_id == tenant_id)
    if not include_deleted:
        query = query.where(DocumentRow.deleted_at.is_(None))
    if media_type:
        query = query.where(DocumentRow.media_type == media_type)
    if sha256:
        query = query.where(DocumentRow.sha256 == sha256)
    if created_after:
        query = query.where(DocumentRow.created_at >= created_after)
    if created_before:
        query = query.where(DocumentRow.created_at < created_before)
    query = _after(query, DocumentRow, after).order_by(DocumentRow.created_at.desc(), DocumentRow.id.desc())
    return list(session.scalars(query.limit(limit)))


def _after(query: Any, table: Any, after: tuple[datetime, str] | None) -> Any:
    if after is None:
        return query
    created, row_id = after
    return query.where(or_(table.created_at < created, (table.created_at == created) & (table.id < row_id)))


def latest_jobs(session: Session, document_ids: Sequence[str]) -> dict[str, JobRow]:
    """The newest job of each document."""
    if not document_ids:
        return {}
    query = select(JobRow).where(JobRow.document_id.in_(list(document_ids))).order_by(JobRow.created_at)
    return {row.document_id: row for row in session.scalars(query)}


def soft_delete_document(session: Session, tenant_id: str, document_id: str) -> DocumentRow:
    row = get_document(session, tenant_id, document_id)
    row.deleted_at = utcnow()
    session.execute(
        update(JobRow)
        .where(JobRow.document_id == row.id, JobRow.state == QUEUED)
        .values(state=CANCELLED, finished_at=utcnow(), error="document deleted")
    )
    session.execute(
        update(JobRow)
        .where(JobRow.document_id == row.id, JobRow.state == RUNNING)
        .values(cancel_requested=True)
    )
    session.flush()
    return row


def deleted_before(session: Session, cutoff: datetime) -> list[DocumentRow]:
    query = select(DocumentRow).where(DocumentRow.deleted_at.is_not(None), DocumentRow.deleted_at < cutoff)
    return list(session.scalars(query))


def document_jobs(session: Session, document_id: str) -> list[JobRow]:
    return list(session.scalars(select(JobRow).where(JobRow.document_id == document_id)))


def purge_document(session: Session, document_id: str) -> None:
    """Delete a document and everything under it (rows only; the caller deletes the blobs)."""
    job_ids = select(JobRow.id).where(JobRow.document_id == document_id)
    session.execute(delete(WebhookDeliveryRow).where(WebhookDeliveryRow.job_id.in_(job_ids)))
    session.execute(delete(JobPageRow).where(JobPageRow.job_id.in_(job_ids)))
    session.execute(delete(JobRow).where(JobRow.document_id == document_id))
    session.execute(delete(DocumentRow).where(DocumentRow.id == document_id))


# --- jobs --------------------------------------------------------------------------------


def add_job(session: Session, **fields: Any) -> JobRow:
    """A new job; Conflict when the tenant already used its idempotency key (raced with another)."""
    row = JobRow(id=fields.pop("id", None) or new_id(), created_at=utcnow(), **fields)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"idempotency key {fields.get('idempotency_key')!r} is already in use") from None
    return row


def get_job(session: Session, tenant_id: str, job_id: str) -> JobRow:
    row = session.get(JobRow, job_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound(f"no job {job_id!r}")
    return row


def job_by_id(session: Session, job_id: str) -> JobRow | None:
    """For workers, which act for every tenant."""
    return session.get(JobRow, job_id, populate_existing=True)


def job_by_idempotency_key(session: Session, tenant_id: str, key: str) -> JobRow | None:
    return session.scalar(select(JobRow).where(JobRow.tenant_id == tenant_id, JobRow.idempotency_key == key))


def succeeded_job(session: Session, tenant_id: str, dedup_key: str) -> JobRow | None:
    """A finished, fully successful job of this tenant with the same content, pages and options."""
    query = (
        select(JobRow)
        .where(
            JobRow.tenant_id == tenant_id,
            JobRow.dedup_key == dedup_key,
            JobRow.state == SUCCEEDED,
            JobRow.result_key.is_not(None),
        )
        .order_by(JobRow.finished_at.desc())
        .limit(1)
    )
    return session.scalar(query)


def list_jobs(
    session: Session,
    tenant_id: str,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
    state: str | None = None,
    document_id: str | None = None,
) -> list[JobRow]:
    query = select(JobRow).where(JobRow.tenant_id == tenant_id)
    if state:
        query = query.where(JobRow.state == state)
    if document_id:
        query = query.where(JobRow.document_id == document_id)
    query = _after(query, JobRow, after).order_by(JobRow.created_at.desc(), JobRow.id.desc())
    return list(session.scalars(query.limit(limit)))


def claim_job(session: Session, job_id: str, worker_id: str, *, stale_before: datetime | None = None) -> bool:
    """queued and due (``not_before`` passed) -> running for exactly one caller: a conditional
    UPDATE, safe across processes. A retrying job is not claimed before its backoff ends, even by
    a duplicate message.

    With ``stale_before``, a running job whose heartbeat is older is taken over too (its worker died).
    """
    now = utcnow()
    claimable = (JobRow.state == QUEUED) & or_(JobRow.not_before.is_(None), JobRow.not_before <= now)
    if stale_before is not None:
        claimable = or_(claimable, (JobRow.state == RUNNING) & (JobRow.heartbeat_at < stale_before))
    result = session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, claimable)
        .values(
            state=RUNNING,
            attempts=JobRow.attempts + 1,
            worker_id=worker_id,
            heartbeat_at=now,
            started_at=func.coalesce(JobRow.started_at, now),
            not_before=None,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def due_job_ids(session: Session, limit: int = 10) -> list[str]:
    """Queued jobs that may run now: highest priority first, then oldest."""
    now = utcnow()
    query = (
        select(JobRow.id)
        .where(JobRow.state == QUEUED, or_(JobRow.not_before.is_(None), JobRow.not_before <= now))
        .order_by(JobRow.priority.desc(), JobRow.created_at, JobRow.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def next_due_at(session: Session) -> datetime | None:
    """When the earliest delayed (retrying) job becomes due."""
    query = select(func.min(JobRow.not_before)).where(JobRow.state == QUEUED, JobRow.not_before.is_not(None))
    return aware(session.scalar(query))


def heartbeat(session: Session, job_id: str, worker_id: str) -> tuple[bool, bool]:
    """Stamp the heartbeat; returns (still ours, cancel requested)."""
    session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.worker_id == worker_id, JobRow.state == RUNNING)
        .values(heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    row = session.execute(
        select(JobRow.state, JobRow.worker_id, JobRow.cancel_requested).where(JobRow.id == job_id)
    ).one_or_none()
    if row is None:
        return False, True
    return (row.state == RUNNING and row.worker_id == worker_id), bool(row.cancel_requested)


def requeue_stale(session: Session, stale_before: datetime) -> list[str]:
    """Running jobs whose worker stopped beating (died): back to queued. Returns their ids."""
    query = select(JobRow.id).where(
        JobRow.state == RUNNING, or_(JobRow.heartbeat_at.is_(None), JobRow.heartbeat_at < stale_before)
    )
    ids = list(session.scalars(query))
    if ids:
        session.execute(
            update(JobRow)
            .where(
                JobRow.id.in_(ids),
                JobRow.state == RUNNING,
                or_(JobRow.heartbeat_at.is_(None), JobRow.heartbeat_at < stale_before),
            )
            .values(state=QUEUED, worker_id=None)
            .execution_options(synchronize_session=False)
        )
    return ids


def release_job(session: Session, job_id: str, worker_id: str) -> None:
    """Give a running job back to the queue without counting the attempt (graceful shutdown)."""
    session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.worker_id == worker_id, JobRow.state == RUNNING)
        .values(state=QUEUED, worker_id=None, attempts=JobRow.attempts - 1)
        .execution_options(synchronize_session=False)
    )


def schedule_retry(
    session: Session, job_id: str, error: str | None, not_before: datetime | None, *, owner: str | None = None
) -> None:
    """Back to queued, due at ``not_before`` (with ``owner``: only while that worker runs it)."""
    condition = JobRow.id == job_id
    if owner is not None:
        condition = condition & (JobRow.worker_id == owner) & (JobRow.state == RUNNING)
    session.execute(
        update(JobRow)
        .where(condition)
        .values(state=QUEUED, worker_id=None, error=error, not_before=not_before)
        .execution_options(synchronize_session=False)
    )


def finish_job(
    session: Session,
    job_id: str,
    state: str,
    *,
    error: str | None = None,
    result_key: str | None = None,
    timings: dict[str, float] | None = None,
    dedup_of: str | None = None,
    owner: str | None = None,
) -> JobRow | None:
    """Set a final state. With ``owner``, only while that worker still runs the job (else None:
    it was taken over after looking dead, and the new owner finishes it)."""
    row = session.get(JobRow, job_id, populate_existing=True, with_for_update=owner is not None)
    if row is None:
        raise NotFound(f"no job {job_id!r}")
    if owner is not None and (row.state != RUNNING or row.worker_id != owner):
        return None
    row.state, row.error, row.finished_at, row.worker_id = state, error, utcnow(), None
    if result_key is not None:
        row.result_key = result_key
    if timings is not None:
        row.timings = timings
    if dedup_of is not None:
        row.dedup_of = dedup_of
        row.pages_done = row.pages_total
    session.flush()
    return row


def request_cancel(session: Session, tenant_id: str, job_id: str) -> JobRow:
    """Queued -> cancelled now; running -> cancel_requested (the worker stops at the next page)."""
    row = get_job(session, tenant_id, job_id)
    if row.state == QUEUED:
        row.state, row.finished_at, row.error = CANCELLED, utcnow(), "cancelled"
    elif row.state == RUNNING:
        row.cancel_requested = True
    else:
        raise Conflict(f"job {job_id} is already {row.state}")
    session.flush()
    return row


def requeue_job(session: Session, tenant_id: str, job_id: str) -> JobRow:
    """A failed, partial or cancelled job back to queued: pages in error are redone, good ones kept."""
    row = get_job(session, tenant_id, job_id)
    get_document(session, tenant_id, row.document_id)  # a deleted document's job stays finished
    if row.state not in (FAILED, PARTIAL, CANCELLED):
        raise Conflict(f"job {job_id} is {row.state}; only failed, partial or cancelled jobs can be retried")
    session.execute(delete(JobPageRow).where(JobPageRow.job_id == row.id, JobPageRow.status == "error"))
    done = session.scalar(select(func.count()).select_from(JobPageRow).where(JobPageRow.job_id == row.id))
    row.state, row.attempts, row.error, row.cancel_requested = QUEUED, 0, None, False
    row.finished_at, row.not_before, row.worker_id, row.pages_done = None, None, None, int(done or 0)
    session.flush()
    return row


def count_jobs_by_state(session: Session) -> dict[str, int]:
    rows = session.execute(select(JobRow.state, func.count()).group_by(JobRow.state)).all()
    counts = dict.fromkeys(JOB_STATES, 0)
    counts.update({state: int(n) for state, n in rows})
    return counts


def queue_depth(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(JobRow).where(JobRow.state == QUEUED)) or 0)


# --- page checkpoints --------------------------------------------------------------------


def done_pages(session: Session, job_id: str) -> dict[int, dict[str, Any]]:
    """Checkpointed pages of a job: page number -> the Page as JSON."""
    rows = session.execute(select(JobPageRow.page, JobPageRow.result).where(JobPageRow.job_id == job_id))
    return {page: result for page, result in rows}


def save_page(
    session: Session, tenant_id: str, job_id: str, page: int, status: str, result: dict[str, Any]
) -> None:
    """Checkpoint one page and count it done (a page saved twice by racing workers is kept once)."""
    values = dict(
        tenant_id=tenant_id, job_id=job_id, page=page, status=status, result=result, created_at=utcnow()
    )
    session.execute(_insert_ignoring_duplicates(session, JobPageRow, ["job_id", "page"]).values(**values))
    count = select(func.count()).select_from(JobPageRow).where(JobPageRow.job_id == job_id).scalar_subquery()
    session.execute(
        update(JobRow)
        .where(JobRow.id == job_id)
        .values(pages_done=count, heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _insert_ignoring_duplicates(session: Session, table: Any, keys: list[str]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, which SQLite and PostgreSQL both speak."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=keys)


# --- webhook deliveries ------------------------------------------------------------------


def add_delivery(
    session: Session, job: JobRow, *, event: str, payload: dict[str, Any], attempt: int, due: datetime
) -> WebhookDeliveryRow:
    row = WebhookDeliveryRow(
        tenant_id=job.tenant_id,
        job_id=job.id,
        url=job.webhook_url or "",
        event=event,
        payload=payload,
        attempt=attempt,
        state="pending",
        next_attempt_at=due,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def due_deliveries(session: Session, *, job_id: str | None = None, limit: int = 20) -> list[int]:
    query = select(WebhookDeliveryRow.id).where(
        WebhookDeliveryRow.state == "pending", WebhookDeliveryRow.next_attempt_at <= utcnow()
    )
    if job_id is not None:
        query = query.where(WebhookDeliveryRow.job_id == job_id)
    return list(session.scalars(query.order_by(WebhookDeliveryRow.next_attempt_at).limit(limit)))


def next_delivery_at(session: Session) -> datetime | None:
    query = select(func.min(WebhookDeliveryRow.next_attempt_at)).where(WebhookDeliveryRow.state == "pending")
    return aware(session.scalar(query))


def claim_delivery(session: Session, delivery_id: int) -> WebhookDeliveryRow | None:
    """pending -> sending for exactly one dispatcher."""
    result = session.execute(
        update(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.id == delivery_id, WebhookDeliveryRow.state == "pending")
        .values(state="sending", attempted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return session.get(WebhookDeliveryRow, delivery_id, populate_existing=True)


def record_delivery(
    session: Session, delivery_id: int, *, delivered: bool, status_code: int | None, error: str | None
) -> WebhookDeliveryRow:
    row = session.get(WebhookDeliveryRow, delivery_id, populate_existing=True)
    assert row is not None
    row.state, row.status_code, row.error = ("delivered" if delivered else "failed"), status_code, error
    session.flush()
    return row


def list_deliveries(session: Session, tenant_id: str, job_id: str) -> list[WebhookDeliveryRow]:
    get_job(session, tenant_id, job_id)
    query = (
        select(WebhookDeliveryRow).where(WebhookDeliveryRow.job_id == job_id).order_by(WebhookDeliveryRow.id)
    )
    return list(session.scalars(query))
