"""The engine registry. Adding an engine is one module plus one line here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ocrops._registry import LazyRegistry
from ocrops.engines.base import Engine, EngineOptions, EngineStatus
from ocrops.errors import BadParameter, EngineUnavailable

if TYPE_CHECKING:
    from ocrops.settings import Settings

ENGINES: LazyRegistry[type[Engine]] = LazyRegistry(
    "engine",
    {
        "auto": "ocrops.engines.auto:AutoEngine",
        "pdftext": "ocrops.engines.pdftext:PdfTextEngine",
        "tesseract": "ocrops.engines.tesseract:TesseractEngine",
        "rapidocr": "ocrops.engines.rapidocr:RapidOcrEngine",
    },
)


def engine_class(name: str) -> type[Engine]:
    if name not in ENGINES:
        raise BadParameter(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES.names())}")
    return ENGINES.get(name)


def parse_options(name: str, options: dict[str, Any] | EngineOptions | None) -> EngineOptions:
    cls = engine_class(name)
    if isinstance(options, cls.Options):
        return options
    try:
        return cls.Options.model_validate(options or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in exc.errors())
        raise BadParameter(f"invalid options for engine {name!r}: {problems}") from None


def create_engine(name: str, options: dict[str, Any] | EngineOptions | None, settings: Settings) -> Engine:
    cls = engine_class(name)
    parsed = parse_options(name, options)
    status = cls.probe(settings)
    if not status.available:
        raise EngineUnavailable(f"engine {name!r} is not available here: {status.reason}")
    return cls(parsed, settings)


def engine_statuses(settings: Settings) -> list[tuple[EngineStatus, dict[str, Any]]]:
    """Every registered engine, whether it runs here, and its options' JSON Schema."""
    rows = []
    for name in ENGINES:
        try:
            cls = ENGINES.get(name)
            status = cls.probe(settings)
            schema = cls.Options.model_json_schema()
        except Exception as exc:  # a broken plugin must not break the listing
            status, schema = EngineStatus(name=name, available=False, reason=str(exc)), {}
        status.description = status.description or getattr(cls, "description", "")
        rows.append((status, schema))
    return rows
