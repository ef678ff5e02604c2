"""DOCX through python-docx: one page holding titles, headings, paragraphs, list items, tables, pictures."""

from __future__ import annotations

import re
from typing import Any

from ocrops.loaders.base import LoadOptions, Source
from ocrops.loaders.office import (
    DOCX,
    PageBuilder,
    SinglePageDocument,
    StructuredPage,
    core_metadata,
    table_from_grid,
)
from ocrops.model import BlockKind, Cell

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_V = "{urn:schemas-microsoft-com:vml}"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_LIST_STYLE = re.compile(r"^list (bullet|number)(?:\s*(\d))?$", re.IGNORECASE)
_EMU_PER_POINT = 12700


class DocxDocument(SinglePageDocument):
    media_type = DOCX

    def __init__(self, source: Source, options: LoadOptions) -> None:
        import docx

        self._document = docx.Document(str(source.path))

    def build_page(self) -> StructuredPage:
        return StructuredPage(1, read_body(self._document), *_page_size(self._document))

    def metadata(self) -> dict[str, str]:
        return core_metadata(self._document.core_properties)


def read_body(document: Any) -> PageBuilder:
    from docx.table import Table as DocxTable

    page = PageBuilder()
    _add_header_footer(page, document, BlockKind.header)
    for item in document.iter_inner_content():
        if isinstance(item, DocxTable):
            page.add_table(_table(item))
        else:
            _add_paragraph(page, document, item)
    _add_header_footer(page, document, BlockKind.footer)
    return page


def _add_paragraph(page: PageBuilder, document: Any, paragraph: Any) -> None:
    kind, level = _paragraph_kind(paragraph)
    page.add(kind, paragraph.text, level)
    for data, name in _paragraph_images(document, paragraph):
        page.add_image(data, name)


def _paragraph_kind(paragraph: Any) -> tuple[BlockKind, int | None]:
    style = paragraph.style
    name = (style.name if style is not None else "") or ""
    if name.lower() == "title":
        return BlockKind.title, None
    heading = _HEADING.match(name)
    if heading:
        return BlockKind.heading, int(heading.group(1))
    if name.lower() == "caption":
        return BlockKind.caption, None
    num_pr = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
    list_style = _LIST_STYLE.match(name)
    if num_pr is not None and num_pr.ilvl is not None and num_pr.ilvl.val is not None:
        return BlockKind.list_item, num_pr.ilvl.val + 1
    if list_style:
        return BlockKind.list_item, int(list_style.group(2) or 1)
    if num_pr is not None or _style_has_numbering(style):
        return BlockKind.list_item, 1
    return BlockKind.paragraph, None


def _style_has_numbering(style: Any) -> bool:
    while style is not None:
        p_pr = style.element.pPr
        if p_pr is not None and p_pr.numPr is not None:
            return True
        style = style.base_style
    return False


def _paragraph_images(document: Any, paragraph: Any) -> list[tuple[bytes, str]]:
    """Pictures in a paragraph (DrawingML and legacy VML), as (bytes, part name)."""
    rel_ids = [blip.get(f"{_R}embed") for blip in paragraph._p.iter(f"{_A}blip")]
    rel_ids += [data.get(f"{_R}id") for data in paragraph._p.iter(f"{_V}imagedata")]
    parts = document.part.related_parts
    images = []
    for rel_id in rel_ids:
        part = parts.get(rel_id) if rel_id else None
        if part is not None and hasattr(part, "blob"):
            images.append((part.blob, str(part.partname)))
    return images


def _table(table: Any) -> Any:
    """Cells with spans: python-docx repeats a merged cell in every grid position it covers."""
    origins: dict[int, tuple[Any, Cell]] = {}  # id(<w:tc>) -> (the element, kept alive; its cell)
    for r, row in enumerate(table.rows):
        header = r == 0 or _is_header_row(row)
        for offset, cell in enumerate(row.cells):
            c = row.grid_cols_before + offset
            key = id(cell._tc)
            if key not in origins:
                origins[key] = (cell._tc, Cell(row=r, col=c, text=_cell_text(cell), header=header))
            else:
                origin = origins[key][1]
                origin.row_span = max(origin.row_span, r - origin.row + 1)
                origin.col_span = max(origin.col_span, c - origin.col + 1)
    return table_from_grid([cell for _, cell in origins.values()])


def _is_header_row(row: Any) -> bool:
    tr_pr = row._tr.trPr
    return tr_pr is not None and tr_pr.find(f"{_W}tblHeader") is not None


def _cell_text(cell: Any) -> str:
    return " ".join(" ".join(p.text.split()) for p in cell.paragraphs if p.text.strip())


def _add_header_footer(page: PageBuilder, document: Any, kind: BlockKind) -> None:
    if not document.sections:
        return
    section = document.sections[0]
    part = section.header if kind == BlockKind.header else section.footer
    if part.is_linked_to_previous:  # the first section has no previous: there is none
        return
    for paragraph in part.paragraphs:
        page.add(kind, paragraph.text)


def _page_size(document: Any) -> tuple[float, float]:
    if not document.sections:
        return 0.0, 0.0
    section = document.sections[0]
    width, height = section.page_width, section.page_height
    if width is None or height is None:
        return 0.0, 0.0
    return width / _EMU_PER_POINT, height / _EMU_PER_POINT
