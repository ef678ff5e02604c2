"""OCROPS_PLUGINS: an engine in a plugin module registers through the real registry."""

from __future__ import annotations

import sys

import pytest

import ocrops
from ocrops.engines import ENGINES
from ocrops.errors import ConfigError
from ocrops.settings import load_settings

PLUGIN = """
from ocrops.engines import ENGINES, Engine, EngineOptions, EngineOutput, EngineStatus
from ocrops.model import Line, Word


class EchoOptions(EngineOptions):
    text: str = "plugged in"


class EchoEngine(Engine):
    name = "echo"
    Options = EchoOptions

    @classmethod
    def probe(cls, settings):
        return EngineStatus(cls.name, True, "1.0")

    def recognise(self, page):
        return EngineOutput(lines=[Line(words=[Word(text=self.options.text)])])


ENGINES.register("echo", EchoEngine)
"""


def test_plugin_engine_converts_through_the_python_api(tmp_path, monkeypatch):
    (tmp_path / "ocrops_echo_plugin.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    settings = load_settings(home=tmp_path / "home", plugins="ocrops_echo_plugin")
    png = tmp_path / "page.png"
    from tests import docgen

    docgen.text_image("anything", size=(300, 100)).save(png)
    try:
        doc = ocrops.convert(png, engine="echo", settings=settings, workers=1, text="hello plugin")
        assert doc.text == "hello plugin"
    finally:
        ENGINES.unregister("echo")
        sys.modules.pop("ocrops_echo_plugin", None)


def test_missing_plugin_is_a_config_error(tmp_path):
    settings = load_settings(home=tmp_path, plugins="no_such_ocrops_plugin")
    with pytest.raises(ConfigError, match="no_such_ocrops_plugin"):
        ocrops.convert(b"%PDF-1.4", settings=settings)
