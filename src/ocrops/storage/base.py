"""The blob storage contract: uploads, page images and results behind one small interface.

Keys are ``/``-separated relative paths (``{tenant}/documents/{id}/source``); the helpers below
build every key the service uses, so the layout lives in one place.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO

from ocrops.errors import BadParameter

_KEY_PART = re.compile(r"^[A-Za-z0-9._=-]+$")


class BlobStorage(ABC):
    """Whole-object storage. Implementations are thread-safe."""

    @abstractmethod
    def put(self, key: str, data: bytes | BinaryIO, content_type: str = "application/octet-stream") -> None:
        """Store ``data`` under ``key``, replacing what was there (atomically: readers see old or new)."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The object's bytes; NotFound when there is none."""

    @abstractmethod
    def open_local(self, key: str) -> AbstractContextManager[Path]:
        """A local file holding the object (the file itself, or a temporary download removed on exit)."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; no error when it is missing."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def check(self) -> None:
        """Readiness: raise an OcropsError (ServiceUnavailable, ConfigError) when the store is unusable."""

    def describe(self) -> str:
        return type(self).__name__


def check_key(key: str) -> str:
    """Refuse keys that could escape the store: empty parts, ``..``, odd characters."""
    parts = key.split("/")
    if not key or any(part in {"", ".", ".."} or not _KEY_PART.match(part) for part in parts):
        raise BadParameter(f"invalid storage key {key!r}")
    return key


def source_key(tenant_id: str, document_id: str) -> str:
    return f"{tenant_id}/documents/{document_id}/source"


def page_image_key(tenant_id: str, document_id: str, page: int) -> str:
    return f"{tenant_id}/documents/{document_id}/pages/{page}.png"


def result_key(tenant_id: str, job_id: str) -> str:
    return f"{tenant_id}/jobs/{job_id}/document.json"
