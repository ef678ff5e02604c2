"""A plugin for the Celery tests: the ``recorded`` engine, registered in ``ENGINES`` on import.

Worker processes import it through ``OCROPS_PLUGINS=tests.integration.celery_plugin`` (the real
plugin mechanism). It renders the page image (real work), sleeps ``delay_s`` (a page that takes a
while, so a worker can be killed in the middle of a job), and appends ``<tag> <page> <pid>`` to
the file named by ``OCROPS_TEST_RECORD``: which process recognised which page of which job.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from ocrops.engines import ENGINES, Engine, EngineOptions, EngineOutput, EngineStatus, PageInput
from ocrops.model import BBox, Line, Word

RECORD_ENV = "OCROPS_TEST_RECORD"


class RecordedOptions(EngineOptions):
    tag: str = ""  # different tags: different options keys (no deduplication between jobs)
    delay_s: float = 0.0


class RecordedEngine(Engine):
    name = "recorded"
    description = "Test engine: says 'Recorded page N of TAG', records every call."
    Options = RecordedOptions

    @classmethod
    def probe(cls, settings: object) -> EngineStatus:
        return EngineStatus(name=cls.name, available=True, version="1.0")

    def recognise(self, page: PageInput) -> EngineOutput:
        options: RecordedOptions = self.options  # type: ignore[assignment]
        width, _ = page.image().size
        record = os.environ.get(RECORD_ENV)
        if record:
            with open(record, "a", encoding="utf-8") as fh:  # one short append: atomic enough
                fh.write(f"{options.tag} {page.number} {os.getpid()}\n")
        time.sleep(options.delay_s)
        texts = ["Recorded", "page", str(page.number), "of", options.tag or "-", f"w{width}"]
        words = [
            Word(text=t, bbox=BBox(x0=100 + 80 * i, y0=400, x1=170 + 80 * i, y1=420))
            for i, t in enumerate(texts)
        ]
        return EngineOutput(lines=[Line(words=words)])


def read_record(path: str | os.PathLike[str]) -> list[tuple[str, int, int]]:
    """The recorded calls: (tag, page, pid)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    calls = []
    for line in lines:
        tag, page, pid = line.split()
        calls.append((tag, int(page), int(pid)))
    return calls


if "recorded" not in ENGINES:
    ENGINES.register("recorded", RecordedEngine)
