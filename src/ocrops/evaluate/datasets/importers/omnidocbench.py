"""OmniDocBench (v1.5 JSON): page images, layout annotations and per-page Markdown.

Source layout: ``OmniDocBench*.json`` (a list of pages: ``page_info`` + ``layout_dets``),
``images/<image_path>`` and ``mds/<image stem>.md``. Per page:

- ``markdown``: ``mds/<stem>.md``, as given;
- ``text``: the text of the ordered, non-ignored text elements (titles, text blocks, captions,
  footnotes, code...) in annotation ``order``, one element per line. Figures, tables and display
  equations carry no plain text and are left out; so is page furniture (header, footer, page
  number, page footnote, abandon: unordered in the annotation) unless ``furniture=True``, which
  puts headers first and the rest last, each in top-to-bottom order;
- ``tables``: the HTML of the table elements, in order;
- ``tags``: ``language:...``, ``data_source:...``, ``layout:...`` and one ``special_issue:...``
  per issue, from ``page_info.page_attribute``;
- ``meta``: ``width`` / ``height`` read from the image itself (``page_info`` swaps them on some
  pages), and ``page_no``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ocrops.errors import InputError, NotFound
from ocrops.evaluate.datasets.importers.base import Importer, ImporterOptions
from ocrops.evaluate.datasets.manifest import Sample

NON_TEXT_CATEGORIES = frozenset({"figure", "table", "equation_isolated", "equation_semantic"})
HEADER_CATEGORIES = frozenset({"header"})
FOOTER_CATEGORIES = frozenset({"footer", "page_number", "page_footnote"})
FURNITURE_CATEGORIES = HEADER_CATEGORIES | FOOTER_CATEGORIES | {"abandon"}


class OmniDocBenchOptions(ImporterOptions):
    annotations: str | None = (
        None  # the JSON file, relative to the source; default: the only OmniDocBench*.json
    )
    furniture: bool = False
    split: str = "test"


class OmniDocBenchImporter(Importer):
    name = "omnidocbench"
    description = "OmniDocBench pages: Markdown, reading-order text and HTML tables."
    license = "research use only"
    origin = "https://github.com/opendatalab/OmniDocBench"
    Options = OmniDocBenchOptions

    def read(self, source: Path, options: OmniDocBenchOptions) -> list[Sample]:
        pages = _load_pages(annotations_file(source, options.annotations))
        return [_sample(page, source, options) for page in pages]


def annotations_file(source: Path, name: str | None) -> Path:
    if name:
        path = source / name
        if not path.is_file():
            raise NotFound(f"OmniDocBench annotations {path} do not exist")
        return path
    candidates = sorted(source.glob("OmniDocBench*.json"))
    if len(candidates) != 1:
        found = ", ".join(p.name for p in candidates) or "none"
        raise NotFound(
            f"expected one OmniDocBench*.json in {source} (found {found}); name it with annotations="
        )
    return candidates[0]


def _load_pages(path: Path) -> list[dict[str, Any]]:
    try:
        pages = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON: {exc.msg}") from None
    if not isinstance(pages, list):
        raise InputError(f"{path}: expected a list of pages")
    return pages


def _sample(page: dict[str, Any], source: Path, options: OmniDocBenchOptions) -> Sample:
    info = page.get("page_info") or {}
    image_path = info.get("image_path")
    if not image_path:
        raise InputError("OmniDocBench page without page_info.image_path")
    stem = Path(image_path).stem
    markdown = source / "mds" / f"{stem}.md"
    elements = [e for e in page.get("layout_dets", []) if not e.get("ignore")]
    return Sample(
        id=stem,
        file=f"images/{image_path}",
        text=page_text(elements, furniture=options.furniture),
        markdown=markdown.read_text(encoding="utf-8") if markdown.is_file() else None,
        tables=[e["html"] for e in _ordered(elements) if e.get("category_type") == "table" and e.get("html")]
        or None,
        tags=page_tags(info.get("page_attribute") or {}),
        split=options.split,
        meta={**_image_size(source / "images" / image_path), "page_no": info.get("page_no")},
    )


def page_text(elements: list[dict[str, Any]], *, furniture: bool = False) -> str:
    texts = [e for e in elements if e.get("category_type") not in NON_TEXT_CATEGORIES and e.get("text")]
    body = _ordered([e for e in texts if e.get("category_type") not in FURNITURE_CATEGORIES])
    chosen = body
    if furniture:
        headers = _by_position([e for e in texts if e.get("category_type") in HEADER_CATEGORIES])
        footers = _by_position([e for e in texts if e.get("category_type") in FOOTER_CATEGORIES])
        chosen = headers + body + footers
    return "\n".join(e["text"].strip() for e in chosen)


def page_tags(attributes: dict[str, Any]) -> list[str]:
    tags = [
        f"{key}:{attributes[key]}" for key in ("language", "data_source", "layout") if attributes.get(key)
    ]
    issues = attributes.get("special_issue") or []
    tags += [f"special_issue:{issue}" for issue in issues if issue and issue != "None"]
    return tags


def _ordered(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Elements with an ``order``, sorted by it (unordered ones are dropped)."""
    return sorted((e for e in elements if e.get("order") is not None), key=lambda e: e["order"])


def _by_position(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def top_left(element: dict[str, Any]) -> tuple[float, float]:
        poly = element.get("poly") or [0, 0]
        return (min(poly[1::2]), min(poly[0::2]))

    return sorted(elements, key=top_left)


def _image_size(path: Path) -> dict[str, int]:
    from PIL import Image

    try:
        with Image.open(path) as image:
            return {"width": image.width, "height": image.height}
    except OSError:
        return {}  # a missing or unreadable image is reported by validate
