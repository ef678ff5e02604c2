"""A worker process that dies (a native crash in an engine) costs its page, not the batch."""

from __future__ import annotations

import sys

import ocrops
from ocrops.engines import ENGINES
from ocrops.settings import load_settings
from tests import docgen

POISON_PLUGIN = '''
import multiprocessing, os
from ocrops.engines import ENGINES, Engine, EngineOptions, EngineOutput, EngineStatus
from ocrops.model import Line, Word


class PoisonOptions(EngineOptions):
    poison_page: int = 0


class PoisonEngine(Engine):
    """Kills its worker process on one page, every time (never in the parent process)."""

    name = "poison"
    Options = PoisonOptions

    @classmethod
    def probe(cls, settings):
        return EngineStatus(cls.name, True, "1.0")

    def recognise(self, page):
        if page.number == self.options.poison_page and multiprocessing.parent_process() is not None:
            os._exit(70)
        return EngineOutput(lines=[Line(words=[Word(text=f"page{page.number}")])])


ENGINES.register("poison", PoisonEngine)
'''


def test_a_page_that_kills_its_worker_is_an_error_page_and_the_rest_succeed(tmp_path, monkeypatch):
    (tmp_path / "ocrops_poison_plugin.py").write_text(POISON_PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    tiff = tmp_path / "four.tiff"
    docgen.multipage_tiff(tiff, pages=4)
    settings = load_settings(home=tmp_path / "home", plugins="ocrops_poison_plugin", cache=False)
    try:
        doc = ocrops.convert(tiff, engine="poison", settings=settings, workers=2, poison_page=3)
    finally:
        ENGINES.unregister("poison")
        sys.modules.pop("ocrops_poison_plugin", None)
    assert doc.status == "partial"
    assert [p.status for p in doc.pages] == ["ok", "ok", "error", "ok"]
    assert "worker process" in doc.pages[2].error
    assert [p.text for p in doc.pages if p.status == "ok"] == ["page1", "page2", "page4"]
