"""Reading order by recursive XY-cut over column gutters.

Works on bare boxes (lines or blocks) and returns *leaves*: groups of box indices, in
reading order, that hold no further column structure. A region is divided:

1. at a *gutter*: an x-position where fewer boxes overlap than just left and right of it
   (a white band, or a band only titles, full-width paragraphs or figures cross). The
   boxes crossing it split the region into horizontal bands; each band is read left
   side, then right side, and each crossing box sits between the bands, where it is.
   Among the gutters that qualify, the one the fewest boxes cross wins (then the widest).
2. else into horizontal slabs (runs of boxes that overlap vertically), each read on its
   own, top to bottom; a slab with no gutter is a leaf, read row by row, left to right.

A gutter qualifies only if some band has a *text column* on each side: at least
``min_side_rows`` rows, a fair share of the region's width, rows that are long (median
text width in line heights) and mostly ink. That keeps the narrow price column of a
receipt, a few key-value pairs, or the cells of a small table on the same rows as their
labels instead of being read as a column of their own; and a white x-gap that happens
to open inside one column (fragments of lines around a formula) is interleaved with the
lines crossing it, so no band there gets two columns.

Everything is deterministic: ties are broken by position, then by the index of the box.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from statistics import median

from ocrops.model import BBox


@dataclass(frozen=True)
class CutPolicy:
    """Thresholds of the cuts; lengths in ``unit`` (the page's typical line height)."""

    unit: float
    min_side_rows: int = 3  # rows on each side of a gutter (lines: 3, blocks: 1)
    min_gap_units: float = 0.2  # narrowest gutter (OCR boxes are padded: gutters look narrow)
    min_column_share: float = 0.18  # a column spans at least this share of the region width
    min_row_width_units: float = 8.0  # a column's rows are this long (median text width)...
    min_row_fill: float = 0.75  # ...and mostly ink, not the scattered cells of a table
    slab_overlap: float = 0.3  # vertical overlap (share of the lower height) that chains slabs


def reading_order(boxes: list[BBox], policy: CutPolicy) -> list[list[int]]:
    """Leaves (lists of indices into ``boxes``) in reading order; every index exactly once."""
    leaves: list[list[int]] = []
    pending: list[tuple[list[int], bool]] = [(list(range(len(boxes))), True)]  # a stack, not recursion
    while pending:
        idx, divisible = pending.pop()
        if not idx:
            continue
        parts = _divide(idx, boxes, policy) if divisible and len(idx) > 1 else None
        if parts is None:
            leaves.append(idx if not divisible or len(idx) == 1 else _by_rows(idx, boxes))
        else:
            pending.extend(reversed(parts))
    return leaves


def _divide(idx: list[int], boxes: list[BBox], policy: CutPolicy) -> list[tuple[list[int], bool]] | None:
    """Sub-regions in reading order (each with: may it be divided further?), or None for a leaf."""
    cut = _best_cut(idx, boxes, policy)
    if cut is not None:
        return _bands(idx, *cut, boxes)
    slabs = _slabs(idx, boxes, policy)
    return [(slab, True) for slab in slabs] if len(slabs) > 1 else None


def _by_rows(idx: list[int], boxes: list[BBox]) -> list[int]:
    return [i for row in _rows(idx, boxes) for i in sorted(row, key=lambda i: (boxes[i].x0, i))]


def _valleys(intervals: list[tuple[float, float]], min_width: float) -> list[tuple[float, float]]:
    """X-runs where fewer boxes overlap than on both neighbouring runs (white gaps count 0)."""
    events = sorted([(x0, 1) for x0, _ in intervals] + [(x1, -1) for _, x1 in intervals])
    runs: list[tuple[float, float, int]] = []  # (start, end, count), contiguous, x ascending
    count = 0
    for (x, delta), (next_x, _) in pairwise(events):
        count += delta
        if next_x <= x:
            continue
        if runs and runs[-1][2] == count:
            runs[-1] = (runs[-1][0], next_x, count)
        else:
            runs.append((x, next_x, count))
    return [
        (start, end)
        for k, (start, end, count) in enumerate(runs)
        if 0 < k < len(runs) - 1
        and count < runs[k - 1][2]
        and count < runs[k + 1][2]
        and end - start >= min_width
    ]


def _extent(idx: list[int], boxes: list[BBox]) -> float:
    return max(boxes[i].x1 for i in idx) - min(boxes[i].x0 for i in idx)


def _is_column(side: list[int], boxes: list[BBox], region_width: float, policy: CutPolicy) -> bool:
    if not side or _extent(side, boxes) < policy.min_column_share * region_width:
        return False
    rows = _rows(side, boxes)
    if len(rows) < policy.min_side_rows:
        return False
    covered = [sum(boxes[i].width for i in row) for row in rows]
    fill = [c / max(_extent(row, boxes), 1e-6) for c, row in zip(covered, rows, strict=True)]
    return median(covered) >= policy.min_row_width_units * policy.unit and median(fill) >= policy.min_row_fill


def _rows(idx: list[int], boxes: list[BBox]) -> list[list[int]]:
    """Boxes grouped by rows: each box joins the previous row if it shares half its height."""
    rows: list[list[int]] = []
    bottom = 0.0
    for i in sorted(idx, key=lambda i: (boxes[i].y0, boxes[i].x0, i)):
        box = boxes[i]
        if rows and bottom - box.y0 > 0.5 * box.height:
            rows[-1].append(i)
            bottom = max(bottom, box.y1)
        else:
            rows.append([i])
            bottom = box.y1
    return rows


def _best_cut(idx: list[int], boxes: list[BBox], policy: CutPolicy) -> tuple[list[int], float] | None:
    """The gutter that the fewest boxes cross, with text columns on both sides: (crossing, x).

    Boxes crossing the gutter split the region into bands; some band must hold a text
    column on each side (inside one column, the boxes that happen to leave a white x-gap
    are interleaved with the lines crossing it, so no band gets columns).
    """
    region_width = _extent(idx, boxes)
    valleys = _valleys([(boxes[i].x0, boxes[i].x1) for i in idx], policy.min_gap_units * policy.unit)
    by_height = sorted(idx, key=lambda i: (boxes[i].cy, boxes[i].x0, i))
    best: tuple[tuple[int, float], list[int], float] | None = None
    for start, end in valleys:
        x = (start + end) / 2
        crossing = [i for i in idx if boxes[i].x0 < x < boxes[i].x1]
        rank = (len(crossing), -(end - start))
        if best is not None and rank >= best[0]:
            continue
        if any(
            _is_column(left, boxes, region_width, policy) and _is_column(right, boxes, region_width, policy)
            for left, right in _rough_bands(by_height, x, boxes)
        ):
            best = (rank, crossing, x)
    return None if best is None else (best[1], best[2])


def _rough_bands(by_height: list[int], x: float, boxes: list[BBox]) -> list[tuple[list[int], list[int]]]:
    """(left, right) runs of the boxes (sorted by centre height) between boxes crossing ``x``."""
    bands: list[tuple[list[int], list[int]]] = [([], [])]
    for i in by_height:
        box = boxes[i]
        if box.x0 < x < box.x1:
            if bands[-1] != ([], []):
                bands.append(([], []))
        else:
            bands[-1][0 if box.cx < x else 1].append(i)
    return bands


def _bands(idx: list[int], crossing: list[int], x: float, boxes: list[BBox]) -> list[tuple[list[int], bool]]:
    """Between boxes crossing the gutter at ``x``: the left column, then the right one.

    The crossing boxes are leaves of their own, between the bands (none: one band).
    """
    spans = sorted(crossing, key=lambda i: (boxes[i].cy, boxes[i].x0, i))
    span_set = set(spans)
    bands: list[list[int]] = [[] for _ in range(len(spans) + 1)]
    for i in idx:
        if i not in span_set:
            bands[sum(1 for s in spans if _after(boxes[i], boxes[s]))].append(i)
    parts: list[tuple[list[int], bool]] = []
    for k, band in enumerate(bands):
        left, right = _sides(band, x, boxes)
        parts.extend((side, True) for side in (left, right) if side)
        if k < len(spans):
            parts.append(([spans[k]], False))
    return parts


def _after(box: BBox, other: BBox) -> bool:
    """Whether ``box`` is read after ``other``: further right on the same row, else lower."""
    shared = min(box.y1, other.y1) - max(box.y0, other.y0)
    if shared >= 0.5 * min(box.height, other.height):
        return box.x0 > other.x0
    return box.cy > other.cy


def _sides(idx: list[int], x: float, boxes: list[BBox]) -> tuple[list[int], list[int]]:
    """Boxes that do not cross the gutter at ``x``: left or right of it."""
    return [i for i in idx if boxes[i].cx < x], [i for i in idx if boxes[i].cx >= x]


def _slabs(idx: list[int], boxes: list[BBox], policy: CutPolicy) -> list[list[int]]:
    """Runs of boxes chained by a clear vertical overlap, top to bottom."""
    ordered = sorted(idx, key=lambda i: (boxes[i].y0, boxes[i].x0, i))
    slabs: list[list[int]] = [[ordered[0]]]
    bottom = boxes[ordered[0]].y1
    for i in ordered[1:]:
        box = boxes[i]
        overlap = bottom - box.y0
        if overlap > policy.slab_overlap * min(max(box.height, 1e-6), policy.unit):
            slabs[-1].append(i)
            bottom = max(bottom, box.y1)
        else:
            slabs.append([i])
            bottom = box.y1
    return slabs
