"""Uploads on their way in: spooled to a temporary file (size-limited, hashed), inspected by the loaders."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, BinaryIO

from ocrops.errors import EmptyInput, InputTooLarge

if TYPE_CHECKING:
    from ocrops.settings import Settings

CHUNK = 1 << 20


class Abandoned(Exception):
    """Raised inside a conversion whose caller has stopped waiting."""


@dataclass(frozen=True)
class Upload:
    path: Path
    size: int
    sha256: str


def clean_filename(filename: str | None) -> str:
    """The last path component of a client-supplied name, printable, at most 200 characters."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "upload"


def spool(data: bytes | BinaryIO, max_bytes: int) -> Upload:
    """Write ``data`` to a temporary file the caller removes; InputTooLarge (413) past ``max_bytes``."""
    digest, size = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(prefix="ocrops-upload-")
    path = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(data):
                size += len(chunk)
                if size > max_bytes:
                    raise InputTooLarge(f"upload is over the limit of {max_bytes:,} bytes")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise EmptyInput("the upload is empty (0 bytes)")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Upload(path=path, size=size, sha256=digest.hexdigest())


@contextmanager
def spooled(data: bytes | BinaryIO, max_bytes: int) -> Iterator[Upload]:
    upload = spool(data, max_bytes)
    try:
        yield upload
    finally:
        upload.path.unlink(missing_ok=True)


def _chunks(data: bytes | BinaryIO) -> Iterator[bytes]:
    if isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data)
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start : start + CHUNK])
        return
    while chunk := data.read(CHUNK):
        yield chunk


def inspect(path: Path, name: str, settings: Settings, password: str | None = None) -> tuple[str, int]:
    """(media type, page count) by opening the file with the loaders; their InputError otherwise."""
    from ocrops.errors import EmptyInput as Empty
    from ocrops.loaders import Source, open_document
    from ocrops.pipeline.page import load_options

    with open_document(Source(path=path, name=name), load_options(settings, password)) as doc:
        count = doc.page_count
        if count < 1:
            raise Empty("the document has no pages", source=name)
        return doc.media_type, count


def render_png(path: Path, name: str, page: int, dpi: float, settings: Settings) -> bytes:
    """One page of a stored source as PNG (images at their own size, capped to 2000 px)."""
    import io

    from ocrops.errors import UnsupportedFormat
    from ocrops.loaders import Source, open_document
    from ocrops.pipeline.page import load_options

    with open_document(Source(path=path, name=name), load_options(settings)) as doc:
        source_page = doc.page(page)
        if not source_page.has_image:
            raise UnsupportedFormat(f"page {page} of a {doc.media_type} document has no image")
        image = source_page.render(dpi)
    image.thumbnail((2000, 2000))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
