"""ocrops: self-hosted document OCR. ``ocrops.convert`` is the Python API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pathlib import Path

    from ocrops.model import Document
    from ocrops.settings import Settings


def convert(
    source: str | Path | bytes,
    engine: str | None = None,
    *,
    pages: str | None = None,
    languages: str | list[str] | None = None,
    dpi: int | None = None,
    password: str | None = None,
    workers: int | None = None,
    cache: bool | None = None,
    settings: Settings | None = None,
    preprocess: dict[str, Any] | None = None,
    **engine_options: Any,
) -> Document:
    """Convert one document (a path or its bytes) into a :class:`~ocrops.model.Document`.

    The same code path as ``ocrops convert``. Engine options are keyword arguments,
    validated against the engine's options model; ``preprocess`` takes PreprocessOptions
    fields (``{"off": True}`` turns every correction off).
    """
    from ocrops.services.convert import convert_one

    return convert_one(
        source,
        engine=engine,
        engine_options=engine_options,
        pages=pages,
        languages=languages,
        dpi=dpi,
        password=password,
        workers=workers,
        cache=cache,
        settings=settings,
        preprocess=preprocess,
    )


__all__ = ["__version__", "convert"]
