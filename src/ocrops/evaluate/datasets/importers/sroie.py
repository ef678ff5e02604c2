"""ICDAR 2019 SROIE receipts: ``img/NNN.jpg``, ``box/NNN.csv``, ``key/NNN.json``.

``box`` rows are ``x1,y1,x2,y2,x3,y3,x4,y4,text`` (the text may hold commas: split on the
first eight only). The annotators' boxes are not listed in reading order (a price is often
listed lines away from its item), so by default (``order="reading"``) the ground truth is
built like a reader sees the receipt: boxes on the same visual row (vertical centres within
half a box height) are joined left to right with a space, rows top to bottom with newlines.
``order="file"`` keeps the file's order, one box per line. Comparing OCR output with the
file order mostly measures ordering (Tesseract on the 60 receipts: CER 0.207 against file
order, 0.156 against reading order).
``key`` holds the fields company, date, address, total.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from ocrops.errors import InputError
from ocrops.evaluate.datasets.importers.base import Importer, ImporterOptions
from ocrops.evaluate.datasets.manifest import Sample

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


class SroieOptions(ImporterOptions):
    split: str = "test"
    order: Literal["reading", "file"] = "reading"


class SroieImporter(Importer):
    name = "sroie"
    description = "ICDAR 2019 SROIE scanned receipts: line text and key fields."
    license = "CC-BY-4.0"
    origin = "ICDAR 2019 SROIE (https://rrc.cvc.uab.es/?ch=13)"
    Options = SroieOptions

    def read(self, source: Path, options: SroieOptions) -> list[Sample]:
        images = sorted(p for p in (source / "img").glob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        return [_sample(image, source, options.split, options.order) for image in images]


def _sample(image: Path, source: Path, split: str, order: str = "reading") -> Sample:
    stem = image.stem
    box, key = source / "box" / f"{stem}.csv", source / "key" / f"{stem}.json"
    return Sample(
        id=stem,
        file=f"img/{image.name}",
        text=box_text(box, order) if box.is_file() else None,
        fields=key_fields(key) if key.is_file() else None,
        tags=["receipt"],
        split=split,
    )


def box_text(path: Path, order: str = "reading") -> str:
    """The text of a box file: in reading order (rows top to bottom) or in file order."""
    boxes = read_boxes(path)
    if order == "file":
        return "\n".join(text for _, text in boxes)
    return "\n".join(" ".join(text for _, text in row) for row in reading_rows(boxes))


Box = tuple[tuple[float, float, float, float], str]  # ((x0, y0, x1, y1), text)


def read_boxes(path: Path) -> list[Box]:
    boxes: list[Box] = []
    for number, row in enumerate(_read_lines(path), start=1):
        if not row.strip():
            continue
        parts = row.split(",", 8)
        if len(parts) != 9:
            raise InputError(f"{path} line {number}: expected 8 coordinates and a text")
        try:
            coords = [float(v) for v in parts[:8]]
        except ValueError:
            raise InputError(f"{path} line {number}: coordinates must be numbers") from None
        xs, ys = coords[0::2], coords[1::2]
        boxes.append(((min(xs), min(ys), max(xs), max(ys)), parts[8]))
    return boxes


def reading_rows(boxes: list[Box]) -> list[list[Box]]:
    """Boxes grouped into visual rows (top to bottom), each row left to right."""
    rows: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: (b[0][1] + b[0][3]) / 2):
        (_, y0, _, y1), _text = box
        centre, height = (y0 + y1) / 2, max(y1 - y0, 1.0)
        if rows:
            last = rows[-1]
            row_centre = sum((b[0][1] + b[0][3]) / 2 for b in last) / len(last)
            if abs(centre - row_centre) <= height / 2:
                last.append(box)
                continue
        rows.append([box])
    return [sorted(row, key=lambda b: b[0][0]) for row in rows]


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
