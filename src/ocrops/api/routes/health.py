"""Liveness and readiness, without authentication (for load balancers and orchestrators).

Included twice: at ``/health`` and ``/ready`` for probes, and under ``/api/v1`` (documented).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ocrops.api.deps import CtxDep

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness: the process answers")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Readiness: database, queue, storage and engines",
    responses={503: {"description": "Not ready; the body says which check failed"}},
)
def ready(ctx: CtxDep) -> JSONResponse:
    from ocrops.services.health import readiness

    report: dict[str, Any] = readiness(ctx)
    return JSONResponse(report, status_code=200 if report["ready"] else 503)
