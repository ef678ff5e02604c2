"""API keys of the caller's tenant (admin only): create, list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from ocrops.api.deps import CtxDep, RequireAdmin
from ocrops.services import keys as service
from ocrops.services.schemas import ApiKeyPublic, Role

router = APIRouter(prefix="/keys", tags=["keys"])


class KeyCreate(BaseModel):
    name: str = Field("", max_length=200)
    role: Role = Role.member


class KeyCreated(BaseModel):
    key: ApiKeyPublic
    secret: str = Field(description="The API key itself; shown only in this response.")


@router.post("", status_code=201, response_model=KeyCreated, summary="Create an API key")
def create_key(ctx: CtxDep, principal: RequireAdmin, body: KeyCreate) -> KeyCreated:
    key, secret = service.create_key(ctx, principal.tenant_id, body.name, body.role)
    return KeyCreated(key=key, secret=secret)


@router.get("", response_model=list[ApiKeyPublic], summary="List API keys (secrets are never shown)")
def list_keys(ctx: CtxDep, principal: RequireAdmin) -> list[ApiKeyPublic]:
    return service.list_keys(ctx, principal.tenant_id)


@router.delete("/{key_id}", status_code=204, response_class=Response, summary="Revoke an API key")
def revoke_key(ctx: CtxDep, principal: RequireAdmin, key_id: Annotated[str, Path(max_length=64)]) -> Response:
    service.revoke_key(ctx, principal.tenant_id, key_id)
    return Response(status_code=204)
