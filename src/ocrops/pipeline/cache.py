"""On-disk page-result cache keyed by (content SHA-256, page, conversion options hash)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from ocrops.model import Page


class PageCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str, page: int, options_key: str) -> Path:
        return self.root / sha256[:2] / sha256 / f"p{page:05d}-{options_key}.json"

    def get(self, sha256: str, page: int, options_key: str) -> Page | None:
        path = self._path(sha256, page, options_key)
        try:
            return Page.model_validate_json(path.read_bytes())
        except (FileNotFoundError, ValidationError, ValueError):
            return None  # missing or written by an incompatible version: recompute

    def put(self, sha256: str, page: int, options_key: str, result: Page) -> None:
        path = self._path(sha256, page, options_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(result.model_dump_json().encode())
            os.replace(tmp, path)  # atomic: readers never see half a file
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
