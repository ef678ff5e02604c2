"""Layout: group lines into blocks and put blocks in reading order (columns first).

``assemble_blocks`` is for engines that return bare lines (RapidOCR): lines are put in
reading order by recursive XY-cut over column gutters (:mod:`ocrops.layout.columns`),
same-row fragments are merged into one line inside a column (:mod:`.grouping`), rows are
grouped into paragraph blocks, and obvious kinds are set (:mod:`.classify`).

``order_blocks`` is for engines that do their own block layout (Tesseract): the blocks are
sorted with the same column logic, and blocks still of kind paragraph are classified.

Lines or blocks without any box (office documents) keep the order they were given in.
"""

from __future__ import annotations

from statistics import median

from ocrops.layout.classify import classify_blocks
from ocrops.layout.columns import CutPolicy, reading_order
from ocrops.layout.grouping import BULLET, Row, group_blocks, line_box, merge_rows
from ocrops.model import BBox, Block, BlockKind, Line

__all__ = ["assemble_blocks", "order_blocks"]


def assemble_blocks(lines: list[Line], width: float, height: float) -> list[Block]:
    """Group ``lines`` (any order) into blocks and number them in reading order.

    Lines without a box (neither their own nor their words') become one block each, after
    the boxed ones, in the order given.
    """
    boxed: list[tuple[Line, BBox]] = []
    unboxed: list[Line] = []
    for line in lines:
        box = line_box(line)
        if box is None:
            unboxed.append(line)
        else:
            boxed.append((line, box))
    blocks = _layout_boxed(boxed, height) if boxed else []
    blocks.extend(_unboxed_block(line) for line in unboxed)
    return _renumber(blocks)


def order_blocks(blocks: list[Block], width: float, height: float) -> list[Block]:
    """Return ``blocks`` sorted in reading order with ``order`` renumbered 0..n-1.

    Blocks without a box stay right after the boxed block they followed in the input.
    Blocks of kind paragraph get header / footer / page_number / heading / list_item kinds
    where the geometry says so; other kinds are kept.
    """
    blocks = [b.model_copy(deep=True) for b in blocks]
    boxed = [i for i, b in enumerate(blocks) if b.bbox is not None]
    if not boxed:
        return _renumber(blocks)
    unit = _block_unit(blocks, height)
    boxes = [blocks[i].bbox for i in boxed]
    # a column of blocks may be a single block, and short ones (captions, labels) count
    policy = CutPolicy(unit=unit, min_side_rows=1, min_row_width_units=3.0, min_row_fill=0.5)
    leaves = reading_order(boxes, policy)  # type: ignore[arg-type]
    ordered_boxed = [boxed[k] for leaf in leaves for k in leaf]
    ordered = _with_unboxed(ordered_boxed, len(blocks))
    result = [blocks[i] for i in ordered]
    classify_blocks([b for b in result if b.bbox is not None], height, unit)
    return _renumber(result)


def _layout_boxed(boxed: list[tuple[Line, BBox]], height: float) -> list[Block]:
    boxes = [box for _, box in boxed]
    unit = max(median(b.height for b in boxes), 1.0)
    rows: list[Row] = []
    for leaf in reading_order(boxes, CutPolicy(unit=unit)):
        rows.extend(merge_rows([boxed[i][0] for i in leaf], [boxes[i] for i in leaf]))
    blocks = group_blocks(rows, unit)
    classify_blocks(blocks, height, unit)
    return blocks


def _unboxed_block(line: Line) -> Block:
    kind = BlockKind.list_item if BULLET.match(line.text) else BlockKind.paragraph
    return Block(kind=kind, lines=[line], level=1 if kind == BlockKind.list_item else None)


def _with_unboxed(ordered_boxed: list[int], count: int) -> list[int]:
    """Insert each unboxed index right after the boxed index that preceded it in the input."""
    boxed_set = set(ordered_boxed)
    followers: dict[int, list[int]] = {}
    anchor = -1
    for i in range(count):
        if i in boxed_set:
            anchor = i
        else:
            followers.setdefault(anchor, []).append(i)
    ordered = list(followers.get(-1, []))
    for i in ordered_boxed:
        ordered.append(i)
        ordered.extend(followers.get(i, []))
    return ordered


def _block_unit(blocks: list[Block], height: float) -> float:
    """Typical line height: from the blocks' line boxes, else block height per line, else the page."""
    line_heights = [ln.bbox.height for b in blocks for ln in b.lines if ln.bbox is not None]
    if line_heights:
        return max(median(line_heights), 1.0)
    per_line = [b.bbox.height / len(b.lines) for b in blocks if b.bbox is not None and b.lines]
    if per_line:
        return max(median(per_line), 1.0)
    return max(height / 80, 1.0)


def _renumber(blocks: list[Block]) -> list[Block]:
    for i, block in enumerate(blocks):
        block.order = i
    return blocks
