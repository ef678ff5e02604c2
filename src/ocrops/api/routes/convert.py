"""``POST /convert``: synchronous conversion of a small document, answered with the result itself."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, UploadFile

from ocrops.api.deps import CtxDep, RequireMember
from ocrops.api.forms import checked_upload, submit_options, upload_name
from ocrops.services import documents as service
from ocrops.services.schemas import SubmitOptions

router = APIRouter(tags=["convert"])

SyncFormat = Literal["md", "json", "txt", "html"]


@router.post(
    "/convert",
    response_class=Response,
    summary="Convert a small document now",
    responses={
        200: {"content": {"text/markdown": {}, "application/json": {}, "text/plain": {}, "text/html": {}}},
        504: {"description": "Took longer than the sync limit: use POST /api/v1/documents"},
    },
)
def convert(
    ctx: CtxDep,
    principal: RequireMember,
    options: Annotated[SubmitOptions, Depends(submit_options)],
    upload: Annotated[UploadFile, Depends(checked_upload)],
    format: Annotated[SyncFormat, Query(description="Output format.")] = "md",
) -> Response:
    """Answers with the result, or 504 after ``sync_time_limit_s`` (submit large documents instead)."""
    from ocrops.render import get_renderer

    document = service.convert_sync(
        ctx, principal, upload_name(upload), upload.file, options, ctx.settings.sync_time_limit_s
    )
    renderer = get_renderer(format)
    media_type = renderer.media_type
    if media_type.startswith(("text/", "application/json")) and "charset" not in media_type:
        media_type += "; charset=utf-8"
    return Response(renderer.render(document), media_type=media_type)
