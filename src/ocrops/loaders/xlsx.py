"""XLSX through openpyxl (read-only, cached values): one page per worksheet, a heading and a table.

Pictures are found through the package relationships (sheet -> drawing -> media), since
openpyxl's read-only mode does not load them.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import zipfile
from typing import Any

from ocrops.errors import InputTooLarge
from ocrops.loaders.base import LoadedDocument, LoadOptions, Source
from ocrops.loaders.office import (
    XLSX,
    PageBuilder,
    StructuredPage,
    check_page_number,
    page_errors,
    table_from_grid,
)
from ocrops.model import BlockKind, Cell

MAX_SHEET_CELLS = 1_000_000
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class XlsxDocument(LoadedDocument):
    media_type = XLSX

    def __init__(self, source: Source, options: LoadOptions) -> None:
        from openpyxl import load_workbook

        self._source = source
        self._book = load_workbook(source.path, read_only=True, data_only=True)
        self._sheets = list(self._book.worksheets)

    @property
    def page_count(self) -> int:
        return len(self._sheets)

    def page(self, number: int) -> StructuredPage:
        check_page_number(number, len(self._sheets), "sheets")
        sheet = self._sheets[number - 1]
        page = PageBuilder()
        with page_errors(number):
            page.add(BlockKind.heading, sheet.title, 1)
            page.add_table(_sheet_table(sheet))
            for data, name in sheet_images(self._source, sheet.title):
                page.add_image(data, name)
        return StructuredPage(number, page)

    def metadata(self) -> dict[str, str]:
        props = self._book.properties
        values = {"title": props.title, "author": props.creator, "subject": props.subject}
        return {key: value for key, value in values.items() if value}

    def close(self) -> None:
        self._book.close()


def _sheet_table(sheet: Any) -> Any:
    """Non-empty rows, trimmed to the columns in use; the first row is the header."""
    rows: list[list[str]] = []
    seen = 0
    for values in sheet.iter_rows(values_only=True):
        seen += len(values)
        if seen > MAX_SHEET_CELLS:
            raise InputTooLarge(f"sheet {sheet.title!r} has more than {MAX_SHEET_CELLS:,} cells")
        texts = [cell_text(v) for v in values]
        if any(texts):
            rows.append(texts)
    used = [
        c for c in range(max((len(r) for r in rows), default=0)) if any(c < len(r) and r[c] for r in rows)
    ]
    cells = [
        Cell(row=r, col=c, text=row[col] if col < len(row) else "", header=r == 0)
        for r, row in enumerate(rows)
        for c, col in enumerate(used)
    ]
    return table_from_grid(cells)


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return " ".join(str(value).split())


def sheet_images(source: Source, sheet_name: str) -> list[tuple[bytes, str]]:
    """Pictures anchored on a sheet: workbook -> sheet part -> drawing part -> media parts."""
    with zipfile.ZipFile(source.path) as archive:
        sheet_part = _sheet_part(archive, sheet_name)
        if sheet_part is None:
            return []
        images = []
        for drawing in _related(archive, sheet_part, "/drawing"):
            for media in _related(archive, drawing, "/image"):
                if media in archive.NameToInfo:
                    images.append((archive.read(media), media))
        return images


def _sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    workbook = _xml(archive, "xl/workbook.xml")
    if workbook is None:
        return None
    targets = {rel_id: target for rel_id, target, _ in _relationships(archive, "xl/workbook.xml")}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        if sheet.get("name") == sheet_name:
            return targets.get(sheet.get(_R_ID) or "")
    return None


def _related(archive: zipfile.ZipFile, part: str, type_suffix: str) -> list[str]:
    return [target for _, target, kind in _relationships(archive, part) if kind.endswith(type_suffix)]


def _relationships(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """(id, target part name, type) of a part's relationships, targets resolved to member names."""
    folder, name = posixpath.split(part)
    rels = _xml(archive, posixpath.join(folder, "_rels", name + ".rels"))
    if rels is None:
        return []
    found = []
    for rel in rels.iter(_REL):
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not target:
            continue
        resolved = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        found.append((rel.get("Id") or "", resolved, rel.get("Type") or ""))
    return found


def _xml(archive: zipfile.ZipFile, member: str) -> Any:
    from lxml import etree

    if member not in archive.NameToInfo:
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(archive.read(member), parser=parser)
    except etree.XMLSyntaxError:
        return None
