"""Plain text: every page's blocks in reading order.

* Blocks are separated by a blank line, lines of a block by a newline.
* Tables are tab-separated rows (spanned positions empty).
* Every page's text ends with a newline and pages are separated by a form feed (``\\f``),
  so ``text.split("\\f")`` gives exactly one string per page (``pdftotext`` style).
* A page with no blocks but engine-native Markdown (VLM engines) uses that Markdown.
* Pages in error, or blank, are empty.
"""

from __future__ import annotations

from ocrops.model import Block, Document, Page, PageStatus
from ocrops.render.base import Renderer

PAGE_SEPARATOR = "\f"


def block_text(block: Block) -> str:
    if block.table is not None:
        return "\n".join("\t".join(row) for row in block.table.grid())
    return "\n".join(line.text for line in block.lines)


def page_text(page: Page) -> str:
    if page.status == PageStatus.error:
        return ""
    if not page.blocks and page.markdown:
        return page.markdown.strip()
    texts = (block_text(b) for b in sorted(page.blocks, key=lambda b: b.order))
    return "\n\n".join(t for t in texts if t.strip())


class TextRenderer(Renderer):
    name = "txt"
    extension = ".txt"
    media_type = "text/plain"

    def render(self, document: Document) -> str:
        return PAGE_SEPARATOR.join(page_text(page) + "\n" for page in document.pages)
