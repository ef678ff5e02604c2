"""``ocrops keys create|list|revoke``: API keys, straight in the database (no server needed)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ocrops.cli.options import cli_settings

keys_app = typer.Typer(help="Manage API keys (stored hashed; a secret is shown once).", no_args_is_help=True)

TenantOption = Annotated[str, typer.Option("--tenant", "-t", help="Tenant id (created on first key).")]


def _context():
    from ocrops.services.context import build_context

    return build_context(cli_settings())


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="What the key is for.")] = "",
    role: Annotated[str, typer.Option(help="admin, member or read_only.")] = "member",
    tenant: TenantOption = "default",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Create a key and print its secret (only this once) on stdout."""
    from ocrops.services import keys

    ctx = _context()
    try:
        public, secret = keys.create_key(ctx, tenant, name, role)
    finally:
        ctx.close()
    if as_json:
        typer.echo(json.dumps({"key": public.model_dump(mode="json"), "secret": secret}, indent=2))
        return
    typer.echo(
        f"created {public.role.value} key {public.id} for tenant {public.tenant_id}; "
        "store the secret now, it is not shown again:",
        err=True,
    )
    typer.echo(secret)


@keys_app.command("list")
def list_(
    tenant: TenantOption = "default",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List a tenant's keys (never their secrets)."""
    from rich.console import Console
    from rich.table import Table

    from ocrops.services import keys

    ctx = _context()
    try:
        rows = keys.list_keys(ctx, tenant)
    finally:
        ctx.close()
    if as_json:
        typer.echo(json.dumps([row.model_dump(mode="json") for row in rows], indent=2))
        return
    table = Table(show_edge=False)
    for column in ("id", "name", "role", "prefix", "created", "revoked"):
        table.add_column(column, no_wrap=column != "name")
    for row in rows:
        table.add_row(
            row.id,
            row.name,
            row.role.value,
            row.prefix,
            f"{row.created_at:%Y-%m-%d %H:%M}",
            f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "",
        )
    Console().print(table)


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (from 'ocrops keys list').")],
    tenant: TenantOption = "default",
) -> None:
    """Revoke a key: requests with it are refused (401) from now on."""
    from ocrops.services import keys

    ctx = _context()
    try:
        keys.revoke_key(ctx, tenant, key_id)
    finally:
        ctx.close()
    typer.echo(f"revoked key {key_id}")
