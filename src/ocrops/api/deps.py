"""Dependency aliases for the routes: the service context, the caller, and the role it needs.

* ``CtxDep``: the ``ServiceContext`` built once at start-up.
* ``PrincipalDep`` / ``ReadOnlyOK``: any valid API key (read-only keys included): for GETs.
* ``RequireMember``: member or admin: submit, cancel, retry, delete.
* ``RequireAdmin``: admin: manage API keys.

The key comes from ``Authorization: Bearer <key>`` or ``X-API-Key: <key>`` (or, for the web UI,
the signed session cookie of ``routes/session.py``). Authentication is followed by the per-key
rate limit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ocrops.api.ratelimit import check_rate
from ocrops.errors import Forbidden, Unauthorized
from ocrops.services import keys as key_service
from ocrops.services.context import Principal, ServiceContext
from ocrops.services.schemas import Role


def get_ctx(request: Request) -> ServiceContext:
    return request.app.state.ctx


CtxDep = Annotated[ServiceContext, Depends(get_ctx)]


def api_key_from(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    key = request.headers.get("x-api-key", "").strip()
    return key or None


SESSION_COOKIE_AUTH = True  # get_principal accepts the web UI's session cookie itself


def get_principal(request: Request) -> Principal:
    """The API key's principal, else the web UI session cookie's; then the per-key rate limit."""
    secret = api_key_from(request)
    principal = (
        key_service.authenticate(request.app.state.ctx, secret) if secret else _session_principal(request)
    )
    if principal is None:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")
    check_rate(request.app.state.rate_limiter, principal.key_id)
    return principal


def _session_principal(request: Request) -> Principal | None:
    if "ocrops_session" not in request.cookies:
        return None
    try:
        from ocrops.api.routes.session import session_principal
    except ModuleNotFoundError:
        return None
    return session_principal(request)


def require_member(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if principal.role not in (Role.member, Role.admin):
        raise Forbidden(
            f"this API key is {principal.role.value}: it can read but not submit, cancel or delete"
        )
    return principal


def require_admin(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if principal.role != Role.admin:
        raise Forbidden(f"this API key is {principal.role.value}: managing API keys needs an admin key")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
ReadOnlyOK = PrincipalDep
RequireMember = Annotated[Principal, Depends(require_member)]
RequireAdmin = Annotated[Principal, Depends(require_admin)]
