"""HTML: a standalone HTML5 document with hOCR classes, usable as an overlay.

* ``div.ocr_page`` per page, ``title="bbox 0 0 W H; ppageno N"`` (N 0-based, as Tesseract
  writes it) and ``data-page-number`` (1-based), ``data-width``, ``data-height``,
  ``data-dpi``, ``data-status``;
* ``div.ocr_carea`` per block (``data-kind``, ``data-order``) holding ``p.ocr_par``, or a
  ``table.ocr_table`` for tables (row and column spans kept);
* ``span.ocr_line`` per line and ``span.ocrx_word`` per word, ``title="bbox x0 y0 x1 y1;
  x_wconf NN"`` (pixels at the page's DPI, confidence 0-100) when known.

The finest element with a box (the word; else its line; else its block) gets an inline
``left/top/width/height`` in percent of the page and ``position: absolute``, and the page
keeps the image's aspect ratio, so the text lies where it was printed (put the page image
behind it for an overlay). Elements without a box (office documents) flow as
ordinary text. A page with engine-native Markdown and no blocks shows that Markdown
rendered by markdown-it (raw HTML in it is escaped, never passed through). All text is
HTML-escaped.
"""

from __future__ import annotations

from html import escape

from ocrops.model import BBox, Block, Document, Line, Page, PageStatus, Table, Word
from ocrops.render.base import Renderer

CAPABILITIES = "ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf"

_STYLE = """\
body { font-family: sans-serif; margin: 1em; }
.ocr_page { position: relative; margin: 0 auto 2em; border: 1px solid #ccc; }
.ocr_page[data-width] { width: 100%; }
.ocr_page .ocr_par { margin: 0 0 0.5em; }
[data-positioned] { position: absolute; white-space: nowrap; margin: 0; }
.ocrops_error { color: #b00; }
"""


def _box_title(box: BBox | None, confidence: float | None = None) -> str:
    parts = []
    if box is not None:
        parts.append(f"bbox {round(box.x0)} {round(box.y0)} {round(box.x1)} {round(box.y1)}")
    if confidence is not None:
        parts.append(f"x_wconf {round(confidence * 100)}")
    return "; ".join(parts)


def _attrs(
    box: BBox | None, page: Page, confidence: float | None = None, positioned: bool = False, **data: object
) -> str:
    out = []
    title = _box_title(box, confidence)
    if title:
        out.append(f'title="{escape(title)}"')
    if positioned and box is not None and page.width > 0 and page.height > 0:
        style = (
            f"left:{100 * box.x0 / page.width:.3f}%;top:{100 * box.y0 / page.height:.3f}%;"
            f"width:{100 * box.width / page.width:.3f}%;height:{100 * box.height / page.height:.3f}%"
        )
        out.append(f'style="{style}" data-positioned=""')
    out.extend(
        f'data-{key.replace("_", "-")}="{escape(str(value))}"'
        for key, value in data.items()
        if value is not None
    )
    return (" " + " ".join(out)) if out else ""


def _word(word: Word, page: Page, positioned: bool) -> str:
    attrs = _attrs(word.bbox, page, word.confidence, positioned)
    return f'<span class="ocrx_word"{attrs}>{escape(word.text)}</span>'


def _line(line: Line, page: Page) -> str:
    words_boxed = bool(line.words) and all(w.bbox is not None for w in line.words)
    words = " ".join(_word(w, page, words_boxed) for w in line.words)
    positioned = not words_boxed and line.bbox is not None
    return f'<span class="ocr_line"{_attrs(line.bbox, page, line.confidence, positioned)}>{words}</span>'


def _table(table: Table) -> str:
    rows: list[list[str]] = [[] for _ in range(table.rows)]
    for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
        if cell.row >= table.rows:
            continue
        tag = "th" if cell.header else "td"
        spans = "".join(
            f' {name}="{value}"'
            for name, value in (("rowspan", cell.row_span), ("colspan", cell.col_span))
            if value > 1
        )
        box = f' title="{escape(_box_title(cell.bbox))}"' if cell.bbox is not None else ""
        rows[cell.row].append(f"<{tag}{spans}{box}>{escape(cell.text)}</{tag}>")
    body = "\n".join(f"<tr>{''.join(cells)}</tr>" for cells in rows)
    return f'<table class="ocr_table">\n{body}\n</table>'


def _block(block: Block, page: Page) -> str:
    positioned = block.table is not None or not any(
        line.bbox is not None or any(w.bbox is not None for w in line.words) for line in block.lines
    )
    attrs = _attrs(
        block.bbox, page, None, positioned, kind=block.kind.value, order=block.order, level=block.level
    )
    if block.table is not None:
        inner = _table(block.table)
    else:
        lines = "\n".join(_line(line, page) for line in block.lines)
        inner = f'<p class="ocr_par">\n{lines}\n</p>'
    return f'<div class="ocr_carea"{attrs}>\n{inner}\n</div>'


def _native_markdown(markdown: str) -> str:
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    return f'<div class="ocrops_markdown">\n{rendered}</div>'


def _page(page: Page) -> str:
    title = f"bbox 0 0 {round(page.width)} {round(page.height)}; ppageno {page.number - 1}"
    ratio = (
        f' style="aspect-ratio:{page.width:g}/{page.height:g}"' if page.width > 0 and page.height > 0 else ""
    )
    head = (
        f'<div class="ocr_page" id="page_{page.number}" title="{title}"{ratio}'
        f' data-page-number="{page.number}"'
        f' data-width="{page.width:g}" data-height="{page.height:g}" data-dpi="{page.dpi:g}"'
        f' data-status="{page.status.value}">'
    )
    if page.status == PageStatus.error:
        body = f'<p class="ocrops_error">{escape(page.error or "page failed")}</p>'
    elif not page.blocks and page.markdown:
        body = _native_markdown(page.markdown)
    else:
        body = "\n".join(_block(b, page) for b in sorted(page.blocks, key=lambda b: b.order))
    return f"{head}\n{body}\n</div>"


class HtmlRenderer(Renderer):
    name = "html"
    extension = ".html"
    media_type = "text/html"

    def render(self, document: Document) -> str:
        pages = "\n".join(_page(page) for page in document.pages)
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(document.source.name)}</title>\n"
            '<meta name="ocr-system" content="ocrops">\n'
            f'<meta name="ocr-capabilities" content="{CAPABILITIES}">\n'
            f'<meta name="ocr-number-of-pages" content="{len(document.pages)}">\n'
            f"<style>\n{_STYLE}</style>\n</head>\n<body>\n{pages}\n</body>\n</html>\n"
        )
