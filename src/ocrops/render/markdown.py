"""Markdown (CommonMark with GitHub pipe tables) from the document model.

Blocks, in reading order:

* title -> ``# text``; heading -> ``#`` times ``level`` (2 when unset);
* list_item -> ``- text`` (the bullet glyph replaced), or kept as ``1. text`` / ``1) text``
  when numbered; two spaces of indent per nesting level; consecutive items form one list;
* paragraph, caption -> wrapped prose is joined with spaces; a word hyphenated at a line
  end is re-joined ("exam-" + "ple" -> "example") only when the next line starts in
  lowercase. Line-structured text (receipts, addresses: a line broken although the next
  word would have fit, or a wide item ... price gap) keeps one output line per line;
  a leading ``#``, ``>``, or list marker is escaped so the text stays a paragraph;
* formula -> a ``$$`` display block;
* table -> a GitHub pipe table: the header is the first row holding header cells (else
  the first row), ``|`` escaped, newlines in cells become spaces, positions a span covers
  are left empty;
* figure -> its recognised text as a paragraph (the text of images embedded in office
  files is OCR'd into figure blocks); nothing for a figure without text;
* header, footer, page_number -> omitted unless ``include_furniture=True``.

A page with engine-native Markdown (``Page.markdown``, VLM engines) is emitted verbatim. A
page in error becomes ``<!-- error: message -->``.

Pages: a document of more than one page puts the line ``<!-- page N -->`` (N the page's
1-based number) before every page, blank lines around it. The marker is an HTML comment,
invisible when rendered, and :func:`split_pages` gives the pages back. A one-page document
has no marker.
"""

from __future__ import annotations

import re
from itertools import pairwise

from ocrops.model import Block, BlockKind, Document, Line, Page, PageStatus, Table
from ocrops.render.base import Renderer

PAGE_MARKER = "<!-- page {number} -->"
_PAGE_MARKER = re.compile(r"^<!-- page (\d+) -->$", re.MULTILINE)
_BULLET_GLYPH = re.compile(r"^\s*[•·▪◦‣●○■□►▸✓✔*\-–—+]\s+")
_NUMBERED = re.compile(r"^\s*\d{1,9}[.)]\s")
_NEEDS_ESCAPE = re.compile(r"^(#|>|[-*+]\s)")
_FURNITURE = {BlockKind.header, BlockKind.footer, BlockKind.page_number}


def split_pages(markdown: str) -> list[tuple[int, str]]:
    """(page number, page Markdown) pairs; a text without markers is page 1."""
    parts = _PAGE_MARKER.split(markdown)
    if len(parts) == 1:
        return [(1, markdown.strip())]
    return [(int(number), text.strip()) for number, text in zip(parts[1::2], parts[2::2], strict=True)]


def join_lines(lines: list[str]) -> str:
    """Lines of a paragraph -> one line; "exam-" + "ple" -> "example" before a lowercase start."""
    joined = ""
    for text in (t.strip() for t in lines):
        if not text:
            continue
        if not joined:
            joined = text
        elif joined.endswith("-") and len(joined) > 1 and joined[-2].isalpha() and text[0].islower():
            joined = joined[:-1] + text
        else:
            joined = f"{joined} {text}"
    return joined


def paragraph_text(block: Block) -> str:
    """Wrapped prose is joined into one line; short, line-structured text (receipts, addresses) keeps
    its line breaks. A block is line-structured when a line other than the last ends well before the
    block's right edge."""
    lines = [line for line in block.lines if line.text.strip()]
    if len(lines) > 1 and _line_structured(lines):
        return "\n".join(line.text.strip() for line in lines)
    return join_lines([line.text for line in lines])


def _line_structured(lines: list[Line]) -> bool:
    boxes = [line.bbox for line in lines]
    if any(box is None for box in boxes):
        return False
    right = max(b.x1 for b in boxes)
    broken = any(_broken_on_purpose(line, after, right) for line, after in pairwise(lines))
    return broken or any(_has_tab_gap(line) for line in lines)


def _broken_on_purpose(line: Line, following: Line, right: float) -> bool:
    """Prose wraps only when the next word did not fit; a hyphen at the end is a wrap too."""
    if line.text.rstrip().endswith("-"):
        return False
    first = next((w.bbox for w in following.words if w.bbox is not None), None)
    if first is None:
        return False
    space = line.bbox.height * 0.5
    return right - line.bbox.x1 > first.width + 2 * space


def _has_tab_gap(line: Line) -> bool:
    """A gap between words wider than twice the line height: item ... price columns."""
    words = [w.bbox for w in line.words if w.bbox is not None]
    if len(words) < 2 or line.bbox is None:
        return False
    height = line.bbox.height or 1.0
    return any(b.x0 - a.x1 > 2 * height for a, b in pairwise(words))


def table_markdown(table: Table) -> str:
    grid = table.grid()
    if not grid or table.cols == 0:
        return ""
    header_rows = [c.row for c in table.cells if c.header and c.row < table.rows]
    header = min(header_rows) if header_rows else 0
    rows = [grid[header]] + [row for r, row in enumerate(grid) if r != header]
    lines = [_table_row(rows[0]), "| " + " | ".join("---" for _ in rows[0]) + " |"]
    lines.extend(_table_row(row) for row in rows[1:])
    return "\n".join(lines)


def _table_row(cells: list[str]) -> str:
    return "| " + " | ".join(" ".join(c.split()).replace("|", "\\|") for c in cells) + " |"


def _comment(text: str) -> str:
    return "<!-- " + " ".join(text.split()).replace("--", "- -") + " -->"


class MarkdownRenderer(Renderer):
    name = "md"
    extension = ".md"
    media_type = "text/markdown"

    def __init__(self, include_furniture: bool = False) -> None:
        self.include_furniture = include_furniture

    def render(self, document: Document) -> str:
        pages = [(page.number, self.render_page(page)) for page in document.pages]
        if len(pages) == 1:
            body = pages[0][1]
        else:
            chunks = [PAGE_MARKER.format(number=n) + (f"\n\n{text}" if text else "") for n, text in pages]
            body = "\n\n".join(chunks)
        return body + "\n" if body else ""

    def render_page(self, page: Page) -> str:
        if page.status == PageStatus.error:
            return _comment(f"error: {page.error or 'page failed'}")
        if page.markdown is not None:
            return page.markdown.strip()
        out = ""
        previous: Block | None = None
        for block in sorted(page.blocks, key=lambda b: b.order):
            text = self.render_block(block)
            if not text:
                continue
            both_items = previous is not None and previous.kind == block.kind == BlockKind.list_item
            out += ("\n" if both_items else "\n\n") + text if out else text
            previous = block
        return out

    def render_block(self, block: Block) -> str:
        kind = block.kind
        if kind in _FURNITURE and not self.include_furniture:
            return ""
        if block.table is not None:
            return table_markdown(block.table)
        text = paragraph_text(block)  # a figure's OCR'd text (embedded images) is kept as a paragraph
        if not text:
            return ""
        if kind == BlockKind.title:
            return f"# {text}"
        if kind == BlockKind.heading:
            return "#" * (block.level or 2) + f" {text}"
        if kind == BlockKind.list_item:
            return _list_item(text, block.level or 1)
        if kind == BlockKind.formula:
            return "$$\n" + "\n".join(line.text for line in block.lines) + "\n$$"
        return _escape_start(text)


def _escape_start(text: str) -> str:
    """Keep a paragraph a paragraph: escape a leading heading, quote or list marker."""
    numbered = _NUMBERED.match(text)
    if numbered:
        end = numbered.end() - 2  # the "." or ")"
        return text[:end] + "\\" + text[end:]
    return "\\" + text if _NEEDS_ESCAPE.match(text) else text


def _list_item(text: str, level: int) -> str:
    indent = "  " * (level - 1)
    if _NUMBERED.match(text):
        return indent + text.strip()
    return indent + "- " + _BULLET_GLYPH.sub("", text, count=1)
