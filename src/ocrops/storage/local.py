"""Blobs in a local folder (the default). Writes go to a temporary file first, then ``os.replace``."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ocrops.errors import ConfigError, NotFound
from ocrops.storage.base import BlobStorage, check_key


class LocalStorage(BlobStorage):
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()

    @classmethod
    def from_url(cls, url: str) -> LocalStorage:
        """``file:///abs/path`` or ``file://relative/path``."""
        return cls(url.removeprefix("file://"))

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def put(self, key: str, data: bytes | BinaryIO, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".put-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                if isinstance(data, bytes | bytearray | memoryview):
                    fh.write(data)
                else:
                    shutil.copyfileobj(data, fh, 1 << 20)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(f"no stored object {key!r}") from None

    @contextmanager
    def open_local(self, key: str) -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"no stored object {key!r}")
        yield path

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        for parent in path.parents:  # prune empty folders up to the root
            if parent == self.root or not parent.is_relative_to(self.root):
                break
            try:
                parent.rmdir()
            except OSError:
                break

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".check-"):
                pass
        except OSError as exc:
            raise ConfigError(f"storage folder {self.root} is not writable: {exc.strerror or exc}") from None

    def describe(self) -> str:
        return f"file://{self.root}"
