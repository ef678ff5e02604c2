"""``ocrops.convert`` — the Python API takes the same path as the CLI."""

from __future__ import annotations

import pytest

import ocrops
from ocrops.errors import EmptyInput, UnsupportedFormat
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "examples" / "sample.pdf"


def test_convert_path_and_bytes_agree(settings):
    by_path = ocrops.convert(SAMPLE, settings=settings, workers=1)
    by_bytes = ocrops.convert(SAMPLE.read_bytes(), settings=settings, workers=1, cache=False)
    assert by_path.status == "succeeded"
    assert by_path.source.page_count == 2
    assert by_path.text == by_bytes.text
    assert "Document AI at volume" in by_path.text


def test_two_column_text_layer_reads_left_column_first(settings):
    doc = ocrops.convert(SAMPLE, engine="pdftext", pages="1", settings=settings, workers=1)
    text = " ".join(doc.text.split())
    assert text.index("scanned reports need faithful") < text.index("ocrops converts, measures")
    assert text.index("text with boxes and confidence.") < text.index("serves OCR engines")


def test_parallel_workers_give_the_same_result(settings):
    one = ocrops.convert(SAMPLE, engine="tesseract", settings=settings, workers=1, cache=False)
    two = ocrops.convert(SAMPLE, engine="tesseract", settings=settings, workers=2, cache=False)
    assert [p.text for p in one.pages] == [p.text for p in two.pages]


def test_engine_options_are_validated(settings):
    from ocrops.errors import BadParameter

    with pytest.raises(BadParameter, match="psm"):
        ocrops.convert(SAMPLE, engine="tesseract", psm="sideways", settings=settings)


@pytest.mark.parametrize(("data", "error"), [(b"", EmptyInput), (b"hello\x00world" * 50, UnsupportedFormat)])
def test_bad_bytes_raise_typed_errors(settings, data, error):
    with pytest.raises(error):
        ocrops.convert(data, settings=settings)
