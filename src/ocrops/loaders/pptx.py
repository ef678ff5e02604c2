"""PPTX through python-pptx: one page per slide, shapes in reading order (top to bottom, left to right)."""

from __future__ import annotations

from typing import Any

from ocrops.loaders.base import LoadedDocument, LoadOptions, Source
from ocrops.loaders.office import (
    PPTX,
    PageBuilder,
    StructuredPage,
    check_page_number,
    core_metadata,
    page_errors,
    table_from_grid,
)
from ocrops.model import BlockKind, Cell, Table

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_EMU_PER_POINT = 12700


class PptxDocument(LoadedDocument):
    media_type = PPTX

    def __init__(self, source: Source, options: LoadOptions) -> None:
        from pptx import Presentation

        self._deck = Presentation(str(source.path))
        self._slides = list(self._deck.slides)

    @property
    def page_count(self) -> int:
        return len(self._slides)

    def page(self, number: int) -> StructuredPage:
        check_page_number(number, len(self._slides), "slides")
        width = (self._deck.slide_width or 0) / _EMU_PER_POINT
        height = (self._deck.slide_height or 0) / _EMU_PER_POINT
        with page_errors(number):
            return StructuredPage(number, read_slide(self._slides[number - 1]), width, height)

    def metadata(self) -> dict[str, str]:
        return core_metadata(self._deck.core_properties)


def read_slide(slide: Any) -> PageBuilder:
    page = PageBuilder()
    for shape in _reading_order(slide.shapes):
        _add_shape(page, shape)
    return page


def _reading_order(shapes: Any) -> list[Any]:
    """Top to bottom, then left to right; shapes without a position keep their z-order, last."""
    placed = [s for s in shapes if s.top is not None and s.left is not None]
    unplaced = [s for s in shapes if s.top is None or s.left is None]
    return sorted(placed, key=lambda s: (s.top, s.left)) + unplaced


def _add_shape(page: PageBuilder, shape: Any) -> None:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        for child in _reading_order(shape.shapes):
            _add_shape(page, child)
        return
    if getattr(shape, "has_table", False) and shape.has_table:
        page.add_table(_table(shape.table))
        return
    image = _shape_image(shape)
    if image is not None:
        page.add_image(*image)
        return
    if shape.has_text_frame:
        _add_text_frame(page, shape)


def _shape_image(shape: Any) -> tuple[bytes, str] | None:
    try:
        image = shape.image  # pictures, and picture placeholders that hold one
    except (AttributeError, ValueError, KeyError):
        return None
    return image.blob, image.filename or ""


def _add_text_frame(page: PageBuilder, shape: Any) -> None:
    role = _placeholder_role(shape)
    if role in ("title", "heading"):
        kind = BlockKind.title if role == "title" else BlockKind.heading
        page.add(kind, shape.text_frame.text, None if role == "title" else 1)
        return
    for paragraph in shape.text_frame.paragraphs:
        if _is_bullet(paragraph, bulleted_by_default=role == "body"):
            page.add(BlockKind.list_item, paragraph.text, paragraph.level + 1)
        else:
            page.add(BlockKind.paragraph, paragraph.text)


def _placeholder_role(shape: Any) -> str | None:
    from pptx.enum.shapes import PP_PLACEHOLDER

    if not shape.is_placeholder:
        return None
    kind = shape.placeholder_format.type
    if kind == PP_PLACEHOLDER.CENTER_TITLE:
        return "title"
    if kind in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.VERTICAL_TITLE):
        return "heading"
    if kind in (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.VERTICAL_BODY):
        return "body"
    return None


def _is_bullet(paragraph: Any, bulleted_by_default: bool) -> bool:
    """Body placeholders bullet their paragraphs (from the master) unless told not to."""
    p_pr = paragraph._p.pPr
    if p_pr is not None:
        if p_pr.find(f"{_A}buNone") is not None:
            return False
        if p_pr.find(f"{_A}buChar") is not None or p_pr.find(f"{_A}buAutoNum") is not None:
            return True
    return bulleted_by_default


def _table(table: Any) -> Table:
    header_row = bool(table.first_row)
    cells = []
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            if cell.is_spanned:
                continue
            cells.append(
                Cell(
                    row=r,
                    col=c,
                    row_span=cell.span_height if cell.is_merge_origin else 1,
                    col_span=cell.span_width if cell.is_merge_origin else 1,
                    text=" ".join(cell.text.split()),
                    header=header_row and r == 0,
                )
            )
    return table_from_grid(cells)
