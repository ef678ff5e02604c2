"""``ocrops schema``: the JSON Schema of the document model (what ``-f json`` writes)."""

from __future__ import annotations

import json

import typer

from ocrops.model import document_json_schema


def register(app: typer.Typer) -> None:
    app.command("schema")(schema)


def schema() -> None:
    """Print the JSON Schema of the document model."""
    typer.echo(json.dumps(document_json_schema(), indent=2, sort_keys=True))
