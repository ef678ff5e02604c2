"""Shared CLI helpers: settings, engine options from ``-O key=value``."""

from __future__ import annotations

import json
from typing import Any

from ocrops.errors import BadParameter
from ocrops.settings import Settings, load_settings

_settings: Settings | None = None


def cli_settings() -> Settings:
    """Settings are built once per CLI process, from OCROPS_* variables."""
    global _settings
    if _settings is None:
        _settings = load_settings()
    return _settings


def parse_key_values(pairs: list[str] | None) -> dict[str, Any]:
    """['psm=6', 'use_cls=true', 'ocr_options={"psm": 6}'] -> a dict; values parsed as JSON when they are."""
    result: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise BadParameter(f"engine option {pair!r} must look like KEY=VALUE")
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        result[key.strip()] = value
    return result
