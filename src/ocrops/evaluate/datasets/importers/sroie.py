"""ICDAR 2019 SROIE receipts: ``img/NNN.jpg``, ``box/NNN.csv``, ``key/NNN.json``.

``box`` rows are ``x1,y1,x2,y2,x3,y3,x4,y4,text`` (the text may hold commas: split on the
first eight only); the ground-truth text is the rows' texts joined by newlines, in file order.
``key`` holds the fields company, date, address, total.
"""

from __future__ import annotations

import json
from pathlib import Path

from ocrops.errors import InputError
from ocrops.evaluate.datasets.importers.base import Importer, ImporterOptions
from ocrops.evaluate.datasets.manifest import Sample

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


class SroieOptions(ImporterOptions):
    split: str = "test"


class SroieImporter(Importer):
    name = "sroie"
    description = "ICDAR 2019 SROIE scanned receipts: line text and key fields."
    license = "CC-BY-4.0"
    origin = "ICDAR 2019 SROIE (https://rrc.cvc.uab.es/?ch=13)"
    Options = SroieOptions

    def read(self, source: Path, options: SroieOptions) -> list[Sample]:
        images = sorted(p for p in (source / "img").glob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        return [_sample(image, source, options.split) for image in images]


def _sample(image: Path, source: Path, split: str) -> Sample:
    stem = image.stem
    box, key = source / "box" / f"{stem}.csv", source / "key" / f"{stem}.json"
    return Sample(
        id=stem,
        file=f"img/{image.name}",
        text=box_text(box) if box.is_file() else None,
        fields=key_fields(key) if key.is_file() else None,
        tags=["receipt"],
        split=split,
    )


def box_text(path: Path) -> str:
    """The text lines of a box file, joined by newlines."""
    lines = []
    for number, row in enumerate(_read_lines(path), start=1):
        if not row.strip():
            continue
        parts = row.split(",", 8)
        if len(parts) != 9:
            raise InputError(f"{path} line {number}: expected 8 coordinates and a text")
        lines.append(parts[8])
    return "\n".join(lines)


def key_fields(path: Path) -> dict[str, str]:
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object of fields")
    return {str(name): str(value) for name, value in data.items()}


def _read_lines(path: Path) -> list[str]:
    return _read_text(path).replace("\r\n", "\n").split("\n")


def _read_text(path: Path) -> str:
    """UTF-8; some SROIE files in the wild are Latin-1."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")
