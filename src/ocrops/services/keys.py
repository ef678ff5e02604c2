"""API keys: ``ocr_<prefix>_<secret>``, stored hashed, looked up by prefix, compared in constant time.

The secret part carries 256 random bits, so a plain SHA-256 of the whole key is a safe way to
store it: there is nothing to brute-force that a slow password hash (bcrypt, argon2) would
protect better, and lookups stay cheap on every request.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets

from ocrops.errors import BadParameter, Conflict, NotFound, Unauthorized
from ocrops.services.context import Principal, ServiceContext
from ocrops.services.schemas import ApiKeyPublic, Role
from ocrops.store import service as store

KEY_SCHEME = "ocr"
DEFAULT_TENANT = "default"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """(prefix, full secret). The prefix is hex, so it never contains the ``_`` separator."""
    prefix = secrets.token_hex(6)
    return prefix, f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"


def _public(row: object) -> ApiKeyPublic:
    public = ApiKeyPublic.model_validate(row)
    return public.model_copy(
        update={"created_at": store.aware(public.created_at), "revoked_at": store.aware(public.revoked_at)}
    )


def create_tenant(ctx: ServiceContext, tenant_id: str, name: str = "") -> str:
    """A new tenant with its own webhook secret; Conflict if it exists. Returns the tenant id."""
    if not tenant_id or len(tenant_id) > 64 or not tenant_id.replace("-", "").replace("_", "").isalnum():
        raise BadParameter(f"invalid tenant id {tenant_id!r}: use letters, digits, - and _ (64 at most)")
    secret = ctx.settings.webhook_secret or f"whsec_{secrets.token_urlsafe(32)}"
    with ctx.db.session() as session:
        store.create_tenant(session, tenant_id, name or tenant_id, secret)
    return tenant_id


def ensure_tenant(ctx: ServiceContext, tenant_id: str) -> None:
    try:
        with ctx.db.session() as session:
            store.get_tenant(session, tenant_id)
    except NotFound:
        with contextlib.suppress(Conflict):  # created meanwhile by another process
            create_tenant(ctx, tenant_id)


def webhook_secret(ctx: ServiceContext, tenant_id: str) -> str:
    """The tenant's HMAC key for webhook signatures (for its admin, to configure receivers)."""
    with ctx.db.session() as session:
        return store.get_tenant(session, tenant_id).webhook_secret


def create_key(ctx: ServiceContext, tenant_id: str, name: str, role: Role | str) -> tuple[ApiKeyPublic, str]:
    """A new key for ``tenant_id`` (created if missing); the secret is returned once and never stored."""
    try:
        role = Role(role)
    except ValueError:
        raise BadParameter(
            f"unknown role {role!r}; choose one of: {', '.join(r.value for r in Role)}"
        ) from None
    ensure_tenant(ctx, tenant_id)
    prefix, secret = new_secret()
    with ctx.db.session() as session:
        row = store.add_key(
            session,
            tenant_id=tenant_id,
            name=name,
            role=role.value,
            prefix=prefix,
            secret_hash=hash_secret(secret),
        )
        return _public(row), secret


def list_keys(ctx: ServiceContext, tenant_id: str) -> list[ApiKeyPublic]:
    with ctx.db.session() as session:
        return [_public(row) for row in store.list_keys(session, tenant_id)]


def revoke_key(ctx: ServiceContext, tenant_id: str, key_id: str) -> None:
    with ctx.db.session() as session:
        store.revoke_key(session, tenant_id, key_id)


def authenticate(ctx: ServiceContext, secret: str | None) -> Principal:
    """The tenant and role of an API key; Unauthorized for a missing, unknown or revoked key."""
    if not secret:
        raise Unauthorized("missing API key: send 'Authorization: Bearer ocr_...'")
    scheme, _, rest = secret.strip().partition("_")
    prefix, _, random_part = rest.partition("_")
    if scheme != KEY_SCHEME or not prefix or not random_part:
        raise Unauthorized("malformed API key: expected ocr_<prefix>_<secret>")
    with ctx.db.session() as session:
        row = store.key_by_prefix(session, prefix)
        if row is None or not hmac.compare_digest(row.secret_hash, hash_secret(secret.strip())):
            raise Unauthorized("invalid API key")
        if row.revoked_at is not None:
            raise Unauthorized("this API key has been revoked")
        return Principal(tenant_id=row.tenant_id, key_id=row.id, role=Role(row.role))


def ensure_bootstrap_admin(ctx: ServiceContext) -> str | None:
    """On the very first start (no key at all): tenant "default" and an admin key, whose secret is returned.

    Returns None when any key exists already; the caller prints the secret once.
    """
    with ctx.db.session() as session:
        if store.count_keys(session):
            return None
    _, secret = create_key(ctx, DEFAULT_TENANT, "bootstrap admin", Role.admin)
    return secret
