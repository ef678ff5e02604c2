"""Layout: group lines into blocks and put blocks in reading order (columns first).

PLACEHOLDER: the real implementation keeps this API.
"""

from __future__ import annotations

from ocrops.model import Block, BlockKind, Line


def assemble_blocks(lines: list[Line], width: float, height: float) -> list[Block]:
    """Group ``lines`` (any order) into blocks and number them in reading order."""
    ordered = sorted(lines, key=lambda ln: (ln.bbox.y0, ln.bbox.x0) if ln.bbox else (0, 0))
    return [Block(kind=BlockKind.paragraph, lines=ordered, order=0)] if ordered else []


def order_blocks(blocks: list[Block], width: float, height: float) -> list[Block]:
    """Return ``blocks`` sorted in reading order with ``order`` renumbered 0..n-1."""
    ordered = sorted(blocks, key=lambda b: (b.bbox.y0, b.bbox.x0) if b.bbox else (0, 0))
    return [b.model_copy(update={"order": i}) for i, b in enumerate(ordered)]
