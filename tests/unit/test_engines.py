"""Engines: Tesseract, RapidOCR, the PDF text layer and the auto router, run for real."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

from ocrops.engines import EngineOutput, PageInput, create_engine
from ocrops.engines._exec import rapidocr_runtime
from ocrops.engines._exec.tesseract_api import tesseract_api
from ocrops.engines.auto import text_layer_usable
from ocrops.engines.rapidocr import apportioned_words, group_pieces, lines_from_rapidocr
from ocrops.engines.tesseract import LayoutBlock, TessWord, blocks_from_words, has_text_columns
from ocrops.errors import BadParameter, EngineUnavailable
from ocrops.model import BBox, Line, Word

LEFT_COLUMN = [
    "Rivers carry fresh water from the hills to the sea.",
    "Farmers plant barley in the early spring.",
    "Millers grind the grain into fine flour.",
    "Bakers rise before dawn to light their ovens.",
    "Bread is sold warm at the village market.",
]
RIGHT_COLUMN = [
    "Engineers design bridges that span wide valleys.",
    "Steel cables hold the deck above the river.",
    "Painters coat the towers to stop the rust.",
    "Trains cross the bridge every ten minutes.",
    "Inspectors climb the arches once a year.",
]


# --- helpers -----------------------------------------------------------------------------------


def cer(hypothesis: str, reference: str) -> float:
    """Character error rate after collapsing whitespace (a quick local helper, not ocrops.evaluate)."""
    hyp, ref = (re.sub(r"\s+", " ", t).strip() for t in (hypothesis, reference))
    return Levenshtein.distance(hyp, ref) / max(1, len(ref))


def page_of(image: Image.Image, dpi: float = 300, **kwargs) -> PageInput:
    return PageInput(number=1, dpi=dpi, image=lambda: image, **kwargs)


def output_text(output: EngineOutput) -> str:
    if output.blocks is not None:
        return "\n".join(b.text for b in sorted(output.blocks, key=lambda b: b.order))
    return "\n".join(line.text for line in output.lines or [])


def all_words(output: EngineOutput) -> list[Word]:
    lines = output.lines if output.lines is not None else [ln for b in output.blocks or [] for ln in b.lines]
    return [w for line in lines for w in line.words]


def _font(size: int) -> ImageFont.FreeTypeFont:
    dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    return ImageFont.truetype(str(dejavu), size) if dejavu.exists() else ImageFont.load_default(size)


def two_column_page(width: int = 2480, height: int = 800, size: int = 42) -> Image.Image:
    """A 300 dpi page with two columns of distinct sentences."""
    image = Image.new("L", (width, height), 255)
    draw, font = ImageDraw.Draw(image), _font(size)
    margin, gutter = 200, 160
    column_width = (width - 2 * margin - gutter) // 2
    for column, sentences in enumerate((LEFT_COLUMN, RIGHT_COLUMN)):
        lines, current = [], ""
        for word in " ".join(sentences).split():
            trial = f"{current} {word}".strip()
            if current and draw.textlength(trial, font=font) > column_width:
                lines.append(current)
                current = word
            else:
                current = trial
        for row, line in enumerate([*lines, current]):
            draw.text(
                (margin + column * (column_width + gutter), 150 + row * int(size * 1.5)),
                line,
                font=font,
                fill=0,
            )
    return image


def sroie_reference(box_csv: Path) -> str:
    """SROIE ground-truth lines regrouped into rows (same height, left to right), upper case.

    The CSV lists text boxes in no reading order and splits a row's item and price into
    separate boxes; a reader should give them on one line, top to bottom.
    """
    boxes = []
    for row in box_csv.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = row.split(",", 8)
        if len(parts) == 9:
            xs, ys = [int(v) for v in parts[0:8:2]], [int(v) for v in parts[1:8:2]]
            boxes.append((min(xs), min(ys), max(ys), parts[8]))
    boxes.sort(key=lambda b: (b[1] + b[2]) / 2)
    rows: list[list[tuple[int, int, int, str]]] = []
    for box in boxes:
        if rows and (box[1] + box[2]) / 2 - (rows[-1][-1][1] + rows[-1][-1][2]) / 2 <= 0.5 * (
            box[2] - box[1]
        ):
            rows[-1].append(box)
        else:
            rows.append([box])
    return "\n".join(" ".join(b[3] for b in sorted(row)) for row in rows).upper()


@pytest.fixture(scope="module")
def phototest(datasets_dir: Path) -> tuple[Image.Image, str]:
    folder = datasets_dir / "tesseract-test"
    image = Image.open(folder / "phototest.tif")
    image.load()
    return image, (folder / "phototest.txt").read_text()


@pytest.fixture(scope="module")
def rapidocr_phototest(phototest, tmp_path_factory) -> tuple[Image.Image, EngineOutput]:
    from ocrops.settings import load_settings

    image, _ = phototest
    engine = create_engine("rapidocr", {}, load_settings(home=tmp_path_factory.mktemp("home")))
    return image, engine.recognise(page_of(image.convert("RGB"), dpi=200))


# --- Tesseract -----------------------------------------------------------------------------------


@pytest.mark.datasets
def test_tesseract_reads_phototest(phototest, settings) -> None:
    image, reference = phototest
    output = create_engine("tesseract", {}, settings).recognise(page_of(image, dpi=200))
    assert output.lines is None and output.blocks
    assert cer(output_text(output), reference) < 0.02  # measured 0.000
    words = all_words(output)
    assert all(w.bbox and 0 <= w.bbox.x0 < w.bbox.x1 <= image.width for w in words)
    assert all(w.confidence is not None and 0.5 < w.confidence <= 1 for w in words)
    assert [b.order for b in output.blocks] == list(range(len(output.blocks)))


@pytest.mark.datasets
def test_tesseract_auto_psm_keeps_receipt_rows_together(datasets_dir, settings) -> None:
    """PSM 3 splits and drops parts of receipt rows; psm auto reads this receipt as one block."""
    image = Image.open(datasets_dir / "sroie" / "img" / "036.jpg").convert("RGB")
    reference = sroie_reference(datasets_dir / "sroie" / "box" / "036.csv")
    auto = output_text(create_engine("tesseract", {"psm": "auto"}, settings).recognise(page_of(image)))
    psm3 = output_text(create_engine("tesseract", {"psm": 3}, settings).recognise(page_of(image)))
    auto_cer, psm3_cer = cer(auto.upper(), reference), cer(psm3.upper(), reference)
    assert auto_cer < 0.15  # measured 0.108 (at 0, 200 and 300 dpi)
    assert auto_cer < psm3_cer - 0.05  # measured 0.215 with PSM 3 (0.20-0.23 at 0-300 dpi)


def test_tesseract_auto_psm_reads_columns_in_order(settings) -> None:
    image = two_column_page()
    auto = output_text(create_engine("tesseract", {}, settings).recognise(page_of(image)))
    assert cer(auto, " ".join(LEFT_COLUMN + RIGHT_COLUMN)) < 0.02  # measured 0.000
    # the first word of every sentence is distinct: all of the left column's come first
    assert max(auto.index(s.split()[0]) for s in LEFT_COLUMN) < min(
        auto.index(s.split()[0]) for s in RIGHT_COLUMN
    )
    # The contrast that makes auto necessary: a single block (PSM 6) interleaves the columns.
    single = output_text(create_engine("tesseract", {"psm": 6}, settings).recognise(page_of(image)))
    assert single.index(RIGHT_COLUMN[0].split()[0]) < single.index(LEFT_COLUMN[-1].split()[0])


def test_tesseract_config_variables_apply_per_engine_not_per_process(settings) -> None:
    image = Image.new("L", (900, 140), 255)
    ImageDraw.Draw(image).text((30, 40), "Invoice 2024 total 315", font=_font(48), fill=0)
    digits = create_engine("tesseract", {"config": {"tessedit_char_whitelist": "0123456789"}}, settings)
    plain = create_engine("tesseract", {}, settings)
    digit_text = output_text(digits.recognise(page_of(image)))
    assert "2024" in digit_text and not re.search(r"[A-Za-z]", digit_text)
    assert "Invoice" in output_text(plain.recognise(page_of(image)))  # same cached API, whitelist reset


def test_tesseract_oem_without_models_is_unavailable(settings) -> None:
    engine = create_engine("tesseract", {"oem": 0}, settings)  # Debian's eng.traineddata is LSTM-only
    with pytest.raises(EngineUnavailable, match="OEM 0"):
        engine.recognise(page_of(Image.new("L", (50, 50), 255)))


def test_tesseract_api_is_cached_per_process(settings) -> None:
    with tesseract_api(settings.resolved_tessdata, "eng", 1) as first:
        pass
    with tesseract_api(settings.resolved_tessdata, "eng", 1) as second:
        pass
    assert first is second


def test_missing_tesseract_language_names_installed_ones(settings) -> None:
    with pytest.raises(BadParameter, match=r"'fra'.*installed: .*eng"):
        create_engine("tesseract", {"lang": "eng+fra"}, settings)
    engine = create_engine("tesseract", {}, settings)
    with pytest.raises(BadParameter, match=r"'xyz'.*installed: .*eng"):
        engine.recognise(page_of(Image.new("L", (10, 10), 255), languages=("xyz",)))


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        # two columns of prose side by side
        (
            [LayoutBlock((100, 100, 1100, 2000), 40, True), LayoutBlock((1300, 100, 2300, 2000), 40, True)],
            True,
        ),
        # receipt: items and a narrow price column beside them
        ([LayoutBlock((20, 300, 380, 800), 20, True), LayoutBlock((400, 300, 460, 800), 20, True)], False),
        # stacked blocks, one column
        (
            [LayoutBlock((100, 100, 2300, 900), 12, True), LayoutBlock((100, 1000, 2300, 2000), 14, True)],
            False,
        ),
        # side by side, but short (a two-line address next to a date)
        ([LayoutBlock((100, 100, 1000, 160), 2, True), LayoutBlock((1300, 100, 2300, 160), 2, True)], False),
        # side by side, but one is a picture
        (
            [LayoutBlock((100, 100, 1100, 2000), 40, True), LayoutBlock((1300, 100, 2300, 2000), 1, False)],
            False,
        ),
        ([], False),
    ],
)
def test_has_text_columns(blocks: list[LayoutBlock], expected: bool) -> None:
    assert has_text_columns(blocks) is expected


def test_blocks_from_words_groups_paragraphs_and_lines() -> None:
    def word(text: str, x: int, paragraph: int, line: int, confidence: float = 90.0) -> TessWord:
        return TessWord(
            text,
            (x, line * 40, x + 50, line * 40 + 30),
            confidence,
            paragraph,
            line,
            (0, line * 40, 500, line * 40 + 30),
        )

    blocks = blocks_from_words(
        [
            word("Hello", 0, 0, 0),
            word("world", 60, 0, 0, 70.0),
            word("Second", 0, 0, 1),
            word("Next", 0, 1, 2, 150.0),
        ]
    )
    assert [b.text for b in blocks] == ["Hello world\nSecond", "Next"]
    assert [b.order for b in blocks] == [0, 1]
    assert blocks[0].lines[0].confidence == pytest.approx(0.8)
    assert blocks[1].lines[0].words[0].confidence == 1.0  # clamped
    assert blocks[0].bbox == BBox(x0=0, y0=0, x1=500, y1=70)
    assert blocks_from_words([]) == []


# --- RapidOCR ----------------------------------------------------------------------------------


@pytest.mark.datasets
def test_rapidocr_reads_phototest(phototest, rapidocr_phototest) -> None:
    _, reference = phototest
    _, output = rapidocr_phototest
    assert output.blocks is None and output.lines
    assert cer(output_text(output), reference) < 0.02  # measured 0.000


@pytest.mark.datasets
def test_rapidocr_words_have_boxes_inside_the_image(rapidocr_phototest) -> None:
    image, output = rapidocr_phototest
    words = all_words(output)
    assert len(words) > 50
    for w in words:
        assert w.bbox is not None and 0 <= w.bbox.x0 < w.bbox.x1 <= image.width
        assert 0 <= w.bbox.y0 < w.bbox.y1 <= image.height
        assert w.confidence is not None and 0 <= w.confidence <= 1
    for line in output.lines:  # words sit inside their line, left to right
        assert all(line.bbox.x0 - 1 <= w.bbox.x0 and w.bbox.x1 <= line.bbox.x1 + 1 for w in line.words)
        assert [w.bbox.x0 for w in line.words] == sorted(w.bbox.x0 for w in line.words)


@pytest.mark.datasets
def test_rapidocr_builds_from_wheel_models_without_network(monkeypatch, phototest) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("RapidOCR tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    instance = rapidocr_runtime._create(rapidocr_runtime.RuntimeConfig(), rapidocr_runtime.model_paths())
    result = rapidocr_runtime.run(
        instance, phototest[0].crop((0, 60, 640, 170)), use_cls=False, text_score=0.5
    )
    assert "12 point text" in " ".join(result.txts)


def test_missing_rapidocr_model_is_unavailable(tmp_path) -> None:
    with pytest.raises(EngineUnavailable, match=r"PP-OCRv6_det_small\.onnx"):
        rapidocr_runtime.check_models(rapidocr_runtime.model_paths(tmp_path))
    with pytest.raises(EngineUnavailable):
        rapidocr_runtime._create(rapidocr_runtime.RuntimeConfig(), rapidocr_runtime.model_paths(tmp_path))


@pytest.mark.parametrize(
    ("tokens", "pieces", "expected"),
    [
        (["total", "12.50"], [("total", 0.9, None), ("12.50", 0.8, None)], [["total"], ["12.50"]]),
        (
            ["平安证券"],
            [("平", 1, None), ("安", 1, None), ("证", 1, None), ("券", 1, None)],
            [["平", "安", "证", "券"]],
        ),
        (["ab", "c"], [("a", 1, None), ("bc", 1, None)], None),  # a piece spans two tokens
        (["abc"], [("abc", 1, None), ("d", 1, None)], None),  # leftover piece
        (["abc"], [("ab", 1, None)], None),  # too few pieces
        ([], [], []),
    ],
)
def test_group_pieces(tokens, pieces, expected) -> None:
    groups = group_pieces(tokens, pieces)
    assert (None if groups is None else [[p[0] for p in g] for g in groups]) == expected


def test_apportioned_words_share_the_box_by_characters() -> None:
    words = apportioned_words("ab  cdef", BBox(x0=100, y0=10, x1=180, y1=30), 0.7)
    assert [w.text for w in words] == ["ab", "cdef"]
    assert (words[0].bbox.x0, words[0].bbox.x1, words[1].bbox.x0, words[1].bbox.x1) == (100, 120, 140, 180)
    assert all(w.confidence == 0.7 for w in words)
    assert apportioned_words("", BBox(x0=0, y0=0, x1=1, y1=1), 1.0) == []


def test_lines_from_rapidocr_clips_and_falls_back_without_word_boxes() -> None:
    boxes = [[[-5, 10], [210, 10], [210, 40], [-5, 40]], [[10, 50], [110, 50], [110, 80], [10, 80]]]
    pieces = [
        (
            ("hello", 0.9, [[0, 10], [100, 10], [100, 40], [0, 40]]),
            ("you", 0.7, [[110, 10], [200, 10], [200, 40], [110, 40]]),
        )
    ]
    # word results for one line only: they no longer align with the lines, so both lines apportion
    lines = lines_from_rapidocr(boxes, ["hello you", "12.50"], [0.95, 1.2], pieces, 200, 100)
    assert [ln.text for ln in lines] == ["hello you", "12.50"]
    assert lines[0].bbox == BBox(x0=0, y0=10, x1=200, y1=40)
    assert lines[1].confidence == 1.0
    aligned = lines_from_rapidocr(boxes[:1], ["hello you"], [0.95], pieces, 200, 100)
    assert [w.bbox.x1 for w in aligned[0].words] == [100, 200]
    assert aligned[0].words[1].confidence == 0.7
    assert lines_from_rapidocr(None, None, None, (), 10, 10) == []


@pytest.mark.parametrize("name", ["tesseract", "rapidocr"])
def test_blank_page_gives_no_text(name: str, settings) -> None:
    output = create_engine(name, {}, settings).recognise(page_of(Image.new("RGB", (300, 200), "white")))
    assert all_words(output) == []


# --- options and probes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("engine", "options"),
    [
        ("tesseract", {"colour": "blue"}),
        ("tesseract", {"psm": 0}),
        ("tesseract", {"psm": 14}),
        ("tesseract", {"psm": "sometimes"}),
        ("tesseract", {"oem": 7}),
        ("tesseract", {"config": {"tessedit_pageseg_mode": "6"}}),
        ("rapidocr", {"lang": "en"}),
        ("rapidocr", {"text_score": 1.5}),
        ("pdftext", {"dpi": 300}),
        ("auto", {"min_chars": -1}),
        ("auto", {"ocr_engine": "nope"}),
        ("auto", {"ocr_engine": "pdftext"}),
        ("auto", {"ocr_options": {"psm": 99}}),
        ("auto", {"ocr_engine": "rapidocr", "ocr_options": {"psm": 6}}),
    ],
)
def test_bad_options_are_rejected(engine: str, options: dict, settings) -> None:
    with pytest.raises(BadParameter):
        create_engine(engine, options, settings)


@pytest.mark.parametrize("name", ["tesseract", "rapidocr", "pdftext", "auto"])
def test_probe_reports_available_with_version(name: str, settings) -> None:
    from ocrops.engines import engine_class

    status = engine_class(name).probe(settings)
    assert status.available, status.reason
    assert re.match(r"\d+\.\d+", status.version)


# --- pdftext and auto --------------------------------------------------------------------------


def _text_line(text: str, y: float = 10) -> Line:
    words = [
        Word(text=t, bbox=BBox(x0=10 * i, y0=y, x1=10 * i + 8, y1=y + 10)) for i, t in enumerate(text.split())
    ]
    return Line(words=words, bbox=BBox.enclosing([w.bbox for w in words]))


def _no_image() -> Image.Image:
    raise AssertionError("the page image was rendered although the text layer was usable")


def test_pdftext_returns_the_text_layer(settings) -> None:
    engine = create_engine("pdftext", {}, settings)
    layer = [_text_line("Quarterly results improved"), _text_line("Revenue rose", y=30)]
    assert engine.recognise(PageInput(1, 300, _no_image, lambda: layer)).lines == layer
    assert engine.recognise(PageInput(1, 300, _no_image)).lines == []


def test_auto_routes_text_layer_to_pdftext_and_images_to_ocr(settings, phototest) -> None:
    engine = create_engine("auto", {}, settings)
    layer = [_text_line("The quick brown dog jumped over the lazy fox")]
    text_page = engine.recognise(PageInput(1, 300, _no_image, lambda: layer))
    assert (text_page.route, text_page.lines) == ("pdftext", layer)
    assert engine._ocr is None  # the OCR engine is created only when a page needs it

    image, reference = phototest
    scanned = engine.recognise(page_of(image, dpi=200))
    assert scanned.route == "tesseract" and scanned.version and scanned.version != text_page.version
    assert cer(output_text(scanned), reference) < 0.02

    garbage = [_text_line("\ufffd\ufffd\ufffd a " * 10)]  # 40 characters, 30 of them unreadable
    assert engine.recognise(page_of(image, dpi=200, text_layer=lambda: garbage)).route == "tesseract"
    assert "pdftext" in engine.version() and "tesseract" in engine.version()


@pytest.mark.parametrize(
    ("texts", "min_chars", "usable"),
    [
        (["Invoice number 4471 due on 3 May"], 20, True),
        (["Page 3"], 20, False),  # a scanned page with only a page number in its text layer
        (["Page 3"], 5, True),
        ([], 0, False),
        (["\ufffd" * 30], 20, False),  # broken font encoding
        (["\ue001\ue002\ue003" * 10], 20, False),  # private-use glyph codes
        (["A normal line of text with one odd \ufffd glyph"], 20, True),
        (["Zusammenfassung der Ergebnisse für 2024"], 20, True),
        (["本季度营业收入同比增长百分之十二点五"], 10, True),
    ],
)
def test_text_layer_usable(texts: list[str], min_chars: int, usable: bool) -> None:
    lines = [_text_line(t) for t in texts]
    assert text_layer_usable(lines, min_chars) is usable
