"""Jobs: state and progress, listing by state, cancel, retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ocrops.api.deps import CtxDep, ReadOnlyOK, RequireMember
from ocrops.services import jobs as service
from ocrops.services.schemas import JobPublic, JobState, Page

router = APIRouter(prefix="/jobs", tags=["jobs"])

JobId = Annotated[str, Path(description="The job id.", max_length=64)]


@router.get("", response_model=Page[JobPublic], summary="List jobs, newest first")
def list_jobs(
    ctx: CtxDep,
    principal: ReadOnlyOK,
    state: JobState | None = None,
    document_id: str | None = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[JobPublic]:
    return service.list_jobs(ctx, principal, state=state, cursor=cursor, limit=limit, document_id=document_id)


@router.get("/{job_id}", response_model=JobPublic, summary="State, pages done / total, timings, error")
def get_job(ctx: CtxDep, principal: ReadOnlyOK, job_id: JobId) -> JobPublic:
    return service.get_job(ctx, principal, job_id)


@router.post(
    "/{job_id}/cancel",
    response_model=JobPublic,
    summary="Cancel a job",
    responses={409: {"description": "The job has already finished"}},
)
def cancel_job(ctx: CtxDep, principal: RequireMember, job_id: JobId) -> JobPublic:
    """A queued job is cancelled at once; a running one stops before its next page."""
    return service.cancel_job(ctx, principal, job_id)


@router.post(
    "/{job_id}/retry",
    response_model=JobPublic,
    status_code=202,
    summary="Run a job again",
    responses={409: {"description": "The job is not failed, partial or cancelled"}},
)
def retry_job(ctx: CtxDep, principal: RequireMember, job_id: JobId) -> JobPublic:
    """Pages that already succeeded are kept; the rest run again."""
    return service.retry_job(ctx, principal, job_id)
