"""Documents: submit (async job), read, list, results, page images, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Response, UploadFile
from pydantic import BaseModel

from ocrops.api.deps import CtxDep, ReadOnlyOK, RequireMember
from ocrops.api.forms import checked_upload, submit_options, upload_name
from ocrops.api.routes import API_PREFIX
from ocrops.services import documents as service
from ocrops.services.schemas import DocumentFilters, DocumentPublic, JobPublic, Page, SubmitOptions

router = APIRouter(prefix="/documents", tags=["documents"])

ResultFormat = Literal["md", "json", "txt", "html", "csv"]
DocumentId = Annotated[str, Path(description="The document id.", max_length=64)]


class SubmissionOut(BaseModel):
    document: DocumentPublic
    job: JobPublic
    created: bool


@router.post(
    "",
    status_code=202,
    response_model=SubmissionOut,
    summary="Upload a document and queue its conversion",
    responses={
        413: {"description": "Too large"},
        415: {"description": "Unsupported type"},
        422: {"description": "Corrupt file or bad options"},
    },
)
def submit(
    ctx: CtxDep,
    principal: RequireMember,
    response: Response,
    options: Annotated[SubmitOptions, Depends(submit_options)],
    upload: Annotated[UploadFile, Depends(checked_upload)],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> SubmissionOut:
    """Answers 202 with the document and its job; poll ``Location`` (the job) until it finishes.

    Repeating a request with the same ``Idempotency-Key`` returns the first submission
    (``created: false``); the same key with a different request is a 409.
    """
    submission = service.submit_document(
        ctx, principal, upload_name(upload), upload.file, options, idempotency_key or None
    )
    response.headers["Location"] = f"{API_PREFIX}/jobs/{submission.job.id}"
    return SubmissionOut(document=submission.document, job=submission.job, created=submission.created)


@router.get("", response_model=Page[DocumentPublic], summary="List documents, newest first")
def list_documents(
    ctx: CtxDep,
    principal: ReadOnlyOK,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    media_type: str | None = None,
    sha256: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> Page[DocumentPublic]:
    filters = DocumentFilters(
        media_type=media_type, sha256=sha256, created_after=created_after, created_before=created_before
    )
    return service.list_documents(ctx, principal, cursor, limit, filters)


@router.get("/{document_id}", response_model=DocumentPublic, summary="One document and its latest job state")
def get_document(ctx: CtxDep, principal: ReadOnlyOK, document_id: DocumentId) -> DocumentPublic:
    return service.get_document(ctx, principal, document_id)


@router.get(
    "/{document_id}/result",
    response_class=Response,
    summary="The conversion result",
    responses={
        200: {
            "content": {
                "text/markdown": {},
                "application/json": {},
                "text/plain": {},
                "text/html": {},
                "text/csv": {},
            }
        },
        409: {"description": "Not finished yet, or finished without a result"},
    },
)
def get_result(
    ctx: CtxDep,
    principal: ReadOnlyOK,
    document_id: DocumentId,
    format: Annotated[ResultFormat, Query(description="Output format.")] = "md",
) -> Response:
    content, media_type = service.get_result(ctx, principal, document_id, format)
    return Response(content, media_type=_with_charset(media_type))


@router.get(
    "/{document_id}/pages/{page}/image",
    response_class=Response,
    summary="A page as PNG",
    responses={200: {"content": {"image/png": {}}}},
)
def page_image(
    ctx: CtxDep,
    principal: ReadOnlyOK,
    document_id: DocumentId,
    page: Annotated[int, Path(ge=1, description="1-based page number")],
) -> Response:
    png = service.page_image(ctx, principal, document_id, page)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.delete(
    "/{document_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a document (purged after the retention period)",
)
def delete_document(ctx: CtxDep, principal: RequireMember, document_id: DocumentId) -> Response:
    service.delete_document(ctx, principal, document_id)
    return Response(status_code=204)


def _with_charset(media_type: str) -> str:
    if media_type.startswith(("text/", "application/json")) and "charset" not in media_type:
        return f"{media_type}; charset=utf-8"
    return media_type
