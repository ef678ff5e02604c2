"""The loader contract: one loader per input format, detected by content, pages produced lazily."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from ocrops.model import Block, Line

if TYPE_CHECKING:
    from PIL import Image


@dataclass(frozen=True)
class LoadOptions:
    password: str | None = None
    max_image_pixels: int = 200_000_000
    max_file_bytes: int = 512 * 1024 * 1024
    max_archive_ratio: int = 200


@dataclass(frozen=True)
class Source:
    """A document on disk. Bytes and stdin are written to a file first, so workers can open by path."""

    path: Path
    name: str

    @classmethod
    def from_path(cls, path: str | Path) -> Source:
        path = Path(path)
        return cls(path=path, name=path.name)

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def head(self, size: int = 8192) -> bytes:
        with self.path.open("rb") as fh:
            return fh.read(size)


@dataclass
class EmbeddedImage:
    """An image inside an office/HTML document, to be OCR'd and placed after ``after_block``."""

    data: bytes
    after_block: int = -1
    name: str = ""


class SourcePage(ABC):
    """One page of a loaded document. Everything heavy is computed on demand."""

    number: int  # 1-based
    width_pt: float = 0.0  # natural size in points (1/72 inch); 0 when the format has none
    height_pt: float = 0.0

    def render(self, dpi: float) -> Image.Image:
        """The page as an RGB or L image at ``dpi`` (images ignore dpi and return themselves)."""
        raise NotImplementedError(f"{type(self).__name__} has no image")

    @property
    def has_image(self) -> bool:
        return True

    @property
    def native_dpi(self) -> float | None:
        """The DPI of an image page (from its metadata), None for vector pages."""
        return None

    def text_layer(self, dpi: float) -> list[Line] | None:
        """Embedded text as lines of words with boxes in pixels at ``dpi``; None when there is none."""
        return None

    def native_blocks(self) -> list[Block] | None:
        """Structured content read without OCR (office, HTML); None for image-like pages."""
        return None

    def embedded_images(self) -> list[EmbeddedImage]:
        return []


class LoadedDocument(ABC):
    """An open document. Use as a context manager; pages are produced one at a time."""

    media_type: str

    @property
    @abstractmethod
    def page_count(self) -> int: ...

    @abstractmethod
    def page(self, number: int) -> SourcePage:
        """Page ``number`` (1-based)."""

    def pages(self, numbers: list[int] | None = None) -> Iterator[SourcePage]:
        for number in numbers or range(1, self.page_count + 1):
            yield self.page(number)

    def metadata(self) -> dict[str, str]:
        return {}

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def __enter__(self) -> LoadedDocument:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Loader(ABC):
    """Opens one family of formats. ``sniff`` decides from the first bytes, never from the name."""

    name: ClassVar[str]
    media_types: ClassVar[tuple[str, ...]]

    @classmethod
    @abstractmethod
    def sniff(cls, head: bytes, source: Source) -> str | None:
        """The media type if this loader reads the content, else None."""

    @abstractmethod
    def open(self, source: Source, media_type: str, options: LoadOptions) -> LoadedDocument: ...
