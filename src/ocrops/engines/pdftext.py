"""The PDF text layer, no OCR: the loader's embedded text as lines of words with boxes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ocrops.engines.base import Engine, EngineOutput, EngineStatus, PageInput

if TYPE_CHECKING:
    from ocrops.settings import Settings


def pdfium_version() -> str:
    """pypdfium2's version (which pins its PDFium build)."""
    from importlib.metadata import version

    return version("pypdfium2")


class PdfTextEngine(Engine):
    name = "pdftext"
    description = "The PDF's embedded text layer (no OCR): exact and fast where the text is real."

    @classmethod
    def probe(cls, settings: Settings) -> EngineStatus:
        try:
            return EngineStatus(cls.name, True, pdfium_version())
        except Exception as exc:  # PackageNotFoundError: a broken install
            return EngineStatus(cls.name, False, reason=f"pypdfium2 is not installed: {exc}")

    def recognise(self, page: PageInput) -> EngineOutput:
        """The page's text layer; empty when it has none (the auto engine routes such pages to OCR)."""
        return EngineOutput(lines=page.text_layer() or [])
