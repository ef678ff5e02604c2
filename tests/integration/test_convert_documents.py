"""Real documents through ``ocrops.convert`` (the same path as the CLI): content, order, routes."""

from __future__ import annotations

import json

import pytest

import ocrops
from ocrops.evaluate.metrics.text import measure_text
from ocrops.render import get_renderer
from tests import docgen
from tests.integration.test_cli_convert import ocrops as run_cli


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


def _sroie_reference(root, stem: str) -> str:
    rows = (root / "sroie/box" / f"{stem}.csv").read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(row.split(",", 8)[8] for row in rows if row.count(",") >= 8)


@pytest.fixture
def two_column_scan(tmp_path):
    """The two-column letter rendered to a PNG: no text layer, so engines must find the columns."""
    import pypdfium2 as pdfium

    pdf = tmp_path / "columns.pdf"
    expected = docgen.two_column_pdf(pdf)
    png = tmp_path / "columns.png"
    pdfium.PdfDocument(pdf)[0].render(scale=200 / 72).to_pil().save(png, dpi=(200, 200))
    return png, expected


@pytest.mark.parametrize("engine", ["tesseract", "rapidocr"])
def test_two_column_scan_reads_left_column_first(two_column_scan, engine, settings):
    png, expected = two_column_scan
    _, left, right = expected.split("\n\n")
    text = _flat(ocrops.convert(png, engine=engine, settings=settings, workers=1).text)
    last_left = text.index(_flat(left.splitlines()[-1]))
    first_right = text.index(_flat(right.splitlines()[0]))
    assert last_left < first_right
    counts = measure_text([_flat(expected)], [text])
    assert counts.cer < 0.05, counts.cer


@pytest.mark.datasets
@pytest.mark.parametrize(("engine", "max_cer"), [("tesseract", 0.22), ("rapidocr", 0.15)])
def test_sroie_receipt_matches_ground_truth(datasets_dir, settings, engine, max_cer):
    key = json.loads((datasets_dir / "sroie/key/000.json").read_text())
    doc = ocrops.convert(datasets_dir / "sroie/img/000.jpg", engine=engine, settings=settings, workers=1)
    assert doc.status == "succeeded"
    assert key["total"] in doc.text
    counts = measure_text([_flat(_sroie_reference(datasets_dir, "000"))], [_flat(doc.text)])
    assert counts.cer < max_cer, counts.cer
    words = doc.pages[0].words()
    assert words and all(w.bbox is not None and 0 <= (w.confidence or 0) <= 1 for w in words)


@pytest.mark.datasets
def test_phototest_through_the_cli(datasets_dir, tmp_path):
    proc = run_cli(
        "convert",
        str(datasets_dir / "tesseract-test/phototest.tif"),
        "-f",
        "txt",
        "-q",
        "-e",
        "tesseract",
        home=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    reference = (datasets_dir / "tesseract-test/phototest.txt").read_text()
    assert measure_text([_flat(reference)], [_flat(proc.stdout.decode())]).cer < 0.02


def test_docx_structure_and_embedded_image_text(tmp_path, settings):
    path = tmp_path / "report.docx"
    expected = docgen.office_docx(path)
    doc = ocrops.convert(path, engine="tesseract", settings=settings, workers=1)
    md = get_renderer("md").render(doc)
    assert md.startswith(f"# {expected.title}")
    for level, heading in expected.headings:
        assert f"{'#' * level} {heading}" in md
    header = "| " + " | ".join(expected.table[0]) + " |"
    assert header in md
    assert _flat(expected.image_text) in _flat(md)  # OCR of the picture inside the DOCX
    assert doc.pages[0].engine.route == "native"


def test_encrypted_pdf_needs_its_password(tmp_path):
    pdf = tmp_path / "secret.pdf"
    text = docgen.encrypted_pdf(pdf, password="s3cret")
    locked = run_cli("convert", str(pdf), "-q", home=tmp_path)
    assert locked.returncode == 6 and "password" in locked.stderr.decode().lower()
    wrong = run_cli("convert", str(pdf), "--password", "nope", "-q", home=tmp_path)
    assert wrong.returncode == 6
    opened = run_cli("convert", str(pdf), "--password", "s3cret", "-f", "txt", "-q", home=tmp_path)
    assert opened.returncode == 0, opened.stderr.decode()
    assert text in opened.stdout.decode()


def test_blank_pages_are_not_sent_to_engines(tmp_path, settings):
    from PIL import Image

    blank = Image.new("L", (1700, 2200), 255)
    page = docgen.text_image("A page with words on it", size=(1700, 2200), font_size=48, mode="L")
    tiff = tmp_path / "mixed.tiff"
    page.save(tiff, save_all=True, append_images=[blank], dpi=(200, 200))
    doc = ocrops.convert(tiff, engine="tesseract", settings=settings, workers=1)
    assert [p.status for p in doc.pages] == ["ok", "blank"]
    assert doc.pages[1].blocks == [] and "recognise" in doc.pages[1].timings
    assert any(w.code == "blank" for w in doc.pages[1].warnings)
    assert "words on it" in doc.pages[0].text


def test_multipage_tiff_gives_one_page_per_frame(tmp_path, settings):
    tiff = tmp_path / "pages.tiff"
    texts = docgen.multipage_tiff(tiff, pages=3)
    doc = ocrops.convert(tiff, engine="tesseract", settings=settings, workers=2)
    assert len(doc.pages) == 3
    for page, text in zip(doc.pages, texts, strict=True):
        assert _flat(text) in _flat(page.text)


@pytest.mark.datasets
@pytest.mark.parametrize("turned", [90, 180])
def test_upside_down_and_sideways_scans_are_turned_when_confidence_is_low(
    datasets_dir, tmp_path, settings, turned
):
    from PIL import Image

    page = Image.open(datasets_dir / "tesseract-test/phototest.tif").rotate(turned, expand=True)
    path = tmp_path / "turned.png"
    page.save(path)
    doc = ocrops.convert(path, engine="tesseract", settings=settings, workers=1)
    assert doc.pages[0].rotation in (90, 180, 270)
    assert "orientation" in doc.pages[0].timings
    assert "quick brown dog jumped over the" in _flat(doc.text)


@pytest.mark.datasets
def test_upright_pages_skip_orientation_detection(datasets_dir, settings):
    doc = ocrops.convert(
        datasets_dir / "tesseract-test/phototest.tif", engine="tesseract", settings=settings, workers=1
    )
    assert doc.pages[0].rotation == 0
    assert "orientation" not in doc.pages[0].timings
