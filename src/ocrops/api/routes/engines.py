"""``GET /engines``: every engine, whether it runs here, its version and its options' JSON Schema.

The web UI builds its option forms from ``options``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ocrops.api.deps import CtxDep, ReadOnlyOK

router = APIRouter(prefix="/engines", tags=["engines"])


class EngineOut(BaseModel):
    name: str
    available: bool
    version: str | None = None
    reason: str | None = None
    description: str | None = None
    options: dict[str, Any] = Field(default_factory=dict, description="JSON Schema of the engine's options.")


@router.get("", response_model=list[EngineOut], summary="List OCR engines and their options")
def list_engines(ctx: CtxDep, _principal: ReadOnlyOK) -> list[EngineOut]:
    from ocrops.engines import engine_statuses

    return [
        EngineOut(
            name=status.name,
            available=status.available,
            version=status.version or None,
            reason=status.reason or None,
            description=status.description or None,
            options=schema,
        )
        for status, schema in engine_statuses(ctx.settings)
    ]
