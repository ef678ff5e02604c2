"""PubTabNet: table images with their structure and cell tokens in JSONL.

Each line: ``{"filename", "split", "html": {"structure": {"tokens"}, "cells": [{"tokens", "bbox"}]}}``.
The ground-truth table is built the standard way (as PubTabNet's evaluation data): the cell
tokens, single characters HTML-escaped, are inserted after each ``<td>`` (or the ``>`` closing a
``<td colspan=...``) of the structure, wrapped in ``<html><body><table>...</table></body></html>``.
Images are looked up as ``<jsonl folder>/<split>/<filename>`` (the full release) or
``<jsonl folder>/<filename>`` (the examples). Tags: ``table:simple`` or ``table:complex``
(with spanning cells), the benchmark's own distinction. The split comes from the record.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from ocrops.errors import InputError, NotFound
from ocrops.evaluate.datasets.importers.base import Importer, ImporterOptions, relative_posix
from ocrops.evaluate.datasets.manifest import Sample

DEFAULT_JSONL = ("PubTabNet_2.0.0.jsonl", "examples/PubTabNet_Examples.jsonl")


class PubTabNetOptions(ImporterOptions):
    annotations: str | None = None  # JSONL relative to the source; default: the first of DEFAULT_JSONL found
    splits: list[str] | None = None  # keep only these record splits (train, val, test)


class PubTabNetImporter(Importer):
    name = "pubtabnet"
    description = "PubTabNet table images with HTML table structure and content."
    license = "CDLA-Permissive-1.0 (annotations)"
    origin = "https://github.com/ibm-aur-nlp/PubTabNet"
    Options = PubTabNetOptions

    def read(self, source: Path, options: PubTabNetOptions) -> list[Sample]:
        jsonl = annotations_file(source, options.annotations)
        samples = []
        for record in _records(jsonl):
            if options.splits and record.get("split") not in options.splits:
                continue
            samples.append(_sample(record, jsonl.parent, source))
        return samples


def annotations_file(source: Path, name: str | None) -> Path:
    candidates = [name] if name else DEFAULT_JSONL
    for candidate in candidates:
        if (source / candidate).is_file():
            return source / candidate
    raise NotFound(f"no PubTabNet JSONL in {source} (looked for {', '.join(candidates)})")


def _records(path: Path) -> list[dict[str, Any]]:
    records = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path} line {number}: invalid JSON: {exc.msg}") from None
    return records


def _sample(record: dict[str, Any], folder: Path, source: Path) -> Sample:
    filename, split = record["filename"], record.get("split") or "test"
    image = folder / split / filename
    if not image.is_file():
        image = folder / filename
    structure = record["html"]["structure"]["tokens"]
    return Sample(
        id=Path(filename).stem,
        file=relative_posix(image, source),
        tables=[table_html(record["html"])],
        tags=["table:complex" if is_complex(structure) else "table:simple"],
        split=split,
    )


def table_html(annotation: dict[str, Any]) -> str:
    """The table as HTML: cell tokens inserted into the structure tokens."""
    structure = list(annotation["structure"]["tokens"])
    cells = annotation["cells"]
    slots = [i for i, token in enumerate(structure) if token in ("<td>", ">")]
    if len(slots) != len(cells):
        raise InputError(
            f"PubTabNet record has {len(slots)} cells in its structure but {len(cells)} cell contents"
        )
    for slot, cell in zip(reversed(slots), reversed(cells), strict=True):
        content = "".join(html.escape(t) if len(t) == 1 else t for t in cell["tokens"])
        structure.insert(slot + 1, content)
    return "<html><body><table>" + "".join(structure) + "</table></body></html>"


def is_complex(structure: list[str]) -> bool:
    return any("span" in token for token in structure)
