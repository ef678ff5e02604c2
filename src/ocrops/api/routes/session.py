"""Browser sessions for the web UI: sign in with an API key, get an HTTP-only cookie.

``POST /api/v1/session`` checks an API key (``services.keys.authenticate``) and sets the cookie
``ocrops_session``: HttpOnly, SameSite=Strict, Secure when the request came over https. The
cookie holds no secret: it is ``base64url(JSON {key id, tenant, expiry}) . HMAC-SHA256`` signed
with the server's session secret. Every request made with it re-checks that the key still
exists and is not revoked, and takes the key's current role, so revoking the key ends its
sessions at once. ``DELETE /api/v1/session`` signs out.

CSRF: a cookie-authenticated request that is not GET/HEAD/OPTIONS must carry the header
``X-Requested-With: ocrops`` (a cross-site form cannot set a custom header, and a cross-site
script cannot send one without a CORS preflight this server never answers). SameSite=Strict
already keeps the cookie off cross-site requests; the header is the second lock.

The session secret is the setting ``session_secret`` when the settings have one (required
when several API machines must accept each other's cookies), else a random key kept in
``OCROPS_HOME/session.secret`` (mode 0600), created on first use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from ocrops.api.deps import PrincipalDep, api_key_from
from ocrops.errors import Forbidden, Unauthorized

if TYPE_CHECKING:
    from ocrops.services.context import Principal, ServiceContext
    from ocrops.settings import Settings

router = APIRouter(prefix="/session", tags=["session"])

COOKIE_NAME = "ocrops_session"
CSRF_HEADER = "x-requested-with"
CSRF_VALUE = "ocrops"
SESSION_SECONDS = 12 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignIn(BaseModel):
    api_key: str = Field(min_length=1, max_length=500, description="An API key (ocr_<prefix>_<secret>).")


class SessionOut(BaseModel):
    tenant_id: str
    key_id: str
    role: str
    expires_at: int | None = Field(None, description="Unix time the session cookie expires (None: API key).")
    via: str = Field(description="'session' (cookie) or 'api_key' (Authorization header).")


# --- the secret and the token ------------------------------------------------------------------


@lru_cache(maxsize=8)
def _file_secret(home: Path) -> bytes:
    path = home / "session.secret"
    home.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it right now
            secret = path.read_bytes().strip()
            if len(secret) >= 32:
                return secret
            time.sleep(0.02)
        raise Unauthorized(f"the session secret {path} is too short; delete it to make a new one") from None
    secret = secrets.token_hex(32).encode()
    with os.fdopen(fd, "wb") as fh:
        fh.write(secret)
    return secret


def session_secret(settings: Settings) -> bytes:
    configured = settings.session_secret
    if configured:
        value = configured.get_secret_value()
        return value.encode()
    return _file_secret(Path(settings.home).expanduser().resolve())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())


def make_token(secret: bytes, principal: Principal, expires_at: int) -> str:
    claims = {"k": principal.key_id, "t": principal.tenant_id, "e": expires_at}
    body = json.dumps(claims, separators=(",", ":"))
    payload = _b64(body.encode())
    return f"{payload}.{_sign(secret, payload)}"


def read_token(secret: bytes, token: str, now: float | None = None) -> dict[str, Any]:
    """The token's claims; Unauthorized when it is malformed, forged or expired."""
    payload, _, signature = token.partition(".")
    if not payload or not signature or not hmac.compare_digest(signature, _sign(secret, payload)):
        raise Unauthorized("invalid session: sign in again")
    try:
        claims = json.loads(_unb64(payload))
        key_id, tenant_id, expires_at = str(claims["k"]), str(claims["t"]), int(claims["e"])
    except (ValueError, KeyError, TypeError):
        raise Unauthorized("invalid session: sign in again") from None
    if expires_at < (now if now is not None else time.time()):
        raise Unauthorized("the session has expired: sign in again")
    return {"key_id": key_id, "tenant_id": tenant_id, "expires_at": expires_at}


# --- resolving the caller ------------------------------------------------------------------------


def _live_principal(ctx: ServiceContext, tenant_id: str, key_id: str) -> Principal:
    """The key's current principal; Unauthorized when it was revoked or deleted since sign-in."""
    from ocrops.services import keys
    from ocrops.services.context import Principal

    for key in keys.list_keys(ctx, tenant_id):
        if key.id == key_id:
            if key.revoked_at is not None:
                raise Unauthorized("the API key of this session has been revoked: sign in again")
            return Principal(tenant_id=key.tenant_id, key_id=key.id, role=key.role)
    raise Unauthorized("the API key of this session no longer exists: sign in again")


def check_csrf(request: Request) -> None:
    if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER, "").lower() != CSRF_VALUE:
        raise Forbidden(
            f"a request authenticated by the session cookie that changes state must send the header "
            f"'X-Requested-With: {CSRF_VALUE}'"
        )


def session_claims(request: Request) -> dict[str, Any] | None:
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    return read_token(session_secret(request.app.state.ctx.settings), token)


def session_principal(request: Request) -> Principal | None:
    """The caller of a request carrying the session cookie; None when it carries none.

    Unauthorized for a forged, expired or revoked session; Forbidden for a state-changing
    request without the CSRF header. This is what ``api.deps.get_principal`` falls back to when
    the request has no API key header.
    """
    claims = session_claims(request)
    if claims is None:
        return None
    check_csrf(request)
    return _live_principal(request.app.state.ctx, claims["tenant_id"], claims["key_id"])


# --- routes -------------------------------------------------------------------------------------


def _set_cookie(request: Request, response: Response, token: str, max_age: int) -> None:
    response.set_cookie(
        COOKIE_NAME, token, max_age=max_age, path="/", httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )


@router.post("", response_model=SessionOut, summary="Sign in with an API key (sets the session cookie)")
def sign_in(body: SignIn, request: Request, response: Response) -> SessionOut:
    from ocrops.services import keys

    check_csrf(request)  # no login CSRF: a cross-site form cannot sign a browser in
    ctx: ServiceContext = request.app.state.ctx
    principal = keys.authenticate(ctx, body.api_key.strip())
    expires_at = int(time.time()) + SESSION_SECONDS
    token = make_token(session_secret(ctx.settings), principal, expires_at)
    _set_cookie(request, response, token, SESSION_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return SessionOut(tenant_id=principal.tenant_id, key_id=principal.key_id, role=str(principal.role.value),
                      expires_at=expires_at, via="session")


@router.get("", response_model=SessionOut, summary="Who is signed in (the session cookie or the API key)")
def who_am_i(request: Request, response: Response, principal: PrincipalDep) -> SessionOut:
    response.headers["Cache-Control"] = "no-store"
    claims = None if api_key_from(request) else session_claims(request)
    return SessionOut(tenant_id=principal.tenant_id, key_id=principal.key_id, role=str(principal.role.value),
                      expires_at=claims["expires_at"] if claims else None,
                      via="session" if claims else "api_key")


@router.delete("", status_code=204, summary="Sign out (clears the session cookie)")
def sign_out(request: Request) -> Response:
    response = Response(status_code=204)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")
    return response
