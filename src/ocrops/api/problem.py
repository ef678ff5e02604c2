"""Errors as RFC 9457 problem details (``application/problem+json``).

The only place where exceptions become HTTP responses: every ``OcropsError`` maps to its
``http_status``; request validation errors to 422; unknown routes and methods to 404 / 405;
anything unexpected to a 500 that says nothing about the server's internals.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from ocrops.errors import OcropsError, RateLimited, Unauthorized
from ocrops.observability import record_error

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:ocrops:problem:"


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def problem_type(name: str) -> str:
    """'PayloadTooLarge' -> 'urn:ocrops:problem:payload-too-large'."""
    return TYPE_PREFIX + re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def problem(
    status: int,
    *,
    kind: str,
    detail: str,
    instance: str,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    body = {
        "type": problem_type(kind),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        **{key: value for key, value in extra.items() if value is not None},
    }
    return ProblemResponse(body, status_code=status, headers=headers)


def _instance(request: Request) -> str:
    return request.url.path


def _request_id(scope: Scope) -> str | None:
    return scope.get("state", {}).get("request_id")


async def ocrops_error_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, OcropsError)
    kind = type(exc).__name__
    record_error(kind, "http")
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(max(1, int(getattr(exc, "retry_after", 1) + 0.999)))
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="ocrops"'
    return problem(
        exc.http_status,
        kind=kind,
        title=exc.title,
        detail=str(exc),
        instance=_instance(request),
        headers=headers or None,
        request_id=_request_id(request.scope),
    )


async def validation_error_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    record_error("ValidationError", "http")
    errors = [
        {"loc": [str(part) for part in err.get("loc", ())], "msg": err.get("msg", "")} for err in exc.errors()
    ]
    detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors) or "invalid request"
    return problem(
        422,
        kind="ValidationError",
        title="Invalid request",
        detail=detail,
        instance=_instance(request),
        errors=errors,
        request_id=_request_id(request.scope),
    )


async def http_error_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    kind = phrase.title().replace(" ", "").replace("-", "")
    if status >= 400:
        record_error(kind, "http")
    detail = (
        exc.detail
        if isinstance(exc.detail, str) and exc.detail != phrase
        else _default_detail(request, status)
    )
    return problem(
        status,
        kind=kind,
        title=phrase,
        detail=detail,
        instance=_instance(request),
        headers=dict(exc.headers) if exc.headers else None,
        request_id=_request_id(request.scope),
    )


def _default_detail(request: Request, status: int) -> str:
    if status == 404:
        return f"no route {request.url.path}; see /docs for the API"
    if status == 405:
        return f"{request.method} is not allowed on {request.url.path}"
    if status == 413:
        return "the request body is larger than this server accepts"
    return HTTPStatus(status).description if status in HTTPStatus._value2member_map_ else "error"


def internal_error_response(scope: Scope) -> ProblemResponse:
    """For the request middleware: an unexpected exception, described without internals."""
    request_id = _request_id(scope)
    detail = "an unexpected error happened; it was logged"
    if request_id:
        detail += f" with request id {request_id}"
    return problem(
        500, kind="InternalError", detail=detail, instance=scope.get("path", ""), request_id=request_id
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OcropsError, ocrops_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
