"""A plugin for the page-pool tests: the ``crashing`` engine, registered in ``ENGINES`` on import.

In a worker process (never in the test process itself) it kills that process on the first page
it sees while the file named by its ``marker`` option does not exist, creating the file first:
a page process dying mid-job (a native crash, the OOM killer); the job's next attempt succeeds.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from ocrops.engines import ENGINES, Engine, EngineOptions, EngineOutput, EngineStatus, PageInput
from ocrops.model import BBox, Line, Word


class CrashingOptions(EngineOptions):
    marker: str = ""


class CrashingEngine(Engine):
    name = "crashing"
    description = "Test engine: kills its worker process once (see the marker option)."
    Options = CrashingOptions

    @classmethod
    def probe(cls, settings: object) -> EngineStatus:
        return EngineStatus(name=cls.name, available=True, version="1.0")

    def recognise(self, page: PageInput) -> EngineOutput:
        options: CrashingOptions = self.options  # type: ignore[assignment]
        marker = Path(options.marker) if options.marker else None
        if marker is not None and not marker.exists() and multiprocessing.parent_process() is not None:
            marker.touch()
            os._exit(70)  # no cleanup, no exception: the pool sees a dead process
        word = Word(text=f"survived{page.number}", bbox=BBox(x0=10, y0=10, x1=90, y1=30))
        return EngineOutput(lines=[Line(words=[word])])


if "crashing" not in ENGINES:
    ENGINES.register("crashing", CrashingEngine)
