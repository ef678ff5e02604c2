"""Multipart form fields shared by ``POST /documents`` and ``POST /convert``."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile
from pydantic import ValidationError

from ocrops.errors import BadParameter, InputTooLarge
from ocrops.services.schemas import SubmitOptions


def submit_options(
    engine: Annotated[
        str | None, Form(description="Engine name (GET /engines); default: the server's.")
    ] = None,
    engine_options: Annotated[
        str | None, Form(description='Engine options as a JSON object, e.g. {"psm": 6}.')
    ] = None,
    formats: Annotated[
        str | None, Form(description="Comma list of result formats: md,json,txt,html,csv.")
    ] = None,
    pages: Annotated[str | None, Form(description="Page selection like '1-3,7'.")] = None,
    languages: Annotated[str | None, Form(description="Languages like 'eng+deu'.")] = None,
    priority: Annotated[int, Form(ge=0, le=9, description="Higher runs sooner.")] = 0,
    webhook_url: Annotated[str | None, Form(description="POSTed (signed) when the job finishes.")] = None,
    dpi: Annotated[int | None, Form(ge=36, le=1200, description="Render DPI for PDF pages.")] = None,
) -> SubmitOptions:
    """The form fields as SubmitOptions; BadParameter (422) on any mistake."""
    fields: dict[str, Any] = {
        "engine": engine or None,
        "engine_options": _json_object(engine_options),
        "pages": pages or None,
        "languages": languages or None,
        "priority": priority,
        "webhook_url": webhook_url or None,
        "dpi": dpi,
    }
    if formats:
        fields["formats"] = [part for part in formats.split(",") if part.strip()]
    try:
        return SubmitOptions.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in exc.errors())
        raise BadParameter(problems) from None


def _json_object(text: str | None) -> dict[str, Any]:
    if text is None or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadParameter(f"engine_options is not valid JSON: {exc.msg} at position {exc.pos}") from None
    if not isinstance(value, dict):
        raise BadParameter('engine_options must be a JSON object, e.g. {"psm": 6}')
    return value


def checked_upload(
    request: Request,
    file: Annotated[UploadFile, File(description="The document (PDF, image, office file, HTML...).")],
) -> UploadFile:
    """413 when the file part alone is over ``max_upload_bytes`` (the whole body is capped too)."""
    limit = request.app.state.ctx.settings.resolved_max_upload_bytes
    if file.size is not None and file.size > limit:
        raise InputTooLarge(f"upload of {file.size} bytes is over the {limit}-byte limit")
    return file


def upload_name(file: UploadFile) -> str:
    return file.filename or "upload"
