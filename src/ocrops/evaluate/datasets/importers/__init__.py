"""Importers: one module per public dataset format, looked up by name in ``IMPORTERS``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocrops._registry import LazyRegistry
from ocrops.errors import BadParameter
from ocrops.evaluate.datasets.importers.base import Importer, ImporterOptions
from ocrops.evaluate.datasets.manifest import Dataset

IMPORTERS: LazyRegistry[type[Importer]] = LazyRegistry(
    "dataset importer",
    {
        "pairs": "ocrops.evaluate.datasets.importers.pairs:PairsImporter",
        "sroie": "ocrops.evaluate.datasets.importers.sroie:SroieImporter",
        "omnidocbench": "ocrops.evaluate.datasets.importers.omnidocbench:OmniDocBenchImporter",
        "olmocr-bench": "ocrops.evaluate.datasets.importers.olmocr_bench:OlmOcrBenchImporter",
        "pubtabnet": "ocrops.evaluate.datasets.importers.pubtabnet:PubTabNetImporter",
    },
)


def importer_class(name: str) -> type[Importer]:
    if name not in IMPORTERS:
        raise BadParameter(f"unknown dataset format {name!r}; choose one of: {', '.join(IMPORTERS.names())}")
    return IMPORTERS.get(name)


def import_dataset(
    format: str,
    source: str | Path,
    dest: str | Path | None = None,
    *,
    copy: bool = False,
    overwrite: bool = False,
    **opts: Any,
) -> Dataset:
    """Import ``source`` (a folder in ``format``) into a dataset saved at ``dest``."""
    return importer_class(format)().import_dataset(source, dest, copy=copy, overwrite=overwrite, **opts)


__all__ = ["IMPORTERS", "Importer", "ImporterOptions", "import_dataset", "importer_class"]
