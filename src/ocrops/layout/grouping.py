"""Lines -> rows -> paragraph blocks.

* Rows: inside one leaf of the reading order (a region with no column gutter), boxes on the
  same baseline are fragments of one line (RapidOCR returns "ITEM" and "9.00" of a receipt
  as two boxes): they become one :class:`Line`, fragments ordered left to right. Words keep
  the order the engine gave inside a fragment. Slanted rows (a skewed receipt) chain from
  fragment to fragment.
* Blocks: consecutive rows in reading order form a paragraph while the next row sits just
  below the previous one (gap no larger than the page's usual leading allows), overlaps it
  horizontally, stays within the block's x-range, has a similar text height, and does not
  start a new list item or an indented paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

from ocrops.model import BBox, Block, BlockKind, Line

BULLET = re.compile(r"^\s*(?:[•·▪◦‣●○■□►▸✓✔*\-–—]|\(?(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)])\s+\S")

_HEIGHT_RATIO = 1.4  # a row this much taller or shorter than the block starts a new block
_ROW_OVERLAP = 0.5  # share of the lower height two boxes must share to sit on one row


@dataclass(frozen=True)
class Row:
    line: Line
    box: BBox
    height: float  # text height: the median fragment height (a slanted row's box is taller)


def line_box(line: Line) -> BBox | None:
    """The line's box, or the box around its words when the engine gave none."""
    return line.bbox or BBox.enclosing([w.bbox for w in line.words])


def text_height(line: Line) -> float:
    """Median word height where words have boxes, else the line's box height."""
    heights = [w.bbox.height for w in line.words if w.bbox is not None]
    if heights:
        return median(heights)
    box = line_box(line)
    return box.height if box is not None else 0.0


def merge_rows(lines: list[Line], boxes: list[BBox]) -> list[Row]:
    """Merge same-row fragments of one leaf into single lines, top to bottom."""
    order = sorted(range(len(lines)), key=lambda i: (boxes[i].y0, boxes[i].x0, i))
    groups: list[list[int]] = []
    for i in order:
        if groups and _joins_row(boxes[i], [boxes[j] for j in groups[-1]]):
            groups[-1].append(i)
        else:
            groups.append([i])
    rows = []
    for group in groups:
        group.sort(key=lambda i: (boxes[i].x0, i))
        fragments, fragment_boxes = [lines[i] for i in group], [boxes[i] for i in group]
        rows.append(
            Row(
                line=_join_fragments(fragments, fragment_boxes),
                box=BBox.enclosing(fragment_boxes),  # type: ignore[arg-type]
                height=median(b.height for b in fragment_boxes),
            )
        )
    return rows


def _joins_row(box: BBox, row: list[BBox]) -> bool:
    """Shares half a height with some fragment of the row, overlaps none horizontally."""
    if not any(
        min(box.y1, o.y1) - max(box.y0, o.y0) >= _ROW_OVERLAP * min(box.height, o.height) for o in row
    ):
        return False
    for other in row:  # stacked boxes are separate lines, not fragments
        x_shared = min(box.x1, other.x1) - max(box.x0, other.x0)
        if x_shared > 0.3 * min(box.width, other.width):
            return False
    return True


def _join_fragments(fragments: list[Line], boxes: list[BBox]) -> Line:
    if len(fragments) == 1:
        line = fragments[0]
        return line if line.bbox is not None else line.model_copy(update={"bbox": boxes[0]})
    words = [w for line in fragments for w in line.words]
    return Line(words=words, bbox=BBox.enclosing(boxes), confidence=mean_confidence(fragments))


def mean_confidence(items: list[Line] | list[Block]) -> float | None:
    values = [x.confidence for x in items if x.confidence is not None]
    return sum(values) / len(values) if values else None


def typical_leading(rows: list[Row], unit: float) -> float:
    """Median white gap between a row and the next one below it in reading order."""
    gaps = []
    for above, below in pairwise(rows):
        gap = below.box.y0 - above.box.y1
        x_shared = min(above.box.x1, below.box.x1) - max(above.box.x0, below.box.x0)
        if -0.2 * unit <= gap <= 2.0 * unit and x_shared > 0:
            gaps.append(max(gap, 0.0))
    return median(gaps) if gaps else 0.3 * unit


def group_blocks(rows: list[Row], unit: float) -> list[Block]:
    """Consecutive rows (in reading order) -> paragraph blocks."""
    max_gap = max(0.6 * unit, 1.5 * typical_leading(rows, unit) + 0.15 * unit)
    groups: list[list[Row]] = []
    for row in rows:
        if groups and _continues(groups[-1], row, unit, max_gap):
            groups[-1].append(row)
        else:
            groups.append([row])
    return [_block(group) for group in groups]


def _continues(group: list[Row], row: Row, unit: float, max_gap: float) -> bool:
    prev, box = group[-1], row.box
    gap = box.y0 - prev.box.y1
    if gap < -0.3 * min(prev.height, row.height) or gap > max_gap:
        return False
    block_height = median(r.height for r in group)
    if max(block_height, row.height) > _HEIGHT_RATIO * max(min(block_height, row.height), 1e-6):
        return False
    if BULLET.match(row.line.text):
        return False
    if len(group) == 1:
        shared = min(prev.box.x1, box.x1) - max(prev.box.x0, box.x0)
        return shared >= 0.5 * min(prev.box.width, box.width)
    left = min(r.box.x0 for r in group)
    right = max(r.box.x1 for r in group)
    if box.x0 < left - 2 * unit or box.x1 > right + 2 * unit:
        return False
    return not _starts_paragraph(prev.box, box, left, right, unit)


def _starts_paragraph(prev: BBox, box: BBox, left: float, right: float, unit: float) -> bool:
    """A first-line indent after a line that ended short of the right margin."""
    indented = 0.8 * unit <= box.x0 - left <= 6 * unit
    prev_flush = prev.x0 - left < 0.5 * unit
    prev_short = prev.x1 <= right - 1.5 * unit
    return indented and prev_flush and prev_short


def _block(rows: list[Row]) -> Block:
    lines = [r.line for r in rows]
    return Block(
        kind=BlockKind.paragraph,
        bbox=BBox.enclosing([r.box for r in rows]),
        lines=lines,
        confidence=mean_confidence(lines),
    )
