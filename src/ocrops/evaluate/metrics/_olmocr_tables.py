"""Tables as cell graphs, for olmOCR-bench's table checks.

Adapted from allenai/olmocr ``olmocr/bench/table_parsing.py`` (Apache-2.0): Markdown pipe
tables and HTML tables become a grid of cells (rowspan/colspan expanded) with, for each
cell, its neighbours up/down/left/right and its top/left headings. In Markdown tables the
first row and the first column are headings; in HTML, ``<th>`` cells and cells in
``<thead>``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

Cell = tuple[int, int]


@dataclass(frozen=True)
class TableData:
    cell_text: dict[Cell, str]
    heading_cells: set[Cell]
    up_relations: dict[Cell, set[Cell]]
    down_relations: dict[Cell, set[Cell]]
    left_relations: dict[Cell, set[Cell]]
    right_relations: dict[Cell, set[Cell]]

    def _walk_headings(self, start: Cell, relation: dict[Cell, set[Cell]]) -> set[Cell]:
        """Heading cells reachable from ``start`` along ``relation``; the far-end cells if none."""
        headings: set[Cell] = set()
        ends: set[Cell] = set()
        visited: set[Cell] = set()
        to_visit = {start}
        while to_visit:
            current = to_visit.pop()
            visited.add(current)
            if current in self.heading_cells:
                headings.add(current)
            if not relation.get(current):
                ends.add(current)
            else:
                to_visit |= relation[current]
        headings.discard(start)
        ends.discard(start)
        return headings or ends

    def top_heading_relations(self, row: int, col: int) -> set[Cell]:
        return self._walk_headings((row, col), self.up_relations)

    def left_heading_relations(self, row: int, col: int) -> set[Cell]:
        return self._walk_headings((row, col), self.left_relations)


def _span(value: Any, default: int = 1) -> int:
    try:
        span = int(value)
    except (TypeError, ValueError):
        return default
    return span if span > 0 else default


def _occupancy(row_specs: list[list[dict[str, Any]]]) -> tuple[list[list[Cell | None]], dict[Cell, Any]]:
    """Grid of cell ids (spans expanded) and each cell's (row, col, rowspan, colspan, text, heading)."""
    cells: dict[Cell, Any] = {}
    grid: list[list[Cell | None]] = []
    active: list[tuple[Cell, int] | None] = []  # per column: the cell spanning down into it, rows left
    for row_index, specs in enumerate(row_specs):
        row: list[Cell | None] = []
        col = spec_index = 0
        while spec_index < len(specs) or col < len(active):
            if col < len(active) and active[col] is not None:
                cell_id, remaining = active[col]  # type: ignore[misc]
                row.append(cell_id)
                active[col] = (cell_id, remaining - 1) if remaining > 1 else None
                col += 1
                continue
            if spec_index >= len(specs):
                row.append(None)
                col += 1
                continue
            spec = specs[spec_index]
            spec_index += 1
            rowspan, colspan = max(1, spec["rowspan"]), max(1, spec["colspan"])
            cell_id = (row_index, col)
            cells[cell_id] = (row_index, col, rowspan, colspan, spec["text"] or "", bool(spec["is_heading"]))
            if len(active) < col + colspan:
                active.extend([None] * (col + colspan - len(active)))
            for offset in range(colspan):
                row.append(cell_id)
                active[col + offset] = (cell_id, rowspan - 1) if rowspan > 1 else None
            col += colspan
        grid.append(row)
    while any(entry is not None for entry in active):  # rowspans running past the last row
        row = []
        for col, entry in enumerate(active):
            if entry is None:
                row.append(None)
                continue
            cell_id, remaining = entry
            row.append(cell_id)
            active[col] = (cell_id, remaining - 1) if remaining > 1 else None
        grid.append(row)
    return grid, cells


def _first_neighbour(grid: list[list[Cell | None]], cell_id: Cell, positions: Any) -> Cell | None:
    for row, col in positions:
        if col >= len(grid[row]):
            continue
        neighbour = grid[row][col]
        if neighbour is not None and neighbour != cell_id:
            return neighbour
    return None


def build_table(row_specs: list[list[dict[str, Any]]]) -> TableData | None:
    if not row_specs:
        return None
    grid, cells = _occupancy(row_specs)
    columns = {index for row in grid for index, value in enumerate(row) if value is not None}
    if not cells or not columns:
        return None
    width, height = max(columns) + 1, len(grid)
    for row in grid:
        row.extend([None] * (width - len(row)))
        del row[width:]
    relations: dict[str, defaultdict[Cell, set[Cell]]] = {
        name: defaultdict(set) for name in ("up", "down", "left", "right")
    }
    for cell_id, (row0, col0, rowspan, colspan, _, _) in cells.items():
        row1, col1 = row0 + rowspan - 1, col0 + colspan - 1
        searches = {
            "right": [[(r, c) for c in range(col1 + 1, width)] for r in range(row0, row1 + 1)],
            "left": [[(r, c) for c in range(col0 - 1, -1, -1)] for r in range(row0, row1 + 1)],
            "down": [[(r, c) for r in range(row1 + 1, height)] for c in range(col0, col1 + 1)],
            "up": [[(r, c) for r in range(row0 - 1, -1, -1)] for c in range(col0, col1 + 1)],
        }
        for name, lines in searches.items():
            for line in lines:
                neighbour = _first_neighbour(grid, cell_id, line)
                if neighbour is not None:
                    relations[name][cell_id].add(neighbour)
    return TableData(
        cell_text={cell_id: meta[4] for cell_id, meta in cells.items()},
        heading_cells={cell_id for cell_id, meta in cells.items() if meta[5]},
        **{f"{name}_relations": {c: set(relations[name][c]) for c in cells} for name in relations},
    )


def _markdown_rows(lines: list[str]) -> list[list[str]]:
    separator = None
    for index, line in enumerate(lines):
        content = line.replace("|", "").strip()
        if content and all(c in "- :" for c in content):
            separator = index
            break
    rows = []
    for index, line in enumerate(lines):
        if index == separator or (line.strip() and all(c in "- :|" for c in line)):
            continue
        cells = [cell.strip() for cell in line.split("|")]
        if cells and cells[0] == "":
            cells = cells[1:]
        if cells and cells[-1] == "":
            cells = cells[:-1]
        if cells:
            rows.append(cells)
    return rows


def _markdown_table(lines: list[str]) -> TableData | None:
    rows = _markdown_rows(lines)
    specs = [
        [
            {"text": text, "rowspan": 1, "colspan": 1, "is_heading": r == 0 or c == 0}
            for c, text in enumerate(row)
        ]
        for r, row in enumerate(rows)
    ]
    return build_table(specs) if rows else None


def parse_markdown_tables(markdown: str) -> list[TableData]:
    """Runs of two or more consecutive lines containing ``|`` are tables."""
    tables: list[TableData] = []
    block: list[str] = []
    for line in [*markdown.strip().split("\n"), ""]:
        if "|" in line:
            block.append(line)
            continue
        if len(block) >= 2 and (table := _markdown_table(block)):
            tables.append(table)
        block = []
    return tables


def parse_html_tables(content: str) -> list[TableData]:
    from bs4 import BeautifulSoup

    tables = []
    for table in BeautifulSoup(content, "html.parser").find_all("table"):
        rows = table.find_all("tr")
        specs = []
        for row_index, row in enumerate(rows):
            in_head = row.find_parent("thead") is not None
            row_spec = []
            for cell in row.find_all(["th", "td"], recursive=False):
                for br in cell.find_all("br"):
                    br.replace_with("\n")
                raw_rowspan = cell.get("rowspan")
                rowspan = _span(raw_rowspan)
                if isinstance(raw_rowspan, str) and raw_rowspan.strip() == "0":
                    rowspan = max(1, len(rows) - row_index)  # rowspan=0: to the end of the table
                row_spec.append(
                    {
                        "text": cell.get_text(separator="").strip(),
                        "rowspan": rowspan,
                        "colspan": _span(cell.get("colspan")),
                        "is_heading": cell.name == "th" or in_head,
                    }
                )
            specs.append(row_spec)
        if specs and (data := build_table(specs)):
            tables.append(data)
    return tables
