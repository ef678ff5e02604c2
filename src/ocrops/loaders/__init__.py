"""Loaders: one module per input format. ``open_document`` detects the format by content."""

from ocrops.loaders.base import EmbeddedImage, LoadedDocument, Loader, LoadOptions, Source, SourcePage
from ocrops.loaders.registry import LOADERS, detect, open_document

__all__ = [
    "LOADERS",
    "EmbeddedImage",
    "LoadOptions",
    "LoadedDocument",
    "Loader",
    "Source",
    "SourcePage",
    "detect",
    "open_document",
]
