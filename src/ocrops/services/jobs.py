"""Job use cases: read, list, cancel, retry. Every call is scoped to the caller's tenant."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ocrops.errors import BadParameter
from ocrops.services.context import Principal, ServiceContext
from ocrops.services.schemas import JobPublic, JobState, Page, decode_cursor, encode_cursor
from ocrops.store import service as store

if TYPE_CHECKING:
    from ocrops.store.tables import JobRow

MAX_PAGE_SIZE = 200


def job_public(row: JobRow) -> JobPublic:
    data: dict[str, Any] = {name: getattr(row, name) for name in JobPublic.model_fields if hasattr(row, name)}
    for name in ("created_at", "started_at", "finished_at", "not_before"):
        data[name] = store.aware(data[name])
    data["engine"] = (row.options or {}).get("engine", "")
    options = dict(row.options or {})
    options.pop("password", None)
    data["options"] = options
    return JobPublic.model_validate(data)


def page_limit(limit: int | None) -> int:
    if limit is None:
        return 50
    if limit < 1:
        raise BadParameter("limit must be at least 1")
    return min(limit, MAX_PAGE_SIZE)


def get_job(ctx: ServiceContext, principal: Principal, job_id: str) -> JobPublic:
    with ctx.db.session() as session:
        return job_public(store.get_job(session, principal.tenant_id, job_id))


def list_jobs(
    ctx: ServiceContext,
    principal: Principal,
    *,
    state: JobState | str | None = None,
    cursor: str | None = None,
    limit: int | None = 50,
    document_id: str | None = None,
) -> Page[JobPublic]:
    """The tenant's jobs, newest first, optionally of one state or document."""
    if state is not None:
        try:
            state = JobState(state).value
        except ValueError:
            raise BadParameter(
                f"unknown job state {state!r}; choose one of: {', '.join(s.value for s in JobState)}"
            ) from None
    size = page_limit(limit)
    with ctx.db.session() as session:
        rows = store.list_jobs(
            session,
            principal.tenant_id,
            after=decode_cursor(cursor),
            limit=size + 1,
            state=state,
            document_id=document_id,
        )
        items = [job_public(row) for row in rows[:size]]
    next_cursor = encode_cursor(items[-1].created_at, items[-1].id) if len(rows) > size else None
    return Page[JobPublic](items=items, next_cursor=next_cursor)


def cancel_job(ctx: ServiceContext, principal: Principal, job_id: str) -> JobPublic:
    """Queued: cancelled now. Running: stops before its next page. Finished: Conflict."""
    principal.require_write()
    with ctx.db.session() as session:
        row = store.request_cancel(session, principal.tenant_id, job_id)
        if row.state == store.CANCELLED:
            from ocrops.jobs import webhooks

            webhooks.schedule(session, row)
        return job_public(row)


def retry_job(ctx: ServiceContext, principal: Principal, job_id: str) -> JobPublic:
    """Run a failed, partial or cancelled job again; pages that succeeded are kept."""
    principal.require_write()
    with ctx.db.session() as session:
        row = store.requeue_job(session, principal.tenant_id, job_id)
        public = job_public(row)
    ctx.queue.enqueue(public.id, public.priority)
    return public


def list_deliveries(ctx: ServiceContext, principal: Principal, job_id: str) -> list[dict[str, Any]]:
    """The webhook delivery attempts of a job, oldest first."""
    with ctx.db.session() as session:
        rows = store.list_deliveries(session, principal.tenant_id, job_id)
        return [
            {
                "attempt": r.attempt,
                "event": r.event,
                "url": r.url,
                "state": r.state,
                "status_code": r.status_code,
                "error": r.error,
                "created_at": store.aware(r.created_at),
                "attempted_at": store.aware(r.attempted_at),
            }
            for r in rows
        ]
