"""A no-op engine for the service benchmarks: every page says "noop", at once.

Registered in ``ENGINES`` on import. Celery workers import it through the plugin setting::

    PYTHONPATH=benchmarks OCROPS_PLUGINS=noop_engine ocrops worker
"""

from __future__ import annotations

from ocrops.engines import ENGINES, Engine, EngineOptions, EngineOutput, EngineStatus, PageInput
from ocrops.model import BBox, Line, Word


class NoopEngine(Engine):
    name = "noop"
    description = "Benchmark engine: one word per page, no work."
    Options = EngineOptions

    @classmethod
    def probe(cls, settings: object) -> EngineStatus:
        return EngineStatus(name=cls.name, available=True, version="1.0")

    def recognise(self, page: PageInput) -> EngineOutput:
        return EngineOutput(lines=[Line(words=[Word(text="noop", bbox=BBox(x0=1, y0=1, x1=9, y1=9))])])


if "noop" not in ENGINES:
    ENGINES.register("noop", NoopEngine)
