"""How to call Tesseract: one ``PyTessBaseAPI`` per (tessdata, languages, OEM) per process.

Initialising Tesseract loads the language models (tenths of a second and tens of MB), so an
API is created once per worker process and reused for every page; all are ended at exit.
The engine module decides *what* to run; this module only knows *how*.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ocrops.errors import EngineUnavailable

_apis: dict[tuple[str, str, int], tuple[Any, threading.Lock]] = {}
_cache_lock = threading.Lock()


def installed_languages(tessdata: Path) -> list[str]:
    """Language codes with a ``.traineddata`` file in ``tessdata``, sorted; cheap (a directory listing)."""
    return sorted(path.name.removesuffix(".traineddata") for path in tessdata.glob("*.traineddata"))


def _tesserocr() -> Any:
    # Tesseract's OpenMP threads (where it is built with OpenMP) would fight the pipeline's
    # worker processes for cores; the limit must be set before libtesseract loads.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    import tesserocr

    return tesserocr


def tesseract_version() -> str:
    """The libtesseract version tesserocr was built with, e.g. ``5.5.4``."""
    return _tesserocr().tesseract_version().split()[1]


def _create_api(tessdata: Path, lang: str, oem: int) -> Any:
    tesserocr = _tesserocr()
    try:
        # tesserocr needs the trailing separator to treat ``path`` as the tessdata folder.
        return tesserocr.PyTessBaseAPI(path=f"{tessdata}{os.sep}", lang=lang, oem=oem)
    except RuntimeError as exc:
        hint = (
            " (OEM 0 and 2 need legacy models, which LSTM-only language data lacks)" if oem in (0, 2) else ""
        )
        raise EngineUnavailable(
            f"Tesseract could not load language {lang!r} with OEM {oem} from {tessdata}{hint}: {exc}"
        ) from None


@contextmanager
def tesseract_api(tessdata: Path, lang: str, oem: int) -> Iterator[Any]:
    """The process's cached API for these settings, held exclusively while the block runs."""
    key = (str(tessdata), lang, oem)
    with _cache_lock:
        if key not in _apis:
            _apis[key] = (_create_api(tessdata, lang, oem), threading.Lock())
        api, api_lock = _apis[key]
    with api_lock:
        yield api


def close_all() -> None:
    """End every cached API (registered at exit; workers may call it on shutdown)."""
    with _cache_lock:
        entries = list(_apis.values())
        _apis.clear()
    for api, api_lock in entries:
        with api_lock:
            api.End()


atexit.register(close_all)
