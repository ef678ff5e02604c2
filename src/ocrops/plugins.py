"""Plugins: modules named by ``OCROPS_PLUGINS`` are imported at start-up by every process that runs
pages (``ocrops convert`` workers, ``ocrops serve``, ``ocrops worker``); an engine module registers
itself on import with ``ocrops.engines.ENGINES.register(name, EngineClass)``."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ocrops.errors import ConfigError

if TYPE_CHECKING:
    from ocrops.settings import Settings


def plugin_modules(settings: Settings) -> list[str]:
    return [name.strip() for name in settings.plugins.split(",") if name.strip()]


def import_plugins(settings: Settings) -> list[str]:
    """Import the plugin modules (once each: Python caches imports); ConfigError if one is missing."""
    names = plugin_modules(settings)
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ConfigError(f"cannot import plugin {name!r} (OCROPS_PLUGINS): {exc}") from None
    return names
