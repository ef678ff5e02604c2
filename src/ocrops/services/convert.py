"""Conversion use cases: one document (Python API, sync API route) or many (CLI batch)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ocrops.engines import parse_options
from ocrops.errors import BadParameter, InputError, NotFound, OcropsError
from ocrops.loaders import Source
from ocrops.model import Document
from ocrops.pipeline import Converter, ConvertOptions, FileResult
from ocrops.pipeline.converter import FileCallback, PageCallback
from ocrops.settings import Settings, load_settings


def build_options(
    settings: Settings,
    *,
    engine: str | None = None,
    engine_options: dict[str, Any] | None = None,
    pages: str | None = None,
    languages: str | Sequence[str] | None = None,
    dpi: int | None = None,
    password: str | None = None,
    preprocess: dict[str, Any] | None = None,
) -> ConvertOptions:
    """Validate user-facing parameters into ConvertOptions (BadParameter on any mistake).

    ``preprocess`` holds PreprocessOptions fields; ``{"off": True}`` turns every correction off.
    """
    from pydantic import ValidationError

    from ocrops.plugins import import_plugins

    import_plugins(settings)  # so engines from OCROPS_PLUGINS are known when options are validated
    name = (engine or settings.default_engine).strip().lower()
    parsed = parse_options(name, engine_options or {})  # unknown engine / option -> BadParameter
    try:
        return ConvertOptions(
            engine=name,
            engine_options=parsed.model_dump(mode="json", exclude_defaults=True),
            pages=pages,
            languages=languages or ("eng",),
            dpi=dpi or settings.dpi,
            password=password,
            preprocess=_preprocess_options(preprocess),
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise BadParameter(problems) from None


NO_PREPROCESSING = {"orientation": "off", "deskew": False, "denoise": "off", "upscale": False}


def _preprocess_options(preprocess: dict[str, Any] | None) -> dict[str, Any]:
    values = dict(preprocess or {})
    if values.pop("off", False):
        values = {**NO_PREPROCESSING, **values}
    return values


@contextmanager
def materialise(item: str | Path | bytes, name: str | None = None) -> Iterator[Source]:
    """A Source on disk for a path, bytes, or '-' (stdin); temporary files are removed after use."""
    if isinstance(item, (str, Path)) and str(item) != "-":
        path = Path(item)
        if not path.exists():
            raise NotFound(f"no such file: {path}")
        if path.is_dir():
            raise InputError(f"{path} is a folder, not a document")
        yield Source(path=path, name=name or path.name)
        return
    if not isinstance(item, bytes):
        import sys

        item = sys.stdin.buffer.read()
    with tempfile.NamedTemporaryFile(prefix="ocrops-", suffix=".bin") as fh:
        fh.write(item)
        fh.flush()
        yield Source(path=Path(fh.name), name=name or "stdin")


def convert_sources(
    sources: Iterable[Source],
    options: ConvertOptions,
    settings: Settings,
    *,
    workers: int | None = None,
    cache: bool | None = None,
    on_page: PageCallback | None = None,
    on_file: FileCallback | None = None,
) -> Iterator[FileResult]:
    converter = Converter(options, settings, workers=workers, use_cache=cache)
    yield from converter.run(sources, on_page=on_page, on_file=on_file)


def convert_one(
    source: str | Path | bytes,
    *,
    engine: str | None = None,
    engine_options: dict[str, Any] | None = None,
    pages: str | None = None,
    languages: str | Sequence[str] | None = None,
    dpi: int | None = None,
    password: str | None = None,
    workers: int | None = None,
    cache: bool | None = None,
    settings: Settings | None = None,
    name: str | None = None,
    preprocess: dict[str, Any] | None = None,
) -> Document:
    """Convert one document; raise its OcropsError if it cannot be opened at all."""
    settings = settings or load_settings()
    options = build_options(
        settings,
        engine=engine,
        engine_options=engine_options,
        pages=pages,
        languages=languages,
        dpi=dpi,
        password=password,
        preprocess=preprocess,
    )
    with materialise(source, name) as src:
        result = next(convert_sources([src], options, settings, workers=workers, cache=cache))
    if result.error is not None:
        raise result.error
    assert result.document is not None
    return result.document


__all__ = ["OcropsError", "build_options", "convert_one", "convert_sources", "materialise"]
