"""Which loader reads a file: detected from its content (magic bytes, ZIP members), never its name."""

from __future__ import annotations

from ocrops._registry import LazyRegistry
from ocrops.errors import CorruptInput, EmptyInput, InputTooLarge, OcropsError, UnsupportedFormat
from ocrops.loaders.base import LoadedDocument, Loader, LoadOptions, Source

# Sniff order matters: the first loader that claims the content wins.
LOADERS: LazyRegistry[type[Loader]] = LazyRegistry(
    "loader",
    {
        "pdf": "ocrops.loaders.pdf:PdfLoader",
        "image": "ocrops.loaders.image:ImageLoader",
        "office": "ocrops.loaders.office:OfficeLoader",
        "html": "ocrops.loaders.html:HtmlLoader",
        "text": "ocrops.loaders.text:TextLoader",
    },
)

_HEAD_BYTES = 8192

# Formats we recognise but do not read, so the error can say what the file is.
_KNOWN_KINDS: tuple[tuple[int, bytes, str], ...] = (
    (0, b"PK\x03\x04", "a ZIP archive that is not a DOCX/PPTX/XLSX"),
    (0, b"PK\x05\x06", "an empty ZIP archive"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office (OLE2) file; save it as DOCX/PPTX/XLSX"),
    (0, b"{\\rtf", "an RTF document"),
    (0, b"\x1f\x8b", "a gzip archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (0, b"Rar!\x1a\x07", "a RAR archive"),
    (0, b"BZh", "a bzip2 archive"),
    (0, b"\xfd7zXZ\x00", "an XZ archive"),
    (257, b"ustar", "a TAR archive"),
    (0, b"\x7fELF", "an ELF executable"),
    (0, b"MZ", "a Windows executable"),
    (0, b"\x00\x00\x00\x0cjP  \r\n\x87\n", "a JPEG 2000 image"),
    (0, b"\xff\x4f\xff\x51", "a JPEG 2000 codestream"),
    (0, b"AT&TFORM", "a DjVu document"),
    (0, b"%!PS", "a PostScript file"),
    (0, b"8BPS", "a Photoshop document"),
    (0, b"OggS", "an Ogg media file"),
    (0, b"ID3", "an MP3 audio file"),
    (0, b"\x1aE\xdf\xa3", "a Matroska/WebM video"),
)


def describe(head: bytes) -> str | None:
    """A human name for content no loader reads, when we can tell what it is."""
    packaged = _zip_mimetype(head)
    if packaged:
        return f"a ZIP package of type {packaged}, not a DOCX/PPTX/XLSX"
    for offset, magic, kind in _KNOWN_KINDS:
        if head[offset : offset + len(magic)] == magic:
            return kind
    if head[4:8] == b"ftyp":
        brand = head[8:12].decode("ascii", "replace").strip()
        if brand in {"heic", "heix", "mif1", "msf1", "avif"}:
            return f"a HEIF/AVIF image ({brand}); convert it to PNG or JPEG"
        return f"an ISO media file ({brand})"
    if head[:4] == b"RIFF":
        return f"a RIFF file ({head[8:12].decode('ascii', 'replace')})"
    markup = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1024].lower()
    if markup.startswith((b"<svg", b"<?xml")) and b"<svg" in markup:
        return "an SVG image; convert it to PNG"
    if markup.startswith(b"<?xml") and b"<html" not in markup:
        return "an XML document"
    if b"\x00" in head[:1024]:
        return "binary data"
    return None


def _zip_mimetype(head: bytes) -> str | None:
    """The ``mimetype`` member that OpenDocument and EPUB files store first, uncompressed."""
    if not head.startswith(b"PK\x03\x04") or head[30:38] != b"mimetype":
        return None
    size = int.from_bytes(head[18:22], "little")
    start = 38 + int.from_bytes(head[28:30], "little")
    value = head[start : start + min(size, 100)].decode("ascii", "replace").strip()
    return value or None


def detect(source: Source) -> tuple[type[Loader], str]:
    """The loader class and media type for ``source``, from its first bytes."""
    head = source.head(_HEAD_BYTES)
    for name in LOADERS:
        loader = LOADERS.get(name)
        media_type = loader.sniff(head, source)
        if media_type:
            return loader, media_type
    kind = describe(head)
    raise UnsupportedFormat(f"unsupported format: {kind}" if kind else "unsupported format: unknown content")


def check_size(source: Source, options: LoadOptions) -> int:
    """The file size in bytes; EmptyInput for zero bytes, InputTooLarge above the limit."""
    try:
        size = source.path.stat().st_size
    except OSError as exc:
        raise CorruptInput(f"cannot read file: {exc.strerror or exc}") from None
    if size == 0:
        raise EmptyInput("the file is empty (0 bytes)")
    if size > options.max_file_bytes:
        raise InputTooLarge(f"file is {size:,} bytes, over the limit of {options.max_file_bytes:,} bytes")
    return size


def open_document(source: Source, options: LoadOptions | None = None) -> LoadedDocument:
    """Open ``source`` with the loader its content calls for. Raises ``InputError`` subclasses."""
    options = options or LoadOptions()
    try:
        check_size(source, options)
        loader, media_type = detect(source)
        return _open_with(loader, source, media_type, options)
    except OcropsError as exc:
        exc.with_source(source.name)
        raise


def _open_with(loader: type[Loader], source: Source, media_type: str, options: LoadOptions) -> LoadedDocument:
    try:
        return loader().open(source, media_type, options)
    except (OcropsError, MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:  # libraries raise anything on malformed files
        raise CorruptInput(f"cannot read {media_type}: {one_line(exc)}") from exc


def one_line(exc: BaseException, limit: int = 200) -> str:
    """An exception as a single short line, for error messages."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
