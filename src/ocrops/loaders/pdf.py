"""PDF through pypdfium2: pages opened on demand, rendering, and the embedded text layer.

Only the pdfium document stays open; each page is loaded for one operation and closed.
pdfium is not thread-safe, and the service calls it from request threads and worker threads
of one process: every pdfium call here holds ``PDFIUM_LOCK`` (concurrent page-image requests
crashed the server with a double free before it did).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ocrops.errors import CorruptInput, EmptyInput, EncryptedInput, InputTooLarge, PageRangeError
from ocrops.loaders.base import LoadedDocument, Loader, LoadOptions, Source, SourcePage
from ocrops.model import BBox, Line, Word

if TYPE_CHECKING:
    from PIL import Image

PDF_MEDIA_TYPE = "application/pdf"
PDFIUM_LOCK = threading.RLock()

# A point in PDF user space (x, y up) -> a point in image pixels (x right, y down).
PointMap = Callable[[float, float], tuple[float, float]]


class PdfLoader(Loader):
    name = "pdf"
    media_types = (PDF_MEDIA_TYPE,)

    @classmethod
    def sniff(cls, head: bytes, source: Source) -> str | None:
        # pdfium, like most readers, accepts junk before the header within the first KiB.
        return PDF_MEDIA_TYPE if b"%PDF-" in head[:1024] else None

    def open(self, source: Source, media_type: str, options: LoadOptions) -> LoadedDocument:
        return PdfDocument(source, options)


class PdfDocument(LoadedDocument):
    media_type = PDF_MEDIA_TYPE

    def __init__(self, source: Source, options: LoadOptions) -> None:
        import pypdfium2 as pdfium

        self.options = options
        with PDFIUM_LOCK:
            try:
                self._pdf = pdfium.PdfDocument(source.path, password=options.password)
            except pdfium.PdfiumError as exc:
                raise _open_error(getattr(exc, "err_code", None), options.password) from None
            self._page_count = len(self._pdf)
            if self._page_count == 0:
                self._pdf.close()
                raise EmptyInput("the PDF has no pages")
            self._pdf.init_forms()  # so that form fields are drawn when rendering

    @property
    def page_count(self) -> int:
        return self._page_count

    def page(self, number: int) -> PdfPage:
        if not 1 <= number <= self._page_count:
            raise PageRangeError(f"page {number} is out of range (the PDF has {self._page_count} pages)")
        return PdfPage(self, number)

    def metadata(self) -> dict[str, str]:
        with PDFIUM_LOCK:
            items = self._pdf.get_metadata_dict(skip_empty=True).items()
        return {key.lower(): str(value) for key, value in items}

    @contextmanager
    def load_page(self, number: int) -> Iterator[Any]:
        """The pdfium page ``number``, closed again on exit; pdfium is locked meanwhile."""
        import pypdfium2 as pdfium

        with PDFIUM_LOCK:
            try:
                page = self._pdf[number - 1]
            except pdfium.PdfiumError as exc:
                raise CorruptInput(f"page {number} cannot be read: {exc}") from None
            try:
                yield page
            except pdfium.PdfiumError as exc:
                raise CorruptInput(f"page {number} cannot be read: {exc}") from None
            finally:
                page.close()

    def close(self) -> None:
        with PDFIUM_LOCK:
            self._pdf.close()


class PdfPage(SourcePage):
    def __init__(self, document: PdfDocument, number: int) -> None:
        self._document = document
        self.number = number
        with document.load_page(number) as page:
            # Sizes as displayed: pdfium swaps width and height for /Rotate 90 and 270.
            self.width_pt, self.height_pt = page.get_size()
            self._rotation = page.get_rotation() % 360
            self._bbox = page.get_bbox()  # crop box within the media box, in user space

    def pixel_size(self, dpi: float) -> tuple[int, int]:
        scale = dpi / 72
        return max(1, round(self.width_pt * scale)), max(1, round(self.height_pt * scale))

    def render(self, dpi: float) -> Image.Image:
        width, height = self.pixel_size(dpi)
        limit = self._document.options.max_image_pixels
        if width * height > limit:
            size = f"{width}x{height} pixels"
            raise InputTooLarge(
                f"page {self.number} at {dpi:g} dpi would be {size}, over the limit of {limit:,}"
            )
        with self._document.load_page(self.number) as page:
            bitmap = page.render(scale=dpi / 72)  # applies the page's /Rotate
            try:  # to_pil shares the bitmap's memory: copy, then free it under the lock
                image = bitmap.to_pil()
                image = image.copy() if image.mode in ("RGB", "L") else image.convert("RGB")
            finally:
                bitmap.close()
        return image

    def text_layer(self, dpi: float) -> list[Line] | None:
        to_pixels = _point_map(self._bbox, self._rotation, dpi / 72)
        with self._document.load_page(self.number) as page:
            textpage = page.get_textpage()
            try:
                chars = list(_chars(textpage, to_pixels))
            finally:
                textpage.close()
        lines = group_lines(chars)
        return lines or None


def _open_error(err_code: int | None, password: str | None) -> Exception:
    import pypdfium2.raw as pdfium_c

    if err_code == pdfium_c.FPDF_ERR_PASSWORD:
        if password is None:
            return EncryptedInput("password required: the PDF is encrypted")
        return EncryptedInput("wrong password for the encrypted PDF")
    if err_code == pdfium_c.FPDF_ERR_SECURITY:
        return EncryptedInput("the PDF uses an unsupported security handler")
    if err_code == pdfium_c.FPDF_ERR_SUCCESS:
        return EmptyInput("the PDF has no pages")
    if err_code == pdfium_c.FPDF_ERR_FILE:
        return CorruptInput("the PDF file cannot be opened")
    return CorruptInput("not a valid PDF (corrupt or truncated)")


def _point_map(bbox: tuple[float, float, float, float], rotation: int, scale: float) -> PointMap:
    """Map user-space points of a page shown with ``/Rotate rotation`` to pixels at ``scale``."""
    left, bottom, right, top = bbox
    if rotation == 90:
        return lambda x, y: ((y - bottom) * scale, (x - left) * scale)
    if rotation == 180:
        return lambda x, y: ((right - x) * scale, (y - bottom) * scale)
    if rotation == 270:
        return lambda x, y: ((top - y) * scale, (right - x) * scale)
    return lambda x, y: ((x - left) * scale, (top - y) * scale)


def _to_bbox(box: tuple[float, float, float, float], to_pixels: PointMap) -> BBox:
    left, bottom, right, top = box
    x0, y0 = to_pixels(left, bottom)
    x1, y1 = to_pixels(right, top)
    return BBox(x0=min(x0, x1), y0=min(y0, y1), x1=max(x0, x1), y1=max(y0, y1))


_HYPHEN_MARKERS = {0x02, 0xFFFE}  # pdfium's codes for a hyphen at a line break


def _chars(textpage: Any, to_pixels: PointMap) -> Iterator[tuple[str, BBox | None]]:
    """(character, pixel box) in content order; whitespace and line breaks come with no box."""
    import pypdfium2.raw as pdfium_c

    count = textpage.count_chars()
    index = 0
    while index < count:
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, index)
        box_index = index
        if 0xD800 <= code < 0xDC00 and index + 1 < count:  # a surrogate pair: one character
            low = pdfium_c.FPDFText_GetUnicode(textpage.raw, index + 1)
            if 0xDC00 <= low < 0xE000:
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                index += 1
        index += 1
        char = _char(code)
        if char.isspace():
            yield char, None
            continue
        try:
            box = textpage.get_charbox(box_index, loose=True)
        except Exception:  # pdfium refuses boxes of some generated characters
            yield " ", None
            continue
        yield char, _to_bbox(box, to_pixels)


def _char(code: int) -> str:
    if code in _HYPHEN_MARKERS:
        return "-"
    if code in (0x0A, 0x0D):
        return "\n"
    if code < 0x20 or 0xD800 <= code < 0xE000 or code > 0x10FFFF:
        return " "
    return chr(code)


def group_lines(chars: list[tuple[str, BBox | None]]) -> list[Line]:
    """Characters -> words (split at whitespace and wide gaps) -> lines (breaks, vertical jumps)."""
    builder = _LineBuilder()
    for char, box in chars:
        if char == "\n":
            builder.end_line()
        elif box is None:
            builder.end_word()
        else:
            builder.add(char, box)
    builder.end_line()
    return builder.lines


class _LineBuilder:
    def __init__(self) -> None:
        self.lines: list[Line] = []
        self._words: list[Word] = []
        self._text: list[str] = []
        self._boxes: list[BBox] = []

    def add(self, char: str, box: BBox) -> None:
        last = self._boxes[-1] if self._boxes else self._last_word_box()
        if last is not None:
            if _starts_new_line(last, box):
                self.end_line()
            elif box.x0 - last.x1 > 0.35 * max(last.height, box.height):
                self.end_word()
        self._text.append(char)
        self._boxes.append(box)

    def _last_word_box(self) -> BBox | None:
        return self._words[-1].bbox if self._words else None

    def end_word(self) -> None:
        if self._text:
            bbox = BBox.enclosing(list(self._boxes))
            self._words.append(Word(text="".join(self._text), bbox=bbox, confidence=1.0))
        self._text, self._boxes = [], []

    def end_line(self) -> None:
        self.end_word()
        if self._words:
            bbox = BBox.enclosing([w.bbox for w in self._words])
            self.lines.append(Line(words=self._words, bbox=bbox, confidence=1.0))
        self._words = []


def _starts_new_line(last: BBox, box: BBox) -> bool:
    """A character whose middle lies outside the previous one's height, or that jumps back left."""
    if not last.y0 <= box.cy <= last.y1 and not box.y0 <= last.cy <= box.y1:
        return True
    return box.x1 < last.x0 - 0.5 * max(last.height, box.height)
