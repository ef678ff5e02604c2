"""Loaders: every format opens by content, with the right pages, structure, text layer and images."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocrops.errors import InputTooLarge, PageRangeError
from ocrops.loaders import LOADERS, LoadOptions, Source, detect, open_document
from ocrops.model import BlockKind
from tests import docgen


def load(path: Path, **options: object):
    return open_document(Source.from_path(path), LoadOptions(**options))  # type: ignore[arg-type]


def words_of(lines) -> list[str]:
    return [w.text for line in lines for w in line.words]


def dark_pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L")) < 128


# --------------------------------------------------------------------------- PDF


def test_two_column_pdf_text_layer_has_expected_words_and_boxes(tmp_path: Path) -> None:
    expected = docgen.two_column_pdf(tmp_path / "two.pdf")
    with load(tmp_path / "two.pdf") as doc:
        assert (doc.media_type, doc.page_count) == ("application/pdf", 1)
        page = doc.page(1)
        assert (page.width_pt, page.height_pt) == (612, 792)
        lines = page.text_layer(dpi=144)
    assert lines is not None
    assert words_of(lines) == expected.split()
    assert [line.text for line in lines] == [line for line in expected.splitlines() if line]
    width, height = 612 * 2, 792 * 2
    for word in (w for line in lines for w in line.words):
        box = word.bbox
        assert box is not None and word.confidence == 1.0
        assert 0 <= box.x0 < box.x1 <= width and 0 <= box.y0 < box.y1 <= height
    left, right = lines[1], lines[1 + len(docgen.LEFT_COLUMN)]
    assert left.bbox.x0 == pytest.approx(72 * 2, abs=1)  # drawn at x = 72 pt
    assert right.bbox.x0 == pytest.approx(320 * 2, abs=1)
    assert left.bbox.y0 == pytest.approx(right.bbox.y0, abs=1)  # side by side
    assert lines[0].bbox.y1 < left.bbox.y0  # the title is above both columns


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_rotated_page_boxes_cover_the_rendered_text(tmp_path: Path, rotation: int) -> None:
    text = docgen.rotated_pdf(tmp_path / "rot.pdf", rotation)
    with load(tmp_path / "rot.pdf") as doc:
        page = doc.page(1)
        assert (page.width_pt, page.height_pt) == (612, 792)  # shown upright, portrait
        image = page.render(dpi=72)
        lines = page.text_layer(dpi=72)
    assert image.size == (612, 792)
    assert lines is not None and [line.text for line in lines] == [text]
    box = lines[0].bbox
    # The baseline is 100 pt down; the loose box reaches the font's descent below it.
    assert box.x0 == pytest.approx(72, abs=1) and box.y1 == pytest.approx(100 + 6, abs=3)
    ink = dark_pixels(image)
    inside = ink[int(box.y0) : int(box.y1) + 1, int(box.x0) : int(box.x1) + 1].sum()
    assert ink.sum() > 500 and inside == ink.sum()


def test_crop_box_sets_the_page_size_and_origin(tmp_path: Path) -> None:
    text = docgen.cropped_pdf(tmp_path / "crop.pdf")
    with load(tmp_path / "crop.pdf") as doc:
        page = doc.page(1)
        assert (page.width_pt, page.height_pt) == (400, 500)
        image = page.render(dpi=72)
        lines = page.text_layer(dpi=72)
    assert image.size == (400, 500) and [line.text for line in lines] == [text]
    box = lines[0].bbox
    assert box.x0 == pytest.approx(150 - 100, abs=1)  # x from the crop box's left edge
    ink = dark_pixels(image)
    assert ink.sum() > 300
    assert ink[int(box.y0) : int(box.y1) + 1, int(box.x0) : int(box.x1) + 1].sum() == ink.sum()


def test_pdf_render_size_and_mode(tmp_path: Path) -> None:
    docgen.two_column_pdf(tmp_path / "two.pdf")
    with load(tmp_path / "two.pdf") as doc:
        image = doc.page(1).render(dpi=100)
    assert image.mode == "RGB"
    assert image.size[0] == pytest.approx(850, abs=1) and image.size[1] == pytest.approx(1100, abs=1)
    assert dark_pixels(image).sum() > 1000


def test_scanned_pdf_has_pages_but_no_text_layer(tmp_path: Path) -> None:
    texts = docgen.scanned_pdf(tmp_path / "scan.pdf", pages=2)
    with load(tmp_path / "scan.pdf") as doc:
        assert doc.page_count == len(texts) == 2
        for page in doc.pages():
            assert page.text_layer(dpi=150) is None
            assert page.native_blocks() is None and page.has_image
            assert dark_pixels(page.render(dpi=50)).sum() > 200


def test_pdf_page_out_of_range(tmp_path: Path) -> None:
    docgen.two_column_pdf(tmp_path / "two.pdf")
    with load(tmp_path / "two.pdf") as doc, pytest.raises(PageRangeError, match="out of range"):
        doc.page(2)


def test_pdf_render_above_pixel_limit_is_refused(tmp_path: Path) -> None:
    docgen.two_column_pdf(tmp_path / "two.pdf")
    with load(tmp_path / "two.pdf", max_image_pixels=1_000_000) as doc:
        assert doc.page(1).render(dpi=72).size == (612, 792)
        with pytest.raises(InputTooLarge, match="over the limit"):
            doc.page(1).render(dpi=300)


def test_long_pdf_opens_lazily(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdfium2

    docgen.many_pages_pdf(tmp_path / "long.pdf", pages=300)
    calls = {"get_page": 0, "render": 0}
    real_get_page, real_render = pypdfium2.PdfDocument.get_page, pypdfium2.PdfPage.render

    def counting_get_page(self, index):
        calls["get_page"] += 1
        return real_get_page(self, index)

    def counting_render(self, *args, **kwargs):
        calls["render"] += 1
        return real_render(self, *args, **kwargs)

    monkeypatch.setattr(pypdfium2.PdfDocument, "get_page", counting_get_page)
    monkeypatch.setattr(pypdfium2.PdfPage, "render", counting_render)
    with load(tmp_path / "long.pdf") as doc:
        assert doc.page_count == 300
        assert calls == {"get_page": 0, "render": 0}
        texts = [doc.page(n).text_layer(dpi=72)[0].text for n in (1, 2, 150, 300)]
    assert texts == [f"Page {n} of 300" for n in (1, 2, 150, 300)]
    assert calls["render"] == 0 and calls["get_page"] <= 8  # only the pages asked for


def test_encrypted_pdf_opens_with_the_right_password(tmp_path: Path) -> None:
    text = docgen.encrypted_pdf(tmp_path / "locked.pdf", password="s3cret")
    with load(tmp_path / "locked.pdf", password="s3cret") as doc:
        assert doc.page(1).text_layer(dpi=72)[0].text == text


# --------------------------------------------------------------------------- images

IMAGE_CASES = [
    (docgen.png_image, "image/png", 300.0),
    (docgen.jpeg_image, "image/jpeg", None),
    (docgen.gif_image, "image/gif", None),
    (docgen.webp_image, "image/webp", None),
    (docgen.bmp_image, "image/bmp", 96.01),
    (docgen.bilevel_tiff, "image/tiff", 300.0),
    (docgen.rgba_png, "image/png", None),
]


@pytest.mark.parametrize(
    ("make", "media_type", "dpi"), IMAGE_CASES, ids=lambda v: getattr(v, "__name__", None)
)
def test_image_formats_load_as_one_upright_page(tmp_path: Path, make, media_type: str, dpi) -> None:
    path = tmp_path / "image.bin"  # the name says nothing: detection is by content
    text = make(path)
    expected = np.asarray(docgen.text_image(text).convert("L"), dtype=np.int16)
    with load(path) as doc:
        assert (doc.media_type, doc.page_count) == (media_type, 1)
        page = doc.page(1)
        image = page.render(dpi=300)
        assert page.native_dpi == (pytest.approx(dpi, abs=0.01) if dpi else None)
        assert page.text_layer(300) is None and page.has_image
    assert image.mode in ("RGB", "L") and image.size == (expected.shape[1], expected.shape[0])
    difference = np.abs(np.asarray(image.convert("L"), dtype=np.int16) - expected).mean()
    assert difference < 12  # the same picture (lossy formats and 1-bit differ a little)


def test_bilevel_tiff_becomes_black_and_white_gray(tmp_path: Path) -> None:
    docgen.bilevel_tiff(tmp_path / "fax.tif")
    with load(tmp_path / "fax.tif") as doc:
        image = doc.page(1).render(dpi=300)
    assert image.mode == "L" and set(np.unique(np.asarray(image))) == {0, 255}


def test_transparent_png_is_composited_onto_white(tmp_path: Path) -> None:
    docgen.rgba_png(tmp_path / "alpha.png")
    with load(tmp_path / "alpha.png") as doc:
        image = doc.page(1).render(dpi=300)
    assert image.mode == "RGB" and image.getpixel((0, 0)) == (255, 255, 255)
    assert dark_pixels(image).sum() > 300


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    info = docgen.exif_rotated_jpeg(tmp_path / "photo.jpg")
    assert info.stored_size == info.upright_size[::-1]
    with load(tmp_path / "photo.jpg") as doc:
        image = doc.page(1).render(dpi=300)
    assert image.size == info.upright_size
    upright = np.asarray(docgen.text_image(info.text).convert("L"), dtype=np.int16)
    assert np.abs(np.asarray(image.convert("L"), dtype=np.int16) - upright).mean() < 8


def test_gif_uses_the_first_frame_only(tmp_path: Path) -> None:
    text = docgen.gif_image(tmp_path / "anim.gif")
    first = np.asarray(docgen.text_image(text).convert("L"), dtype=np.int16)
    second = np.asarray(
        docgen.text_image("SECOND FRAME", size=(first.shape[1], first.shape[0])).convert("L"), dtype=np.int16
    )
    with load(tmp_path / "anim.gif") as doc:
        assert doc.page_count == 1
        shown = np.asarray(doc.page(1).render(dpi=300).convert("L"), dtype=np.int16)
    assert np.abs(shown - first).mean() < 5 < np.abs(shown - second).mean()


def test_multipage_tiff_gives_one_page_per_frame(tmp_path: Path) -> None:
    texts = docgen.multipage_tiff(tmp_path / "pages.tif", pages=3)
    with load(tmp_path / "pages.tif") as doc:
        assert doc.page_count == 3
        pages = list(doc.pages())
        sizes = [page.render(dpi=200).size for page in pages]
        assert [p.native_dpi for p in pages] == [200.0] * 3
        assert pages[0].width_pt == pytest.approx(500 / 200 * 72)
        third = np.asarray(doc.page(3).render(dpi=200).convert("L"), dtype=np.int16)
    assert sizes == [(500, 120), (520, 120), (540, 120)]
    expected = np.asarray(docgen.text_image(texts[2], size=(540, 120)).convert("L"), dtype=np.int16)
    assert np.abs(third - expected).mean() < 1


# --------------------------------------------------------------------------- office and HTML


def blocks_of(page, kind: BlockKind) -> list:
    return [b for b in page.native_blocks() if b.kind == kind]


def check_embedded_image(page, expected: docgen.Expected) -> None:
    """One picture, placed after a figure block, holding the rendered image text."""
    images = page.embedded_images()
    assert len(images) == 1
    blocks = page.native_blocks()
    assert blocks[images[0].after_block].kind == BlockKind.figure
    picture = Image.open(io.BytesIO(images[0].data))
    assert picture.size == docgen.text_image(expected.image_text, font_size=40).size


def check_table(block, expected_rows: list[list[str]]) -> None:
    assert block.table.grid() == expected_rows
    assert all(c.header == (c.row == 0) for c in block.table.cells)


def test_docx_structure_in_document_order(tmp_path: Path) -> None:
    expected = docgen.office_docx(tmp_path / "report.docx")
    with load(tmp_path / "report.docx") as doc:
        assert doc.page_count == 1 and doc.media_type.endswith("wordprocessingml.document")
        page = doc.page(1)
        assert not page.has_image and page.text_layer(300) is None
        blocks = page.native_blocks()
        assert [b.order for b in blocks] == list(range(len(blocks)))
        assert [b.text for b in blocks_of(page, BlockKind.title)] == [expected.title]
        assert [(b.level, b.text) for b in blocks_of(page, BlockKind.heading)] == expected.headings
        assert [(b.level, b.text) for b in blocks_of(page, BlockKind.list_item)] == expected.list_items
        assert [b.text for b in blocks_of(page, BlockKind.paragraph)] == expected.paragraphs
        assert all(w.bbox is None for b in blocks for line in b.lines for w in line.words)
        check_table(blocks_of(page, BlockKind.table)[0], expected.table)
        check_embedded_image(page, expected)
        kinds = [b.kind for b in blocks]
        assert kinds.index(BlockKind.table) < kinds.index(BlockKind.figure) < len(kinds) - 1
        assert (page.width_pt, page.height_pt) == (612, 792)


def test_docx_merged_cells_become_spans(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    for r in range(3):
        for c in range(3):
            table.cell(r, c).text = f"{r}{c}"
    table.cell(0, 0).merge(table.cell(0, 1)).text = "wide"
    table.cell(1, 2).merge(table.cell(2, 2)).text = "tall"
    document.save(tmp_path / "merged.docx")
    with load(tmp_path / "merged.docx") as doc:
        cells = {(c.row, c.col): c for c in blocks_of(doc.page(1), BlockKind.table)[0].table.cells}
    assert (cells[(0, 0)].text, cells[(0, 0)].col_span, cells[(0, 0)].row_span) == ("wide", 2, 1)
    assert (cells[(1, 2)].text, cells[(1, 2)].col_span, cells[(1, 2)].row_span) == ("tall", 1, 2)
    assert len(cells) == 7


def test_pptx_one_page_per_slide(tmp_path: Path) -> None:
    expected = docgen.office_pptx(tmp_path / "deck.pptx")
    with load(tmp_path / "deck.pptx") as doc:
        assert doc.page_count == expected.pages == 3
        first, second, third = doc.pages()
        assert [b.kind for b in first.native_blocks()] == [BlockKind.title, BlockKind.paragraph]
        assert first.native_blocks()[0].text == expected.title
        assert first.native_blocks()[1].text == expected.paragraphs[0]
        assert [(b.level, b.text) for b in blocks_of(second, BlockKind.heading)] == [(1, "Highlights")]
        assert [(b.level, b.text) for b in blocks_of(second, BlockKind.list_item)] == expected.list_items
        check_table(blocks_of(third, BlockKind.table)[0], expected.table)
        check_embedded_image(third, expected)
        assert (third.width_pt, third.height_pt) == (720, 540)


def test_xlsx_one_page_per_sheet(tmp_path: Path) -> None:
    expected = docgen.office_xlsx(tmp_path / "book.xlsx")
    with load(tmp_path / "book.xlsx") as doc:
        assert doc.page_count == expected.pages == 2
        sales, notes = doc.pages()
        assert [b.text for b in blocks_of(sales, BlockKind.heading)] == ["Sales"]
        check_table(blocks_of(sales, BlockKind.table)[0], expected.table)
        check_embedded_image(sales, expected)
        assert [b.text for b in blocks_of(notes, BlockKind.heading)] == ["Notes"]
        assert blocks_of(notes, BlockKind.table)[0].table.grid() == [[p] for p in expected.paragraphs]
        assert notes.embedded_images() == []


def test_html_structure(tmp_path: Path) -> None:
    expected = docgen.html_page(tmp_path / "page.html")
    with load(tmp_path / "page.html") as doc:
        assert (doc.media_type, doc.page_count) == ("text/html", 1)
        page = doc.page(1)
    assert [b.text for b in blocks_of(page, BlockKind.title)] == [expected.title]
    assert [(b.level, b.text) for b in blocks_of(page, BlockKind.heading)] == expected.headings
    assert [(b.level, b.text) for b in blocks_of(page, BlockKind.list_item)] == expected.list_items
    assert [b.text for b in blocks_of(page, BlockKind.paragraph)] == expected.paragraphs
    table = blocks_of(page, BlockKind.table)[0].table
    assert table.grid() == expected.table
    spans = {(c.row, c.col): (c.row_span, c.col_span) for c in table.cells}
    assert spans[(1, 2)] == (2, 1) and spans[(2, 0)] == (1, 2)
    assert all(c.header == (c.row == 0) for c in table.cells)
    check_embedded_image(page, expected)
    all_text = "\n".join(b.text for b in page.native_blocks())
    assert "script text" not in all_text and "color" not in all_text and "Ignored title" not in all_text


def test_plain_text_loads_as_paragraphs(tmp_path: Path) -> None:
    (tmp_path / "notes").write_text(
        "First line\nsecond line\n\nAnother paragraph ünïcode\n", encoding="utf-8"
    )
    with load(tmp_path / "notes") as doc:
        blocks = doc.page(1).native_blocks()
    assert [b.text for b in blocks] == ["First line\nsecond line", "Another paragraph ünïcode"]


DETECT_CASES = [
    (docgen.two_column_pdf, "pdf", "application/pdf"),
    (docgen.png_image, "image", "image/png"),
    (docgen.multipage_tiff, "image", "image/tiff"),
    (docgen.webp_image, "image", "image/webp"),
    (docgen.office_docx, "office", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (
        docgen.office_pptx,
        "office",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    (docgen.office_xlsx, "office", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (docgen.html_page, "html", "text/html"),
]


@pytest.mark.parametrize(
    ("make", "loader", "media_type"), DETECT_CASES, ids=lambda v: getattr(v, "__name__", None)
)
def test_detect_by_content_not_name(tmp_path: Path, make, loader: str, media_type: str) -> None:
    path = tmp_path / "misleading.txt"
    make(path)
    assert detect(Source.from_path(path)) == (LOADERS.get(loader), media_type)


def test_png_named_pdf_loads_as_image(tmp_path: Path) -> None:
    docgen.png_image(tmp_path / "real.png")
    shutil.copy(tmp_path / "real.png", tmp_path / "fake.pdf")
    with load(tmp_path / "fake.pdf") as doc:
        assert (
            doc.media_type == "image/png"
            and doc.page(1).render(300).size == Image.open(tmp_path / "real.png").size
        )


# --------------------------------------------------------------------------- shared datasets


@pytest.mark.datasets
def test_olmocr_bench_pdfs_open_with_text_layers(datasets_dir: Path) -> None:
    folder = datasets_dir / "olmocr-bench" / "pdfs"
    pdfs = sorted(folder.rglob("*.pdf"))
    assert len(pdfs) >= 9
    for path in pdfs:
        with load(path) as doc:
            page = doc.page(1)
            assert doc.page_count >= 1 and page.width_pt > 0 and page.height_pt > 0
            lines = page.text_layer(dpi=72)
            assert (lines is None) == (path.stem in {"buildingnotes", "lincoln_letter"})  # scans
    tests = [
        json.loads(line)
        for line in (datasets_dir / "olmocr-bench" / "dataset.jsonl").read_text().splitlines()
    ]
    present = [t for t in tests if t["pdf"] == "multi_column_miss.pdf" and t["type"] == "present"]
    with load(folder / "multi_column_miss.pdf") as doc:
        page = doc.page(1)
        lines = page.text_layer(dpi=150)
    text = re.sub(r"(\w)- (\w)", r"\1\2", " ".join(line.text for line in lines))  # join hyphenated breaks
    found = [t["id"] for t in present if " ".join(t["text"].split()) in text]
    assert len(found) == len(present) - 1  # the one left differs only in straight vs curly quotes
    assert "multi_column_miss_02" not in found
    width, height = page.width_pt * 150 / 72, page.height_pt * 150 / 72
    boxes = [w.bbox for line in lines for w in line.words]
    assert len(boxes) > 500
    assert all(-1 <= b.x0 <= b.x1 <= width + 1 and -1 <= b.y0 <= b.y1 <= height + 1 for b in boxes)


@pytest.mark.datasets
def test_sroie_receipts_open(datasets_dir: Path) -> None:
    receipts = sorted((datasets_dir / "sroie" / "img").glob("*.jpg"))
    assert len(receipts) == 60
    for path in receipts:
        with load(path) as doc:
            image = doc.page(1).render(dpi=300)
        assert doc.media_type == "image/jpeg" and image.mode in ("RGB", "L") and min(image.size) > 100


@pytest.mark.datasets
@pytest.mark.parametrize(
    ("name", "size", "dpi"), [("phototest.tif", (640, 480), 200.0), ("eurotext.tif", (1024, 800), 300.0)]
)
def test_tesseract_test_tiffs_open(datasets_dir: Path, name: str, size: tuple[int, int], dpi: float) -> None:
    with load(datasets_dir / "tesseract-test" / name) as doc:
        page = doc.page(1)
        assert (doc.media_type, doc.page_count) == ("image/tiff", 1)
        assert page.render(dpi=300).size == size and page.native_dpi == dpi
