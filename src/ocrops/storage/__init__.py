"""Blob storage: a local folder by default, S3-compatible object storage at scale."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlparse

from ocrops.errors import ConfigError
from ocrops.storage.base import BlobStorage, check_key, page_image_key, result_key, source_key

if TYPE_CHECKING:
    from ocrops.settings import Settings

SCHEMES = ("file", "s3")


def open_storage(settings: Settings) -> BlobStorage:
    """The store named by ``settings.storage_url`` (``file://PATH`` or ``s3://BUCKET/PREFIX``)."""
    url = settings.resolved_storage_url
    scheme = urlparse(url).scheme
    if scheme == "file":
        from ocrops.storage.local import LocalStorage

        return LocalStorage.from_url(url)
    if scheme == "s3":
        from ocrops.storage.s3 import S3Storage

        return S3Storage.from_url(url, settings)
    raise ConfigError(f"unsupported storage URL {url!r}: use one of {', '.join(s + '://' for s in SCHEMES)}")


__all__ = ["BlobStorage", "check_key", "open_storage", "page_image_key", "result_key", "source_key"]
