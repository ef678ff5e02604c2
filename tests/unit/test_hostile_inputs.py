"""Hostile and broken inputs: each fails with the right error class and a one-line message."""

from __future__ import annotations

import resource
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from ocrops.errors import (
    CorruptInput,
    EmptyInput,
    EncryptedInput,
    InputError,
    InputTooLarge,
    UnsupportedFormat,
)
from ocrops.loaders import LoadOptions, Source, open_document
from tests import docgen


def load(path: Path, **options: object):
    return open_document(Source.from_path(path), LoadOptions(**options))  # type: ignore[arg-type]


def zero_bytes(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def truncated_pdf(path: Path) -> Path:
    docgen.two_column_pdf(path.with_suffix(".full"))
    return docgen.truncated_copy(path.with_suffix(".full"), path, keep=0.5)


def truncated_png(path: Path) -> Path:
    docgen.png_image(path.with_suffix(".full"), text="A longer line of text to make a bigger PNG file")
    return docgen.truncated_copy(path.with_suffix(".full"), path, keep=0.6)


def truncated_jpeg(path: Path) -> Path:
    docgen.jpeg_image(path.with_suffix(".full"))
    return docgen.truncated_copy(path.with_suffix(".full"), path, keep=0.6)


def truncated_docx(path: Path) -> Path:
    docgen.office_docx(path.with_suffix(".full"))
    return docgen.truncated_copy(path.with_suffix(".full"), path, keep=0.5)


def docx_with_broken_xml(path: Path) -> Path:
    """A well-formed ZIP whose main document part is not XML."""
    docgen.office_docx(path.with_suffix(".full"))
    with zipfile.ZipFile(path.with_suffix(".full")) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = b"<w:document><oops" if item.filename == "word/document.xml" else src.read(item)
            dst.writestr(item, data)
    return path


def legacy_word(path: Path) -> Path:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return path


def opendocument(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return path


def svg(path: Path) -> Path:
    path.write_text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><title>t</title></svg>')
    return path


def rtf(path: Path) -> Path:
    path.write_text("{\\rtf1\\ansi Hello}")
    return path


def bomb(path: Path) -> Path:
    return docgen.zip_bomb(path, megabytes=200)


HOSTILE: list[tuple[Callable[[Path], Path], type[InputError], str]] = [
    (zero_bytes, EmptyInput, "empty"),
    (truncated_pdf, CorruptInput, "corrupt or truncated"),
    (truncated_png, CorruptInput, "truncated"),
    (truncated_jpeg, CorruptInput, "truncated"),
    (docgen.random_bytes, UnsupportedFormat, "unsupported format"),
    (docgen.plain_zip, UnsupportedFormat, "a ZIP archive that is not a DOCX/PPTX/XLSX"),
    (opendocument, UnsupportedFormat, "opendocument.text"),
    (legacy_word, UnsupportedFormat, "legacy Office (OLE2)"),
    (svg, UnsupportedFormat, "an SVG image"),
    (rtf, UnsupportedFormat, "an RTF document"),
    (truncated_docx, CorruptInput, "not a readable ZIP"),
    (docx_with_broken_xml, CorruptInput, "cannot read"),
    (bomb, InputTooLarge, "zip bomb"),
    (docgen.many_members_zip, InputTooLarge, "10,051 members"),
    (docgen.huge_png_header, InputTooLarge, "100000x100000 pixels"),
]


@pytest.mark.parametrize(("make", "error", "message"), HOSTILE, ids=lambda v: getattr(v, "__name__", None))
def test_hostile_input_fails_cleanly(tmp_path: Path, make, error: type[InputError], message: str) -> None:
    path = make(tmp_path / "input.pdf")  # a misleading name on purpose
    with pytest.raises(InputError) as caught:
        load(path).page(1).render(dpi=72)
    assert type(caught.value) is error
    text = str(caught.value)
    assert "\n" not in text and text.startswith("input.pdf: ")
    assert message.lower() in text.lower()
    assert caught.value.exit_code == error.exit_code


def test_zip_bomb_is_small_on_disk_and_refused_before_inflating(tmp_path: Path) -> None:
    path = docgen.zip_bomb(tmp_path / "bomb.docx", megabytes=200)
    assert path.stat().st_size < 1_000_000
    with zipfile.ZipFile(path) as archive:
        assert sum(i.file_size for i in archive.infolist()) > 200_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(InputTooLarge, match=r"inflates 1,0\d\d times"):
        load(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB: nothing inflated


def test_inflated_size_over_the_file_limit_is_refused(tmp_path: Path) -> None:
    docgen.office_docx(tmp_path / "report.docx")
    with pytest.raises(InputTooLarge, match="inflates to"):
        load(tmp_path / "report.docx", max_file_bytes=100_000)  # the file is smaller, its content is not


def test_huge_image_header_is_refused_without_decoding(tmp_path: Path) -> None:
    path = docgen.huge_png_header(tmp_path / "bomb.png")
    assert path.stat().st_size < 2_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(InputTooLarge, match="over the limit of 200,000,000"):
        load(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB


def test_image_over_a_configured_pixel_limit(tmp_path: Path) -> None:
    docgen.png_image(tmp_path / "page.png")
    assert load(tmp_path / "page.png", max_image_pixels=100_000).page_count == 1
    with pytest.raises(InputTooLarge, match="over the limit of 10,000"):
        load(tmp_path / "page.png", max_image_pixels=10_000)


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    docgen.two_column_pdf(tmp_path / "two.pdf")
    with pytest.raises(InputTooLarge, match="over the limit of 1,000 bytes"):
        load(tmp_path / "two.pdf", max_file_bytes=1_000)


@pytest.mark.parametrize(
    ("password", "message"),
    [(None, "password required"), ("wrong", "wrong password"), ("", "wrong password")],
)
def test_encrypted_pdf_without_the_right_password(tmp_path: Path, password: str | None, message: str) -> None:
    docgen.encrypted_pdf(tmp_path / "locked.pdf", password="s3cret")
    with pytest.raises(EncryptedInput, match=message) as caught:
        load(tmp_path / "locked.pdf", password=password)
    assert "\n" not in str(caught.value)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(CorruptInput, match="cannot read file"):
        load(tmp_path / "absent.pdf")


def test_html_with_absurd_spans_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "spans.html"
    path.write_text(
        '<html><body><table><tr><td colspan="99999999" rowspan="99999999">x</td><td>y</td></tr></table>'
    )
    with load(path) as doc:
        table = doc.page(1).native_blocks()[0].table
    assert table.rows == 1 and table.cols <= 1001 and table.grid()[0][0] == "x"
