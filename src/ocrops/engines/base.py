"""The engine contract. An engine turns one page into lines/blocks (and optionally Markdown).

Each engine owns a pydantic options model; the CLI flags, API body and UI form come from it.
Heavy libraries are imported inside the engine, never at module import.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict

from ocrops.model import Block, EngineInfo, GroundingBox, Line, QualityWarning

if TYPE_CHECKING:
    from PIL import Image

    from ocrops.settings import Settings


class EngineOptions(BaseModel):
    """Base of every engine's options. Unknown options are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass
class EngineStatus:
    name: str
    available: bool
    version: str = ""
    reason: str = ""
    description: str = ""


@dataclass
class PageInput:
    """What an engine sees of a page. ``image()`` and ``text_layer()`` are lazy and cached by the pipeline."""

    number: int
    dpi: float
    image: Callable[[], Image.Image]
    text_layer: Callable[[], list[Line] | None] = lambda: None
    languages: tuple[str, ...] = ("eng",)
    warnings: list[QualityWarning] = field(default_factory=list)


@dataclass
class EngineOutput:
    """Either ``blocks`` (the engine did layout) or ``lines`` (the pipeline groups and orders them)."""

    lines: list[Line] | None = None
    blocks: list[Block] | None = None
    markdown: str | None = None
    grounding: list[GroundingBox] = field(default_factory=list)
    route: str | None = None  # routing engines say which engine ran
    version: str | None = None  # when the route's version differs from the engine's


class Engine(ABC):
    name: ClassVar[str]
    description: ClassVar[str] = ""
    Options: ClassVar[type[EngineOptions]] = EngineOptions

    def __init__(self, options: EngineOptions, settings: Settings) -> None:
        self.options = options
        self.settings = settings

    @classmethod
    @abstractmethod
    def probe(cls, settings: Settings) -> EngineStatus:
        """Whether the engine can run here, and its version. Must be cheap and never raise."""

    @abstractmethod
    def recognise(self, page: PageInput) -> EngineOutput: ...

    def version(self) -> str:
        return self.probe(self.settings).version

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release native resources (called when a worker shuts down)."""

    def info(self) -> EngineInfo:
        """Name, version and options hash: fixed for an engine instance (options are frozen), so
        computed once (probing globs language data) and handed out as a copy for every page."""
        cached: EngineInfo | None = self.__dict__.get("_info")
        if cached is None:
            cached = self.__dict__["_info"] = EngineInfo(
                name=self.name,
                version=self.version(),
                options_hash=options_hash(self.name, self.options),
                options=self.options.model_dump(mode="json"),
            )
        return cached.model_copy(deep=True)


def options_hash(engine_name: str, options: BaseModel) -> str:
    from ocrops.preprocess import PREPROCESS_VERSION

    payload = json.dumps(
        {"engine": engine_name, "options": options.model_dump(mode="json"), "preprocess": PREPROCESS_VERSION},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
