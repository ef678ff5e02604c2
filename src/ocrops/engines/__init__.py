"""OCR engines: one contract (``Engine``), one registry (``ENGINES``)."""

from ocrops.engines.base import Engine, EngineOptions, EngineOutput, EngineStatus, PageInput, options_hash
from ocrops.engines.registry import ENGINES, create_engine, engine_class, engine_statuses, parse_options

__all__ = [
    "ENGINES",
    "Engine",
    "EngineOptions",
    "EngineOutput",
    "EngineStatus",
    "PageInput",
    "create_engine",
    "engine_class",
    "engine_statuses",
    "options_hash",
    "parse_options",
]
