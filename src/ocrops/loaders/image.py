"""Raster images through Pillow: PNG, JPEG, TIFF (every frame a page), WebP, BMP, GIF (first frame).

Sizes are checked against ``max_image_pixels`` from the header, before any pixel is decoded.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ocrops.errors import CorruptInput, InputTooLarge, PageRangeError, UnsupportedFormat
from ocrops.loaders.base import LoadedDocument, Loader, LoadOptions, Source, SourcePage

if TYPE_CHECKING:
    from PIL import Image

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"II+\x00", "image/tiff"),  # BigTIFF
    (b"MM\x00+", "image/tiff"),
    (b"BM", "image/bmp"),
)
_PIL_FORMATS = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/tiff": "TIFF",
    "image/bmp": "BMP",
    "image/webp": "WEBP",
}
_MULTI_PAGE = {"image/tiff"}
_PILLOW_LIMIT_LOCK = threading.Lock()


def sniff_image(head: bytes) -> str | None:
    """The media type of an image format we read, from its first bytes."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return None if media_type == "image/bmp" and not _plausible_bmp(head) else media_type
    return None


def _plausible_bmp(head: bytes) -> bool:
    """'BM' is two common letters: also require a known DIB header size."""
    return len(head) >= 18 and int.from_bytes(head[14:18], "little") in {12, 40, 52, 56, 64, 108, 124}


class ImageLoader(Loader):
    name = "image"
    media_types = tuple(_PIL_FORMATS)

    @classmethod
    def sniff(cls, head: bytes, source: Source) -> str | None:
        return sniff_image(head)

    def open(self, source: Source, media_type: str, options: LoadOptions) -> LoadedDocument:
        return ImageDocument(source, media_type, options)


@contextmanager
def pillow_errors(what: str = "image") -> Iterator[None]:
    """Pillow's exceptions as ocrops errors: bombs InputTooLarge, bad data CorruptInput."""
    from PIL import Image

    try:
        yield
    except Image.DecompressionBombError:
        raise InputTooLarge(f"{what} has more pixels than the limit") from None
    except Image.UnidentifiedImageError:
        raise UnsupportedFormat(f"{what} is in an image format Pillow cannot read") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise CorruptInput(f"{what} cannot be decoded (corrupt or truncated): {_short(exc)}") from None


@contextmanager
def without_pillow_limit() -> Iterator[None]:
    """Pillow's own bomb check (at open and seek) switched off: callers use ``check_pixels`` next.

    Pillow would warn above its global limit and fail at twice it, whatever ``max_pixels`` is;
    checking the header size ourselves, right after open and seek, gives one limit and one message.
    """
    from PIL import Image

    with _PILLOW_LIMIT_LOCK:
        saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def check_pixels(size: tuple[int, int], max_pixels: int, what: str = "image") -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise CorruptInput(f"{what} has an invalid size {width}x{height}")
    if width * height > max_pixels:
        raise InputTooLarge(f"{what} is {width}x{height} pixels, over the limit of {max_pixels:,}")


def decode_image(data: bytes, max_pixels: int, what: str = "embedded image") -> Image.Image:
    """Decode image bytes (e.g. from an office file) safely, upright and in RGB or L."""
    import io

    from PIL import Image, ImageOps

    with pillow_errors(what):
        with without_pillow_limit():
            image = Image.open(io.BytesIO(data))
        check_pixels(image.size, max_pixels, what)
        image.load()
        image = ImageOps.exif_transpose(image)
    return to_page_mode(image)


class ImageDocument(LoadedDocument):
    def __init__(self, source: Source, media_type: str, options: LoadOptions) -> None:
        from PIL import Image

        self.media_type = media_type
        self.options = options
        self._lock = threading.Lock()
        with pillow_errors(), without_pillow_limit():
            self._image = Image.open(source.path, formats=[_PIL_FORMATS[media_type]])
        try:
            with pillow_errors():
                check_pixels(self._image.size, options.max_image_pixels)
                frames = getattr(self._image, "n_frames", 1) if media_type in _MULTI_PAGE else 1
            self._page_count = frames
            self._first = self._decode(1)  # fail on truncated data now, not halfway through a job
        except BaseException:
            self._image.close()
            raise

    @property
    def page_count(self) -> int:
        return self._page_count

    def page(self, number: int) -> ImagePage:
        if not 1 <= number <= self._page_count:
            raise PageRangeError(f"page {number} is out of range (the image has {self._page_count} pages)")
        return ImagePage(self, number)

    def frame(self, number: int) -> Image.Image:
        return self._first if number == 1 else self._decode(number)

    def _decode(self, number: int) -> Image.Image:
        """Frame ``number`` fully decoded, upright, in RGB or L."""
        from PIL import ImageOps

        what = f"image page {number}" if self._page_count > 1 else "image"
        with self._lock, pillow_errors(what):
            with without_pillow_limit():
                self._image.seek(number - 1)
            check_pixels(self._image.size, self.options.max_image_pixels, what)
            self._image.load()
            frame = ImageOps.exif_transpose(self._image)  # always a new image
            if "dpi" in self._image.info:
                frame.info["dpi"] = self._image.info["dpi"]
        return to_page_mode(frame)

    def metadata(self) -> dict[str, str]:
        return {"format": self._image.format or "", "mode": self._image.mode}

    def close(self) -> None:
        self._image.close()


class ImagePage(SourcePage):
    def __init__(self, document: ImageDocument, number: int) -> None:
        self._document = document
        self.number = number
        self._image = document.frame(number)
        dpi = self.native_dpi
        width, height = self._image.size
        self.width_pt = width / dpi * 72 if dpi else 0.0
        self.height_pt = height / dpi * 72 if dpi else 0.0

    def render(self, dpi: float) -> Image.Image:
        return self._image

    @property
    def native_dpi(self) -> float | None:
        return image_dpi(self._image)


def image_dpi(image: Image.Image) -> float | None:
    """The horizontal DPI from the image metadata, when present and plausible."""
    dpi = image.info.get("dpi")
    if not dpi:
        return None
    try:
        value = float(dpi[0] if isinstance(dpi, tuple | list) else dpi)
    except (TypeError, ValueError):
        return None
    return round(value, 2) if 20 <= value <= 4800 else None


def to_page_mode(image: Image.Image) -> Image.Image:
    """RGB or L: bilevel and 16-bit to L, palettes and CMYK to RGB, transparency onto white."""
    from PIL import Image

    dpi = image.info.get("dpi")
    if image.mode in ("RGB", "L"):
        converted = image
    elif image.mode == "1":
        converted = image.convert("L")
    elif image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        converted = _stretch_to_l(image)
    elif image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        converted = Image.new("RGB", rgba.size, (255, 255, 255))
        converted.paste(rgba, mask=rgba.getchannel("A"))
    else:  # P, CMYK, YCbCr, LAB, HSV
        converted = image.convert("RGB")
    if dpi and converted is not image:
        converted.info["dpi"] = dpi
    return converted


def _stretch_to_l(image: Image.Image) -> Image.Image:
    import numpy as np
    from PIL import Image

    values = np.asarray(image.convert("I") if image.mode.startswith("I;16") else image, dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    scaled = (values - low) * (255.0 / (high - low)) if high > low else np.zeros_like(values)
    return Image.fromarray(scaled.astype(np.uint8), mode="L")


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]
