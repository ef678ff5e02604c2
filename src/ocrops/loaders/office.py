"""Office Open XML (DOCX, PPTX, XLSX): detection by ZIP members, zip-bomb checks, shared block helpers.

The formats themselves are read in ``docx.py``, ``pptx.py`` and ``xlsx.py``; their pages carry
structure (``native_blocks``) and embedded pictures, but no image of their own.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocrops.errors import CorruptInput, InputTooLarge, OcropsError, PageRangeError, UnsupportedFormat
from ocrops.loaders.base import EmbeddedImage, LoadedDocument, Loader, LoadOptions, Source, SourcePage
from ocrops.loaders.image import sniff_image
from ocrops.model import Block, BlockKind, Cell, Line, Table, Word

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"  # a ZIP we could not look inside: corrupt, or too many members

_PART_PREFIXES = {"word/": DOCX, "ppt/": PPTX, "xl/": XLSX}
MAX_MEMBERS = 10_000
_RATIO_FLOOR = 1 << 20  # archives (and members) smaller than this inflated are never bombs
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"


class OfficeLoader(Loader):
    name = "office"
    media_types = (DOCX, PPTX, XLSX)

    @classmethod
    def sniff(cls, head: bytes, source: Source) -> str | None:
        if not head.startswith(b"PK\x03\x04"):
            return None
        members = zip_member_count(source.path)
        if members is None or members > MAX_MEMBERS:
            return ZIP  # open() explains: corrupt, or a zip bomb
        try:
            with zipfile.ZipFile(source.path) as archive:
                return office_media_type(archive.namelist())
        except (zipfile.BadZipFile, OSError, EOFError):
            return ZIP

    def open(self, source: Source, media_type: str, options: LoadOptions) -> LoadedDocument:
        check_archive(source.path, options)
        if media_type == DOCX:
            from ocrops.loaders.docx import DocxDocument

            return DocxDocument(source, options)
        if media_type == PPTX:
            from ocrops.loaders.pptx import PptxDocument

            return PptxDocument(source, options)
        if media_type == XLSX:
            from ocrops.loaders.xlsx import XlsxDocument

            return XlsxDocument(source, options)
        raise UnsupportedFormat("a ZIP archive that is not a DOCX/PPTX/XLSX")


def office_media_type(names: list[str]) -> str | None:
    """DOCX/PPTX/XLSX from the member names of a ZIP, None for any other archive."""
    if "[Content_Types].xml" not in names:
        return None
    for prefix, media_type in _PART_PREFIXES.items():
        if any(name.startswith(prefix) for name in names):
            return media_type
    return None


def zip_member_count(path: Path) -> int | None:
    """Members declared in the end-of-central-directory record (cheap: reads the tail only).

    None when there is no such record (not a complete ZIP).
    """
    with path.open("rb") as fh:
        size = fh.seek(0, 2)
        tail_size = min(size, 22 + 0xFFFF + 20)
        fh.seek(size - tail_size)
        tail = fh.read(tail_size)
        at = tail.rfind(_EOCD)
        if at < 0 or at + 22 > len(tail):
            return None
        count = struct.unpack_from("<H", tail, at + 10)[0]
        if count != 0xFFFF:
            return count
        locator = at - 20  # ZIP64: the real count is in the ZIP64 end record
        if locator < 0 or tail[locator : locator + 4] != _EOCD64_LOCATOR:
            return None
        (record_offset,) = struct.unpack_from("<Q", tail, locator + 8)
        fh.seek(record_offset)
        record = fh.read(56)
    if len(record) < 40 or not record.startswith(b"PK\x06\x06"):
        return None
    return struct.unpack_from("<Q", record, 32)[0]


def check_archive(path: Path, options: LoadOptions) -> None:
    """Refuse ZIPs that are corrupt, or that would inflate far beyond their size (zip bombs)."""
    count = zip_member_count(path)
    if count is not None and count > MAX_MEMBERS:
        raise InputTooLarge(f"zip bomb: the archive has {count:,} members (limit {MAX_MEMBERS:,})")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise CorruptInput("not a readable ZIP archive (corrupt or truncated)") from None
    if len(members) > MAX_MEMBERS:
        raise InputTooLarge(f"zip bomb: the archive has {len(members):,} members (limit {MAX_MEMBERS:,})")
    inflated = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if inflated > options.max_file_bytes:
        raise InputTooLarge(
            f"zip bomb: the archive inflates to {inflated:,} bytes (limit {options.max_file_bytes:,})"
        )
    for name, big, small in [
        ("the archive", inflated, packed),
        *((m.filename, m.file_size, m.compress_size) for m in members),
    ]:
        ratio = big / max(small, 1)
        if big > _RATIO_FLOOR and ratio > options.max_archive_ratio:
            limit = options.max_archive_ratio
            raise InputTooLarge(f"zip bomb: {name} inflates {ratio:,.0f} times (limit {limit})")


# --------------------------------------------------------------------------- structured pages


def text_lines(text: str) -> list[Line]:
    """Lines of box-less words; line breaks (\\n, \\r, vertical tab) start new lines."""
    return [
        Line(words=[Word(text=w) for w in part.split()])
        for part in re.split(r"[\n\r\v]+", text)
        if part.strip()
    ]


def table_from_grid(cells: list[Cell]) -> Table:
    rows = max((c.row + c.row_span for c in cells), default=0)
    cols = max((c.col + c.col_span for c in cells), default=0)
    return Table(rows=rows, cols=cols, cells=cells)


def clean_text(text: str) -> str:
    return " ".join(text.split())


@dataclass
class PageBuilder:
    """Blocks of one page in document order, plus the pictures to OCR after them."""

    blocks: list[Block] = field(default_factory=list)
    images: list[EmbeddedImage] = field(default_factory=list)

    def add(self, kind: BlockKind, text: str, level: int | None = None) -> None:
        lines = text_lines(text)
        if lines:
            level = None if level is None else max(1, min(6, level))
            self.blocks.append(Block(kind=kind, lines=lines, level=level, order=len(self.blocks)))

    def add_table(self, table: Table) -> None:
        if table.cells and any(c.text for c in table.cells):
            self.blocks.append(Block(kind=BlockKind.table, table=table, order=len(self.blocks)))

    def add_image(self, data: bytes, name: str = "") -> None:
        """A figure block for a picture we can decode; the pipeline OCRs it and places it after."""
        if sniff_image(data[:64]) is None:
            return  # EMF, WMF, SVG...: nothing Pillow reads
        self.blocks.append(Block(kind=BlockKind.figure, order=len(self.blocks)))
        self.images.append(EmbeddedImage(data=data, after_block=len(self.blocks) - 1, name=name))


class StructuredPage(SourcePage):
    """A page read natively: blocks without geometry and embedded pictures, no page image."""

    def __init__(
        self, number: int, built: PageBuilder, width_pt: float = 0.0, height_pt: float = 0.0
    ) -> None:
        self.number = number
        self.width_pt = width_pt
        self.height_pt = height_pt
        self._built = built

    @property
    def has_image(self) -> bool:
        return False

    def native_blocks(self) -> list[Block]:
        return [block.model_copy(deep=True) for block in self._built.blocks]

    def embedded_images(self) -> list[EmbeddedImage]:
        return list(self._built.images)


class SinglePageDocument(LoadedDocument):
    """A document read natively as one page (DOCX, HTML, text); the page is built once, on demand."""

    _page: StructuredPage | None = None

    @property
    def page_count(self) -> int:
        return 1

    def page(self, number: int) -> StructuredPage:
        check_page_number(number, 1, "page")
        if self._page is None:
            with page_errors(number):
                self._page = self.build_page()
        return self._page

    def build_page(self) -> StructuredPage:
        raise NotImplementedError


def core_metadata(core: Any) -> dict[str, str]:
    """Title, author and subject from OOXML core properties (python-docx / python-pptx)."""
    values = {"title": core.title, "author": core.author, "subject": core.subject}
    return {key: value for key, value in values.items() if value}


@contextmanager
def page_errors(number: int) -> Iterator[None]:
    """Library errors while reading page ``number`` of a malformed file, as CorruptInput."""
    try:
        yield
    except (OcropsError, MemoryError):
        raise
    except Exception as exc:
        message = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise CorruptInput(f"page {number} cannot be read: {message}") from exc


def check_page_number(number: int, count: int, unit: str) -> None:
    if not 1 <= number <= count:
        raise PageRangeError(f"page {number} is out of range (the document has {count} {unit})")
