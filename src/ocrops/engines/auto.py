"""The default engine: the PDF text layer where it is usable, OCR everywhere else, page by page."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from pydantic import Field

from ocrops.engines.base import Engine, EngineOptions, EngineOutput, EngineStatus, PageInput
from ocrops.engines.pdftext import PdfTextEngine
from ocrops.engines.registry import ENGINES, create_engine, engine_class, parse_options
from ocrops.errors import BadParameter

if TYPE_CHECKING:
    from ocrops.model import Line
    from ocrops.settings import Settings

PDFTEXT = "pdftext"
MAX_BAD_CHAR_SHARE = 0.1  # more unreadable characters than this and the text layer is garbage
_BAD_CATEGORIES = frozenset(
    {"Cc", "Cf", "Co", "Cs", "Cn"}
)  # control, format, private use, surrogate, unassigned


class AutoOptions(EngineOptions):
    ocr_engine: str | None = Field(
        None, description="Engine for pages without a usable text layer (default: settings.ocr_engine)."
    )
    ocr_options: dict[str, Any] = Field(default_factory=dict, description="Options of the OCR engine.")
    min_chars: int = Field(
        20, ge=0, description="A text layer with fewer non-space characters than this is OCR'd instead."
    )


def text_layer_usable(lines: list[Line] | None, min_chars: int) -> bool:
    """Whether a text layer holds enough readable text to skip OCR.

    Enough: at least ``min_chars`` non-space characters. Readable: at most ``MAX_BAD_CHAR_SHARE``
    of them replacement characters (U+FFFD) or control, private-use or unassigned code points,
    which is what PDFs with broken font encodings yield.
    """
    if not lines:
        return False
    chars = [c for line in lines for c in line.text if not c.isspace()]
    if not chars or len(chars) < min_chars:
        return False
    bad = sum(1 for c in chars if c == "\ufffd" or unicodedata.category(c) in _BAD_CATEGORIES)
    return bad <= MAX_BAD_CHAR_SHARE * len(chars)


class AutoEngine(Engine):
    name = "auto"
    description = "Text layer where a PDF has one, OCR elsewhere (per page)."
    Options = AutoOptions

    def __init__(self, options: EngineOptions, settings: Settings) -> None:
        super().__init__(options, settings)
        self.options: AutoOptions
        self.ocr_name = (self.options.ocr_engine or settings.ocr_engine).strip().lower()
        if self.ocr_name in (self.name, PDFTEXT) or self.ocr_name not in ENGINES:
            choices = [n for n in ENGINES.names() if n not in (self.name, PDFTEXT)]
            raise BadParameter(
                f"unknown OCR engine {self.ocr_name!r} for auto; choose one of: {', '.join(choices)}"
            )
        self.ocr_options = parse_options(self.ocr_name, self.options.ocr_options)  # fail fast on bad options
        self._pdftext = PdfTextEngine(PdfTextEngine.Options(), settings)
        self._pdftext_version = self._pdftext.version()
        self._ocr: Engine | None = None  # created on the first page that needs it
        self._ocr_version = ""

    @classmethod
    def probe(cls, settings: Settings) -> EngineStatus:
        status = PdfTextEngine.probe(settings)
        return EngineStatus(cls.name, status.available, status.version, reason=status.reason)

    def version(self) -> str:
        ocr_version = engine_class(self.ocr_name).probe(self.settings).version
        return f"{PDFTEXT} {self._pdftext_version}; {self.ocr_name} {ocr_version}"

    def recognise(self, page: PageInput) -> EngineOutput:
        lines = page.text_layer()
        if text_layer_usable(lines, self.options.min_chars):
            return EngineOutput(lines=lines, route=PDFTEXT, version=self._pdftext_version)
        output = self._ocr_engine().recognise(page)
        output.route = self.ocr_name
        output.version = self._ocr_version
        return output

    def _ocr_engine(self) -> Engine:
        if self._ocr is None:
            self._ocr = create_engine(self.ocr_name, self.ocr_options, self.settings)
            self._ocr_version = self._ocr.version()
        return self._ocr

    def close(self) -> None:
        if self._ocr is not None:
            self._ocr.close()
            self._ocr = None
