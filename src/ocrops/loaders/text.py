"""Plain UTF-8 text: one page, paragraphs separated by blank lines."""

from __future__ import annotations

import re

from ocrops.errors import CorruptInput
from ocrops.loaders.base import LoadedDocument, Loader, LoadOptions, Source
from ocrops.loaders.office import PageBuilder, SinglePageDocument, StructuredPage
from ocrops.model import BlockKind

TEXT_MEDIA_TYPE = "text/plain"
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


class TextLoader(Loader):
    name = "text"
    media_types = (TEXT_MEDIA_TYPE,)

    @classmethod
    def sniff(cls, head: bytes, source: Source) -> str | None:
        from ocrops.loaders.registry import describe

        text = _decode_head(head)
        if text is None or not text.strip() or describe(head) is not None:
            return None  # not UTF-8, or a text-based format we know we do not read (RTF, SVG, XML, PS)
        return TEXT_MEDIA_TYPE if len(_CONTROL.findall(text)) <= len(text) // 1000 else None

    def open(self, source: Source, media_type: str, options: LoadOptions) -> LoadedDocument:
        return TextDocument(source)


def _decode_head(head: bytes) -> str | None:
    """The head as UTF-8, allowing a character cut at the end; None when it is not UTF-8."""
    for cut in range(4):
        try:
            return head[: len(head) - cut].decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:
                return None
    return None


class TextDocument(SinglePageDocument):
    media_type = TEXT_MEDIA_TYPE

    def __init__(self, source: Source) -> None:
        try:
            self._text = source.path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CorruptInput(f"text is not valid UTF-8 at byte {exc.start}") from None

    def build_page(self) -> StructuredPage:
        page = PageBuilder()
        for paragraph in re.split(r"\n\s*\n", self._text.replace("\r\n", "\n")):
            page.add(BlockKind.paragraph, paragraph)
        return StructuredPage(1, page)
