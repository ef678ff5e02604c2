"""HTML through BeautifulSoup and lxml: one page of headings, paragraphs, list items, tables, data: images."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from ocrops.loaders.base import LoadedDocument, Loader, LoadOptions, Source
from ocrops.loaders.office import PageBuilder, SinglePageDocument, StructuredPage, table_from_grid
from ocrops.model import BlockKind, Cell, Table

HTML_MEDIA_TYPE = "text/html"
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_SKIP = {
    "script", "style", "noscript", "template", "head", "title", "meta", "link",
    "svg", "math", "iframe", "object",
}  # fmt: skip
_CONTAINERS = {
    "html", "body", "div", "section", "article", "main", "header", "footer", "nav", "aside", "blockquote",
    "figure", "form", "fieldset", "details", "summary", "center", "ul", "ol", "dl", "menu", "address",
}  # fmt: skip
_PARAGRAPHS = {
    "p": BlockKind.paragraph, "dt": BlockKind.paragraph, "dd": BlockKind.paragraph,
    "legend": BlockKind.paragraph, "figcaption": BlockKind.caption, "caption": BlockKind.caption,
}  # fmt: skip
_BLOCKS = _CONTAINERS | set(_HEADINGS) | set(_PARAGRAPHS) | {"li", "table", "pre", "hr"}
_SNIFF = re.compile(rb"<(?:html|head|body|p|div|table|h[1-6]|ul|ol|meta|title)[\s>/]", re.IGNORECASE)
_MAX_SPAN = 1000


class HtmlLoader(Loader):
    name = "html"
    media_types = (HTML_MEDIA_TYPE,)

    @classmethod
    def sniff(cls, head: bytes, source: Source) -> str | None:
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if text.startswith((b"<!doctype html", b"<html")):
            return HTML_MEDIA_TYPE
        if b"<svg" in text and b"<html" not in text:
            return None  # an SVG picture is not a page of HTML, even with a <title>
        if text.startswith(b"<") and b"\x00" not in head and _SNIFF.search(head):
            return HTML_MEDIA_TYPE
        return None

    def open(self, source: Source, media_type: str, options: LoadOptions) -> LoadedDocument:
        return HtmlDocument(source)


class HtmlDocument(SinglePageDocument):
    media_type = HTML_MEDIA_TYPE

    def __init__(self, source: Source) -> None:
        from bs4 import BeautifulSoup

        self._soup = BeautifulSoup(source.path.read_bytes(), "lxml")

    def build_page(self) -> StructuredPage:
        return StructuredPage(1, read_html(self._soup))

    def metadata(self) -> dict[str, str]:
        title = self._soup.title.get_text(" ", strip=True) if self._soup.title else ""
        return {"title": title} if title else {}


def read_html(soup: Any) -> PageBuilder:
    walker = _Walker()
    walker.container(soup.body or soup)
    return walker.page


class _Walker:
    """Depth-first over the DOM: block elements become blocks, loose inline content paragraphs."""

    def __init__(self) -> None:
        self.page = PageBuilder()
        self._inline: list[str] = []
        self._pending_images: list[Any] = []

    def container(self, element: Any) -> None:
        for child in element.children:
            name = getattr(child, "name", None)
            if name is None:
                if type(child).__name__ == "NavigableString":  # not comments, doctypes, CDATA
                    self._inline.append(_spaces(str(child)))
            elif name in _SKIP:
                continue
            elif name in _BLOCKS or _has_block(child):
                self.flush()
                self.block(child)
            else:
                self._inline.append(_inline_text(child))
                self._pending_images.extend(_images(child))
        self.flush()

    def flush(self) -> None:
        self.page.add(BlockKind.paragraph, _collapse("".join(self._inline)))
        self._inline = []
        for image in self._pending_images:
            self._add_image(image)
        self._pending_images = []

    def block(self, element: Any) -> None:
        name = element.name
        if name in _HEADINGS:
            self._text_block(element, *self._heading_kind(_HEADINGS[name]))
        elif name in _PARAGRAPHS:
            self._text_block(element, _PARAGRAPHS[name], None)
        elif name == "li":
            self._list_item(element)
        elif name == "table":
            self.page.add_table(_table(element))
            for image in _images(element):
                self._add_image(image)
        elif name == "pre":
            self.page.add(BlockKind.paragraph, element.get_text())
        elif name != "hr":
            self.container(element)

    def _heading_kind(self, level: int) -> tuple[BlockKind, int | None]:
        first = not any(b.kind in (BlockKind.title, BlockKind.heading) for b in self.page.blocks)
        return (BlockKind.title, None) if level == 1 and first else (BlockKind.heading, level)

    def _text_block(self, element: Any, kind: BlockKind, level: int | None) -> None:
        self.page.add(kind, _collapse(_inline_text(element)), level)
        for image in _images(element):
            self._add_image(image)

    def _list_item(self, item: Any) -> None:
        """The item's own text, then its nested lists (deeper items) in order."""
        level = len([p for p in item.parents if p.name in ("ul", "ol", "menu")])
        own, nested = [], []
        for child in item.children:
            if getattr(child, "name", None) in ("ul", "ol", "table", "p", "div") and _has_list(child):
                nested.append(child)
            elif getattr(child, "name", None) not in _SKIP:
                own.append(child)
        text = "".join(_inline_text(c) if getattr(c, "name", None) else _spaces(str(c)) for c in own)
        self.page.add(BlockKind.list_item, _collapse(text), level or 1)
        for child in own:
            for image in _images(child) if getattr(child, "name", None) else []:
                self._add_image(image)
        for child in nested:
            self.block(child)

    def _add_image(self, img: Any) -> None:
        data = _data_uri_bytes(img.get("src") or "")
        if data:
            self.page.add_image(data, img.get("alt") or "")


def _has_block(element: Any) -> bool:
    return element.find(list(_BLOCKS)) is not None


def _has_list(element: Any) -> bool:
    return element.name in ("ul", "ol") or element.find(["ul", "ol"]) is not None


def _inline_text(element: Any) -> str:
    """Text of an element with <br> as a line break and scripts left out."""
    parts: list[str] = []
    for node in element.descendants:
        name = getattr(node, "name", None)
        if name == "br":
            parts.append("\n")
        elif name is None and type(node).__name__ == "NavigableString" and not _skipped(node, element):
            parts.append(_spaces(str(node)))
    return "".join(parts)


def _skipped(node: Any, within: Any) -> bool:
    """Whether a text node sits inside a script, style or similar element below ``within``."""
    return any(parent.name in _SKIP for parent in node.parents if parent is not within)


def _spaces(text: str) -> str:
    """Source whitespace (newlines included) is one space in HTML."""
    return re.sub(r"\s+", " ", text)


def _collapse(text: str) -> str:
    """Whitespace collapsed within lines; explicit line breaks kept."""
    return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())


def _images(element: Any) -> list[Any]:
    if element.name == "img":
        return [element]
    return element.find_all("img")


def _data_uri_bytes(src: str) -> bytes | None:
    """The bytes of a base64 ``data:image/...`` URI; None for links and other data."""
    header, sep, payload = src.strip().partition(",")
    if not sep or not header.lower().startswith("data:image/") or not header.lower().endswith(";base64"):
        return None
    try:
        return base64.b64decode(re.sub(r"\s+", "", payload), validate=True)
    except (binascii.Error, ValueError):
        return None


def _table(table: Any) -> Table:
    """Cells placed on a grid honouring rowspan and colspan; th cells and thead rows are headers."""
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    occupied: set[tuple[int, int]] = set()
    cells = []
    for r, tr in enumerate(rows):
        in_head = tr.find_parent("thead") is not None and tr.find_parent("table") is table
        c = 0
        for td in tr.find_all(["td", "th"], recursive=False):
            while (r, c) in occupied:
                c += 1
            row_span = min(_span(td.get("rowspan")), len(rows) - r)
            col_span = _span(td.get("colspan"))
            for dr in range(row_span):
                for dc in range(col_span):
                    occupied.add((r + dr, c + dc))
            text = _collapse(_inline_text(td)).replace("\n", " ")
            cells.append(
                Cell(
                    row=r,
                    col=c,
                    row_span=row_span,
                    col_span=col_span,
                    text=text,
                    header=td.name == "th" or in_head,
                )
            )
            c += col_span
    return table_from_grid(cells)


def _span(value: object) -> int:
    try:
        return max(1, min(_MAX_SPAN, int(str(value).strip()))) if value is not None else 1
    except ValueError:
        return 1
