"""``ocrops engines``: every engine, whether it runs here, its version and options."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ocrops.cli.options import cli_settings
from ocrops.engines import engine_statuses


def register(app: typer.Typer) -> None:
    app.command("engines")(engines)


def engines(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List OCR engines with availability, version and options."""
    rows = engine_statuses(cli_settings())
    if as_json:
        payload = [
            {
                "name": s.name,
                "available": s.available,
                "version": s.version,
                "reason": s.reason,
                "description": s.description,
                "options": schema,
            }
            for s, schema in rows
        ]
        typer.echo(json.dumps(payload, indent=2))
        return
    table = Table(show_edge=False)
    for column in ("engine", "available", "version", "options", "notes"):
        table.add_column(column)
    for status, schema in rows:
        props = schema.get("properties", {})
        options = ", ".join(f"{k}={v.get('default', '')!s}" for k, v in props.items())
        table.add_row(
            status.name,
            "yes" if status.available else "[red]no",
            status.version,
            options,
            status.reason or status.description,
        )
    Console().print(table)
