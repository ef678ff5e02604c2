"""PP-OCR through RapidOCR 3.x on onnxruntime: text lines with word boxes and confidences.

Returns lines; the pipeline's layout groups them into blocks and columns. The 180° text-line
classifier is off by default: on upright pages it flipped good lines into garbage.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import Field

from ocrops.engines._exec.rapidocr_runtime import (
    RuntimeConfig,
    check_models,
    model_paths,
    rapidocr_instance,
    rapidocr_version,
    run,
)
from ocrops.engines.base import Engine, EngineOptions, EngineOutput, EngineStatus, PageInput
from ocrops.errors import EngineUnavailable
from ocrops.model import BBox, Line, Word

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ocrops.settings import Settings

Piece = tuple[str, float, Any]  # RapidOCR's word result: text, score, 4-point box


class RapidOcrOptions(EngineOptions):
    use_cls: bool = Field(False, description="Run the 180° text-line classifier (for upside-down lines).")
    text_score: float = Field(0.5, ge=0.0, le=1.0, description="Drop lines recognised with a lower score.")
    det_limit_side_len: int = Field(
        736, ge=32, le=4096, description="Detection input: the shorter side is scaled to at least this."
    )
    max_side_len: int = Field(
        2000, ge=256, le=8192, description="Larger images are scaled down to this first."
    )


# --- pure conversions --------------------------------------------------------------------------


def _clipped_box(points: Any, width: float, height: float) -> BBox:
    """The axis-aligned box around a quadrilateral, clipped to the image."""
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    x0, x1 = min(max(min(xs), 0.0), width), min(max(max(xs), 0.0), width)
    y0, y1 = min(max(min(ys), 0.0), height), min(max(max(ys), 0.0), height)
    return BBox(x0=x0, y0=y0, x1=x1, y1=y1)


def _score(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


def apportioned_words(text: str, box: BBox, confidence: float) -> list[Word]:
    """Split a line's text on whitespace; each word gets the share of the box its characters span."""
    if not text:
        return []
    step = box.width / len(text)
    return [
        Word(
            text=match.group(),
            bbox=BBox(x0=box.x0 + match.start() * step, y0=box.y0, x1=box.x0 + match.end() * step, y1=box.y1),
            confidence=confidence,
        )
        for match in re.finditer(r"\S+", text)
    ]


def group_pieces(tokens: list[str], pieces: Sequence[Piece]) -> list[list[Piece]] | None:
    """Assign RapidOCR's word pieces (words, or single CJK characters) to whitespace tokens.

    Returns one group of pieces per token, or None when the pieces do not spell the tokens.
    """
    pieces = [p for p in pieces if p[0].strip()]
    groups: list[list[Piece]] = []
    index = 0
    for token in tokens:
        spelled, group = "", []
        while index < len(pieces) and len(spelled) < len(token):
            spelled += pieces[index][0].replace(" ", "")
            group.append(pieces[index])
            index += 1
        if spelled != token:
            return None
        groups.append(group)
    return groups if index == len(pieces) else None


def line_from_rapidocr(
    points: Any, text: str, score: float, pieces: Sequence[Piece] | None, width: float, height: float
) -> Line:
    """One RapidOCR text line as a Line; word boxes from its pieces when they spell the text."""
    box = _clipped_box(points, width, height)
    confidence = _score(score)
    tokens = text.split()
    groups = group_pieces(tokens, pieces) if pieces else None
    if groups is None:
        words = apportioned_words(" ".join(tokens), box, confidence)
    else:
        words = [
            Word(
                text=token,
                bbox=BBox.enclosing([_clipped_box(p[2], width, height) for p in group]),
                confidence=_score(sum(p[1] for p in group) / len(group)),
            )
            for token, group in zip(tokens, groups, strict=True)
        ]
    return Line(words=words, bbox=box, confidence=confidence)


def lines_from_rapidocr(
    boxes: Any,
    texts: Sequence[str] | None,
    scores: Sequence[float] | None,
    word_results: Any,
    width: float,
    height: float,
) -> list[Line]:
    """All lines of a RapidOCR result (empty when it found nothing)."""
    if boxes is None or texts is None or scores is None:
        return []
    # RapidOCR drops lines without word boxes from word_results, which then no longer align.
    pieces = list(word_results) if word_results is not None and len(word_results) == len(texts) else None
    lines = []
    for i, (points, text, score) in enumerate(zip(boxes, texts, scores, strict=True)):
        if text.strip():
            lines.append(
                line_from_rapidocr(points, text, score, pieces[i] if pieces else None, width, height)
            )
    return lines


# --- the engine --------------------------------------------------------------------------------


class RapidOcrEngine(Engine):
    name = "rapidocr"
    description = "PP-OCRv6 (RapidOCR, onnxruntime), local, CPU; strong on receipts and photos, Chinese too."
    Options = RapidOcrOptions

    @classmethod
    def probe(cls, settings: Settings) -> EngineStatus:
        try:
            version = rapidocr_version()
            check_models(model_paths())
        except EngineUnavailable as exc:
            return EngineStatus(cls.name, False, reason=exc.message)
        except Exception as exc:  # PackageNotFoundError and the like
            return EngineStatus(cls.name, False, reason=f"rapidocr is not installed: {exc}")
        return EngineStatus(cls.name, True, version)

    def recognise(self, page: PageInput) -> EngineOutput:
        options: RapidOcrOptions = self.options  # type: ignore[assignment]
        image = page.image()
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        config = RuntimeConfig(
            det_limit_side_len=options.det_limit_side_len, max_side_len=options.max_side_len
        )
        with rapidocr_instance(config) as instance:
            result = run(instance, image, use_cls=options.use_cls, text_score=options.text_score)
        lines = lines_from_rapidocr(
            getattr(result, "boxes", None),
            getattr(result, "txts", None),
            getattr(result, "scores", None),
            getattr(result, "word_results", None),
            image.width,
            image.height,
        )
        return EngineOutput(lines=lines)
