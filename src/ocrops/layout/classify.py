"""Cheap, deterministic block kinds from geometry and text.

* header / footer: a small block (at most two lines) wholly inside the top / bottom margin
  (``MARGIN`` of the page height);
* page_number: a short number ("12", "- 12 -", "Page 3", "3 / 10") in the top / bottom
  ``NUMBER_MARGIN`` of the page;
* heading: a short block (at most two lines, a dozen words) whose rows are clearly taller
  than the page's median row (level 2 when at least 1.6 times, else level 3);
* list_item: a block whose first line starts with a bullet (•, -, *, ...) or an
  enumerator ("1.", "a)", "iv."); ``level`` grows with the indent over the previous item;
* heading, again: a numbered one-line block ("3. Results", "2.9. Removal of sulfur")
  with no list item right before or after it is a section heading (level 2 for "3.",
  3 for "3.1", ...).

Only blocks still of kind ``paragraph`` are classified: kinds an engine set are kept.
"""

from __future__ import annotations

import re
from statistics import median

from ocrops.layout.grouping import BULLET, text_height
from ocrops.model import Block, BlockKind

MARGIN = 0.05
NUMBER_MARGIN = 0.08
HEADING_RATIO = 1.3
SECTION_NUMBER = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+\S")
PAGE_NUMBER = re.compile(
    r"^\s*(?:page\s*)?[-–—(\[]?\s*\d{1,5}\s*[-–—)\]]?(?:\s*(?:/|of)\s*\d{1,5})?\s*$", re.IGNORECASE
)


def classify_blocks(blocks: list[Block], height: float, unit: float) -> None:
    """Set ``kind`` (and ``level``) in place on paragraph blocks."""
    row_heights = [h for b in blocks for ln in b.lines if (h := text_height(ln)) > 0]
    median_row = median(row_heights) if row_heights else unit
    for block in blocks:
        if block.kind != BlockKind.paragraph:
            continue
        kind = _margin_kind(block, height) or _text_kind(block, median_row)
        if kind is not None:
            block.kind = kind
    _numbered_headings(blocks, height)
    _list_levels(blocks, unit)


def _margin_kind(block: Block, height: float) -> BlockKind | None:
    if block.bbox is None or height <= 0:
        return None
    top, bottom = block.bbox.y0 / height, block.bbox.y1 / height
    in_top, in_bottom = bottom <= NUMBER_MARGIN, top >= 1 - NUMBER_MARGIN
    if (in_top or in_bottom) and len(block.lines) == 1 and PAGE_NUMBER.match(block.text):
        return BlockKind.page_number
    if len(block.lines) <= 2 and bottom <= MARGIN:
        return BlockKind.header
    if len(block.lines) <= 2 and top >= 1 - MARGIN:
        return BlockKind.footer
    return None


def _text_kind(block: Block, median_row: float) -> BlockKind | None:
    if not block.lines:
        return None
    heights = [text_height(ln) for ln in block.lines]
    words = sum(len(ln.words) for ln in block.lines)
    ratio = min(heights) / median_row if median_row > 0 else 0.0
    if len(block.lines) <= 2 and 0 < words <= 12 and ratio >= HEADING_RATIO:
        block.level = 2 if ratio >= 1.6 else 3
        return BlockKind.heading
    if BULLET.match(block.lines[0].text):
        return BlockKind.list_item
    return None


def _numbered_headings(blocks: list[Block], height: float) -> None:
    for k, block in enumerate(blocks):
        match = SECTION_NUMBER.match(block.text)
        if block.kind not in (BlockKind.paragraph, BlockKind.list_item) or len(block.lines) != 1 or not match:
            continue
        if (
            block.bbox is not None
            and not NUMBER_MARGIN * height < block.bbox.cy < (1 - NUMBER_MARGIN) * height
        ):
            continue
        if len(block.lines[0].words) > 12 or block.text.rstrip().endswith((".", ":", ";", ",")):
            continue
        neighbours = blocks[max(k - 1, 0) : k] + blocks[k + 1 : k + 2]
        if any(n.kind == BlockKind.list_item or SECTION_NUMBER.match(n.text) for n in neighbours):
            continue
        block.kind = BlockKind.heading
        block.level = min(2 + match.group(1).count("."), 6)


def _list_levels(blocks: list[Block], unit: float) -> None:
    """Nesting from indentation: deeper than the previous item by an em or more -> one level down."""
    stack: list[float] = []  # x0 of the open levels
    for block in blocks:
        if block.kind != BlockKind.list_item:
            stack = []
            continue
        if block.level is not None:
            continue
        x0 = block.bbox.x0 if block.bbox is not None else None
        if x0 is None:
            block.level = 1
            continue
        while stack and x0 < stack[-1] - 0.8 * unit:
            stack.pop()
        if not stack or x0 > stack[-1] + 0.8 * unit:
            stack.append(x0)
        block.level = min(len(stack), 6)
