"""Tesseract 5 through tesserocr: words with boxes and confidences, grouped into lines and blocks.

``psm="auto"`` chooses the page segmentation per page. Tesseract's automatic segmentation
(PSM 3) splits right-aligned prices from their items on receipts, while a single uniform block
(PSM 6) interleaves the columns of a two-column page. So the page's layout is analysed first
(cheap: no recognition); if two substantial text blocks stand side by side the page is read with
PSM 3 (blocks in Tesseract's column order), otherwise with PSM 6.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator

from ocrops.engines._exec.tesseract_api import installed_languages, tesseract_api, tesseract_version
from ocrops.engines.base import Engine, EngineOptions, EngineOutput, EngineStatus, PageInput
from ocrops.errors import BadParameter, EngineFailed, EngineUnavailable
from ocrops.model import BBox, Block, Line, Word

if TYPE_CHECKING:
    from PIL import Image

    from ocrops.settings import Settings

PSM_AUTO = 3  # Tesseract: fully automatic page segmentation, no OSD
PSM_SINGLE_BLOCK = 6  # Tesseract: a single uniform block of text
_RECOGNISING_PSMS = frozenset({1, *range(3, 14)})  # 0 and 2 do layout only, no text

# Variables a user may set; every page sets all of them (to the option or Tesseract's default),
# because the API is shared across engines and pages in the process.
VARIABLE_DEFAULTS: dict[str, str] = {
    "tessedit_char_whitelist": "",
    "tessedit_char_blacklist": "",
    "preserve_interword_spaces": "0",
}

# tesserocr.PT values of blocks that hold running text (flowing, heading, pull-out, vertical, caption).
_TEXT_BLOCK_TYPES = frozenset({1, 2, 3, 7, 8})


class TesseractOptions(EngineOptions):
    lang: str | None = Field(
        None, description="Tesseract languages, e.g. 'eng+deu'; default: the page's languages."
    )
    psm: Literal["auto"] | int = Field(
        "auto",
        description="Page segmentation mode: 'auto' picks 3 (columns) or 6 (single block) per page, "
        "or a Tesseract PSM number (1, 3-13).",
    )
    oem: Literal[0, 1, 2, 3] = Field(1, description="OCR engine mode: 1 = LSTM (default), 0 = legacy.")
    config: dict[str, str] = Field(
        default_factory=dict, description=f"Tesseract variables, one of: {', '.join(VARIABLE_DEFAULTS)}."
    )

    @field_validator("psm")
    @classmethod
    def _recognising_psm(cls, value: str | int) -> str | int:
        if isinstance(value, int) and value not in _RECOGNISING_PSMS:
            raise ValueError("psm must be 'auto', 1 or 3-13 (0 and 2 recognise no text)")
        return value

    @field_validator("config")
    @classmethod
    def _known_variables(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(VARIABLE_DEFAULTS))
        if unknown:
            raise ValueError(
                f"unsupported variable(s) {', '.join(unknown)}; allowed: {', '.join(VARIABLE_DEFAULTS)}"
            )
        return value


# --- pure conversions --------------------------------------------------------------------------

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class LayoutBlock:
    """A block found by layout analysis: its box, its number of text lines, whether it is text."""

    box: Box
    lines: int
    is_text: bool


@dataclass(frozen=True)
class TessWord:
    """One recognised word and where it sits (paragraph and line numbers in reading order)."""

    text: str
    box: Box
    confidence: float  # 0..100 as Tesseract reports it
    paragraph: int
    line: int
    line_box: Box


def has_text_columns(
    blocks: list[LayoutBlock], min_lines: int = 3, min_width_share: float = 0.2, min_overlap: float = 0.5
) -> bool:
    """Whether two substantial text blocks stand side by side (a multi-column page).

    Substantial: at least ``min_lines`` lines and ``min_width_share`` of the text area's width
    (so a narrow column of prices beside receipt items does not count). Side by side: no
    horizontal overlap, and vertical overlap of at least ``min_overlap`` of the shorter block.
    """
    text_boxes = [b.box for b in blocks if b.is_text]
    if len(text_boxes) < 2:
        return False
    area_width = max(b[2] for b in text_boxes) - min(b[0] for b in text_boxes)
    candidates = [
        b.box
        for b in blocks
        if b.is_text and b.lines >= min_lines and b.box[2] - b.box[0] >= min_width_share * area_width
    ]
    for first, second in combinations(candidates, 2):
        left, right = sorted((first, second))
        overlap = min(left[3], right[3]) - max(left[1], right[1])
        shorter = min(left[3] - left[1], right[3] - right[1])
        if left[2] <= right[0] and shorter > 0 and overlap >= min_overlap * shorter:
            return True
    return False


def _bbox(box: Box) -> BBox:
    return BBox(x0=box[0], y0=box[1], x1=box[2], y1=box[3])


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _word(word: TessWord) -> Word:
    return Word(text=word.text, bbox=_bbox(word.box), confidence=min(1.0, max(0.0, word.confidence / 100)))


def blocks_from_words(words: list[TessWord]) -> list[Block]:
    """Group words (in reading order) into one Block per Tesseract paragraph, lines within."""
    paragraphs: dict[int, dict[int, list[TessWord]]] = {}
    for word in words:
        paragraphs.setdefault(word.paragraph, {}).setdefault(word.line, []).append(word)
    blocks = []
    for order, lines in enumerate(paragraphs.values()):
        block_lines = []
        for line_words in lines.values():
            model_words = [_word(w) for w in line_words]
            block_lines.append(
                Line(
                    words=model_words,
                    bbox=_bbox(line_words[0].line_box),
                    confidence=_mean([w.confidence for w in model_words]),
                )
            )
        blocks.append(
            Block(
                bbox=BBox.enclosing([line.bbox for line in block_lines]),
                order=order,
                lines=block_lines,
                confidence=_mean([line.confidence for line in block_lines]),
            )
        )
    return blocks


# --- reading tesserocr iterators ---------------------------------------------------------------


def read_layout(iterator: Any) -> list[LayoutBlock]:
    """Blocks of a ``PyPageIterator`` from ``AnalyseLayout`` (None for an empty page)."""
    from tesserocr import RIL

    blocks: list[LayoutBlock] = []
    if iterator is None:
        return blocks
    box, lines, block_type = None, 0, 0
    while True:
        if iterator.IsAtBeginningOf(RIL.BLOCK):
            if box is not None:
                blocks.append(_layout_block(box, lines, block_type))
            box, lines, block_type = iterator.BoundingBox(RIL.BLOCK), 0, int(iterator.BlockType())
        lines += 1
        if not iterator.Next(RIL.TEXTLINE):
            break
    if box is not None:
        blocks.append(_layout_block(box, lines, block_type))
    return blocks


def _layout_block(box: Box, lines: int, block_type: int) -> LayoutBlock:
    return LayoutBlock(box=box, lines=lines, is_text=block_type in _TEXT_BLOCK_TYPES)


def read_words(iterator: Any) -> list[TessWord]:
    """Words of a ``PyResultIterator`` after ``Recognize``, numbered by paragraph and line."""
    from tesserocr import RIL

    words: list[TessWord] = []
    if iterator is None or iterator.Empty(RIL.WORD):
        return words
    paragraph = line = -1
    line_box: Box = (0, 0, 0, 0)
    while True:
        if iterator.IsAtBeginningOf(RIL.PARA):
            paragraph += 1
        if iterator.IsAtBeginningOf(RIL.TEXTLINE):
            line += 1
            line_box = iterator.BoundingBox(RIL.TEXTLINE)
        text = (iterator.GetUTF8Text(RIL.WORD) or "").strip()
        box = iterator.BoundingBox(RIL.WORD)
        if text and box is not None:
            words.append(TessWord(text, box, iterator.Confidence(RIL.WORD), paragraph, line, line_box or box))
        if not iterator.Next(RIL.WORD):
            break
    return words


# --- the engine --------------------------------------------------------------------------------


class TesseractEngine(Engine):
    name = "tesseract"
    description = "Tesseract 5 (LSTM), local, CPU; words, lines and blocks with confidences."
    Options = TesseractOptions

    def __init__(self, options: EngineOptions, settings: Settings) -> None:
        super().__init__(options, settings)
        self.options: TesseractOptions
        tessdata = settings.resolved_tessdata
        if tessdata is None:
            raise EngineUnavailable("no Tesseract language data found; set OCROPS_TESSDATA")
        self.tessdata: Path = tessdata
        self._installed = installed_languages(tessdata)
        if self.options.lang:
            self._check_languages(self.options.lang)

    @classmethod
    def probe(cls, settings: Settings) -> EngineStatus:
        try:
            version = tesseract_version()
        except Exception as exc:  # ImportError, or a broken libtesseract
            return EngineStatus(cls.name, False, reason=f"tesserocr cannot be loaded: {exc}")
        tessdata = settings.resolved_tessdata
        languages = [lang for lang in installed_languages(tessdata) if lang != "osd"] if tessdata else []
        if not languages:
            return EngineStatus(
                cls.name, False, version, reason="no Tesseract language data (*.traineddata) found"
            )
        return EngineStatus(
            cls.name, True, version, description=f"{cls.description} Languages: {', '.join(languages)}."
        )

    def _check_languages(self, lang: str) -> None:
        missing = [code for code in lang.split("+") if code not in self._installed]
        if missing:
            raise BadParameter(
                f"Tesseract language {'+'.join(missing)!r} is not installed in {self.tessdata}; "
                f"installed: {', '.join(self._installed) or 'none'}"
            )

    def _language_for(self, page: PageInput) -> str:
        if self.options.lang:
            return self.options.lang
        lang = "+".join(page.languages) or "eng"
        self._check_languages(lang)
        return lang

    def recognise(self, page: PageInput) -> EngineOutput:
        lang = self._language_for(page)
        image = _tesseract_image(page.image())
        with tesseract_api(self.tessdata, lang, self.options.oem) as api:
            for variable, default in VARIABLE_DEFAULTS.items():
                api.SetVariable(variable, self.options.config.get(variable, default))
            self._segment(api, image, page.dpi)
            if not api.Recognize():
                raise EngineFailed(f"Tesseract failed to recognise page {page.number}")
            words = read_words(api.GetIterator())
        return EngineOutput(blocks=blocks_from_words(words))

    def _segment(self, api: Any, image: Image.Image, dpi: float) -> int:
        """Set the image and page segmentation mode; return the PSM used."""
        if self.options.psm != "auto":
            api.SetPageSegMode(self.options.psm)
            _set_image(api, image, dpi)
            return int(self.options.psm)
        api.SetPageSegMode(PSM_AUTO)
        _set_image(api, image, dpi)
        if has_text_columns(read_layout(api.AnalyseLayout())):
            return PSM_AUTO  # Recognize() reuses the layout just analysed
        api.SetPageSegMode(PSM_SINGLE_BLOCK)
        _set_image(api, image, dpi)  # setting the image again drops the PSM 3 layout
        return PSM_SINGLE_BLOCK


def _tesseract_image(image: Image.Image) -> Image.Image:
    return image if image.mode in ("1", "L", "RGB") else image.convert("RGB")


def _set_image(api: Any, image: Image.Image, dpi: float) -> None:
    try:
        api.SetImage(image)
    except RuntimeError as exc:
        raise EngineFailed(f"Tesseract could not take the page image: {exc}") from None
    if dpi > 0:
        api.SetSourceResolution(round(dpi))
