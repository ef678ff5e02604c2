"""Blobs in S3-compatible object storage (AWS S3, MinIO, Ceph, moto) through boto3.

``s3://BUCKET/PREFIX``; ``OCROPS_S3_ENDPOINT_URL`` points at a non-AWS server. Credentials come
from boto3's usual chain (environment, config files, instance roles). boto3 is imported lazily.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import urlparse

from ocrops.errors import ConfigError, NotFound, ServiceUnavailable
from ocrops.storage.base import BlobStorage, check_key

if TYPE_CHECKING:
    from ocrops.settings import Settings

_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Storage(BlobStorage):
    def __init__(
        self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None, region: str | None = None
    ) -> None:
        if not bucket:
            raise ConfigError("S3 storage needs a bucket: s3://BUCKET/PREFIX")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self.region = region
        self._client: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, settings: Settings | None = None) -> S3Storage:
        parsed = urlparse(url)
        return cls(
            parsed.netloc,
            parsed.path,
            endpoint_url=settings.s3_endpoint_url if settings else None,
            region=settings.s3_region if settings else None,
        )

    @property
    def client(self) -> Any:
        """One boto3 client, made on first use (clients are thread-safe; sessions are not)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    import boto3
                    from botocore.config import Config

                    config = Config(
                        retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=60
                    )
                    self._client = boto3.session.Session().client(
                        "s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config
                    )
        return self._client

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes | BinaryIO, content_type: str = "application/octet-stream") -> None:
        with _errors(key):
            if isinstance(data, bytes | bytearray | memoryview):
                self.client.put_object(
                    Bucket=self.bucket, Key=self._key(key), Body=bytes(data), ContentType=content_type
                )
            else:
                self.client.upload_fileobj(
                    data, self.bucket, self._key(key), ExtraArgs={"ContentType": content_type}
                )

    def get(self, key: str) -> bytes:
        with _errors(key):
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    @contextmanager
    def open_local(self, key: str) -> Iterator[Path]:
        fd, tmp = tempfile.mkstemp(prefix="ocrops-s3-")
        path = Path(tmp)
        try:
            with os.fdopen(fd, "wb") as fh, _errors(key):
                self.client.download_fileobj(self.bucket, self._key(key), fh)
            yield path
        finally:
            path.unlink(missing_ok=True)

    def delete(self, key: str) -> None:
        with _errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))  # S3: no error when missing

    def exists(self, key: str) -> bool:
        try:
            with _errors(key):
                self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except NotFound:
            return False
        return True

    def check(self) -> None:
        with _errors(None):
            self.client.head_bucket(Bucket=self.bucket)

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"


@contextmanager
def _errors(key: str | None) -> Iterator[None]:
    """botocore errors -> NotFound (missing object or bucket) or ServiceUnavailable (everything else)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _MISSING and key is not None:
            raise NotFound(f"no stored object {key!r}") from None
        if code in {"NoSuchBucket", "404"}:
            raise ServiceUnavailable(f"S3 bucket is missing: {code}") from None
        raise ServiceUnavailable(f"S3 request failed: {code or exc}") from None
    except BotoCoreError as exc:
        raise ServiceUnavailable(f"S3 unreachable: {exc}") from None
