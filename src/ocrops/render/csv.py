"""CSV: the tables of a document.

``render`` gives every table (pages in order, tables in reading order) as CSV, tables
separated by a blank line; an empty string when there is no table. ``render_files`` gives
one file per table, ``{stem}-p{page}-t{i}.csv`` (``i`` counts from 1 within the page), and
no file when there is no table. Cells a span covers are empty (the text sits in the
top-left cell). Rows end with ``\\n``; quoting is the ``csv`` module's (RFC 4180 style).
"""

from __future__ import annotations

import csv
import io

from ocrops.model import Document, Table
from ocrops.render.base import Renderer


def table_csv(table: Table) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table.grid())
    return buffer.getvalue()


def document_tables(document: Document) -> list[tuple[int, int, Table]]:
    """(page number, index within the page from 1, table) in reading order."""
    found = []
    for page in document.pages:
        blocks = sorted(page.blocks, key=lambda b: b.order)
        tables = [b.table for b in blocks if b.table is not None]
        found.extend((page.number, i, table) for i, table in enumerate(tables, start=1))
    return found


class CsvRenderer(Renderer):
    name = "csv"
    extension = ".csv"
    media_type = "text/csv"

    def render(self, document: Document) -> str:
        return "\n".join(table_csv(table) for _, _, table in document_tables(document))

    def render_files(self, document: Document, stem: str) -> dict[str, str]:
        return {f"{stem}-p{page}-t{i}.csv": table_csv(table) for page, i, table in document_tables(document)}
