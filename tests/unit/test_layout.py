"""Layout: lines -> blocks in reading order, column detection, receipt rows, block kinds."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from ocrops.layout import assemble_blocks, order_blocks
from ocrops.model import BBox, Block, BlockKind, Line, Word


def make_line(text: str, x0: float, y0: float, x1: float, y1: float, *, word_boxes: bool = True) -> Line:
    """A line box with its words spread over it in proportion to their length."""
    parts = text.split()
    total = sum(len(p) for p in parts) + len(parts) - 1
    words, pos = [], 0
    for part in parts:
        a = x0 + (x1 - x0) * pos / total
        pos += len(part)
        b = x0 + (x1 - x0) * pos / total
        pos += 1
        box = BBox(x0=a, y0=y0, x1=b, y1=y1) if word_boxes else None
        words.append(Word(text=part, bbox=box, confidence=0.9))
    return Line(words=words, bbox=BBox(x0=x0, y0=y0, x1=x1, y1=y1), confidence=0.9)


def shuffled(lines: list[Line], seed: int = 7) -> list[Line]:
    lines = list(lines)
    random.Random(seed).shuffle(lines)
    return lines


def texts(blocks: list[Block]) -> list[str]:
    return [line.text for block in blocks for line in block.lines]


def two_column_page() -> tuple[list[Line], list[str], list[str]]:
    """A full-width title over two columns whose lines sit at exactly the same heights."""
    title = make_line("A Study of Reading Order in Scanned Pages", 100, 80, 900, 130)
    left = [f"left column sentence number {i} continues here" for i in range(12)]
    right = [f"right column sentence number {i} goes on here" for i in range(12)]
    lines = [title]
    for i, (lt, rt) in enumerate(zip(left, right, strict=True)):
        y = 200 + 30 * i
        lines.append(make_line(lt, 100, y, 480, y + 20))
        lines.append(make_line(rt, 520, y, 900, y + 20))
    return lines, left, right


def test_two_columns_under_a_title_read_title_left_then_right() -> None:
    lines, left, right = two_column_page()
    blocks = assemble_blocks(shuffled(lines), 1000, 1400)
    assert texts(blocks) == ["A Study of Reading Order in Scanned Pages", *left, *right]
    assert [b.order for b in blocks] == list(range(len(blocks)))
    assert blocks[0].kind == BlockKind.heading  # 50 px tall against 20 px body lines
    assert len(blocks) == 3  # title, left column paragraph, right column paragraph


def test_lines_at_the_same_height_in_two_columns_stay_apart() -> None:
    lines, _, _ = two_column_page()
    for line in (ln for b in assemble_blocks(shuffled(lines, 3), 1000, 1400) for ln in b.lines):
        sides = {w.text for w in line.words} & {"left", "right"}
        assert len(sides) <= 1, line.text


def receipt_lines() -> tuple[list[Line], list[str]]:
    """Items on the left and prices on the right, RapidOCR style: separate boxes per row."""
    rows = [
        ("KOPI O PANAS", "2.50"),
        ("NASI LEMAK AYAM", "9.00"),
        ("TEH TARIK", "3.20"),
        ("ROTI CANAI", "1.80"),
    ]
    lines = [
        make_line("KEDAI MAKAN MAJU", 150, 40, 350, 62),
        make_line("NO 12 JALAN BESAR", 140, 66, 360, 88),
        make_line("TAX INVOICE", 190, 110, 310, 132),
    ]
    expected = ["KEDAI MAKAN MAJU", "NO 12 JALAN BESAR", "TAX INVOICE"]
    for i, (item, price) in enumerate(rows):
        y = 170 + 34 * i
        lines.append(make_line(item, 40, y, 40 + 14 * len(item), y + 22))
        lines.append(make_line(price, 400, y + 3, 452, y + 25))  # a little lower: a slanted scan
        expected.append(f"{item} {price}")
    lines.append(make_line("TOTAL", 40, 330, 110, 354))
    lines.append(make_line("16.50", 396, 331, 452, 355))
    expected.append("TOTAL 16.50")
    return lines, expected


def test_receipt_items_and_prices_merge_into_rows_in_order() -> None:
    lines, expected = receipt_lines()
    blocks = assemble_blocks(shuffled(lines), 500, 420)
    assert texts(blocks) == expected
    merged = next(ln for b in blocks for ln in b.lines if ln.text == "NASI LEMAK AYAM 9.00")
    assert merged.bbox is not None and merged.bbox.x0 == 40 and merged.bbox.x1 == 452
    assert [w.text for w in merged.words] == ["NASI", "LEMAK", "AYAM", "9.00"]


def test_margins_headings_and_lists_are_classified() -> None:
    body = [
        make_line(f"body text line {i} of the page with several words", 100, 200 + 30 * i, 880, 220 + 30 * i)
        for i in range(5)
    ]
    lines = [
        make_line("Journal of Layout Studies", 100, 10, 400, 30),
        make_line("Methods", 100, 130, 260, 170),  # 40 px tall: a heading
        *body,
        make_line("• first point of the list", 130, 400, 600, 420),
        make_line("• second point of the list", 130, 430, 620, 450),
        make_line("1. numbered point", 130, 460, 420, 480),
        make_line("Confidential draft", 100, 951, 300, 969),
        make_line("12", 490, 975, 510, 995),
    ]
    blocks = assemble_blocks(shuffled(lines), 1000, 1000)
    kinds = {b.lines[0].text: (b.kind, b.level) for b in blocks}
    assert kinds["Journal of Layout Studies"] == (BlockKind.header, None)
    assert kinds["Methods"] == (BlockKind.heading, 2)
    assert kinds[body[0].text] == (BlockKind.paragraph, None)
    assert kinds["• first point of the list"] == (BlockKind.list_item, 1)
    assert kinds["• second point of the list"] == (BlockKind.list_item, 1)
    assert kinds["1. numbered point"] == (BlockKind.list_item, 1)
    assert kinds["Confidential draft"] == (BlockKind.footer, None)
    assert kinds["12"] == (BlockKind.page_number, None)
    assert len(next(b for b in blocks if b.lines[0].text == body[0].text).lines) == 5


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("3", BlockKind.page_number),
        ("- 3 -", BlockKind.page_number),
        ("Page 3 of 10", BlockKind.page_number),
        ("57165", BlockKind.page_number),
        ("Annual report 2024", BlockKind.footer),
    ],
)
def test_bottom_margin_text(text: str, kind: BlockKind) -> None:
    lines = [
        make_line("a body line of ordinary text in the middle", 100, 500, 900, 520),
        make_line(text, 400, 960, 600, 980),
    ]
    blocks = assemble_blocks(lines, 1000, 1000)
    assert blocks[-1].kind == kind


def test_lines_without_boxes_pass_through_in_order() -> None:
    lines = [
        Line(words=[Word(text=t) for t in text.split()])
        for text in ("Zebra first", "• apple item", "middle", "Aardvark last")
    ]
    blocks = assemble_blocks(lines, 0, 0)
    assert [b.lines for b in blocks] == [[line] for line in lines]
    assert [b.order for b in blocks] == [0, 1, 2, 3]
    assert [b.kind for b in blocks] == [
        BlockKind.paragraph,
        BlockKind.list_item,
        BlockKind.paragraph,
        BlockKind.paragraph,
    ]
    assert all(b.bbox is None for b in blocks)


def test_unboxed_lines_follow_the_boxed_ones() -> None:
    boxed = make_line("boxed line", 10, 10, 200, 30)
    loose = Line(words=[Word(text="loose")])
    blocks = assemble_blocks([loose, boxed], 300, 300)
    assert texts(blocks) == ["boxed line", "loose"]


def test_empty_input() -> None:
    assert assemble_blocks([], 100, 100) == []
    assert order_blocks([], 100, 100) == []


def test_order_blocks_sorts_columns_and_keeps_unboxed_after_their_anchor() -> None:
    def block(
        text: str, x0: float, y0: float, x1: float, y1: float, kind: BlockKind = BlockKind.paragraph
    ) -> Block:
        rows = int((y1 - y0) // 30)
        lines = [
            make_line(f"{text} line {k} with words", x0, y0 + 30 * k, x1, y0 + 30 * k + 20)
            for k in range(rows)
        ]
        return Block(kind=kind, bbox=BBox(x0=x0, y0=y0, x1=x1, y1=y1), lines=lines)

    title = block("title", 100, 100, 900, 130, BlockKind.title)
    left_a, left_b = block("left a", 100, 200, 480, 500), block("left b", 100, 530, 480, 800)
    right_a, right_b = block("right a", 520, 200, 900, 350), block("right b", 520, 380, 900, 800)
    loose = Block(lines=[Line(words=[Word(text="unboxed")])])
    given_order = [right_b, left_b, title, right_a, loose, left_a]
    ordered = order_blocks(given_order, 1000, 1000)
    assert [b.lines[0].words[0].text for b in ordered] == [
        "title",
        "left",
        "left",
        "right",
        "unboxed",
        "right",
    ]
    assert [b.bbox for b in ordered if b.bbox] == [
        title.bbox,
        left_a.bbox,
        left_b.bbox,
        right_a.bbox,
        right_b.bbox,
    ]
    assert [b.order for b in ordered] == list(range(6))
    assert ordered[0].kind == BlockKind.title  # a kind the engine set is kept
    assert given_order[0].order == 0 and given_order[0] is right_b  # inputs are not modified


boxes = st.tuples(
    st.floats(0, 900, allow_nan=False),
    st.floats(0, 1300, allow_nan=False),
    st.floats(0, 400, allow_nan=False),
    st.floats(0, 60, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(boxes, st.integers(1, 4), st.booleans()), max_size=40))
def test_assemble_blocks_keeps_every_word_once(specs: list) -> None:
    lines = []
    for n, ((x, y, w, h), words, has_box) in enumerate(specs):
        text = " ".join(f"w{n}_{k}" for k in range(words))
        line = make_line(text, x, y, x + w, y + h)
        lines.append(line if has_box else Line(words=line.words))  # some boxes only on the words
    blocks = assemble_blocks(lines, 1000, 1400)
    out = Counter(w.model_dump_json() for b in blocks for ln in b.lines for w in ln.words)
    assert out == Counter(w.model_dump_json() for ln in lines for w in ln.words)
    assert [b.order for b in blocks] == list(range(len(blocks)))
    for b in blocks:
        assert b.bbox is not None
        assert b.bbox == BBox.enclosing([ln.bbox for ln in b.lines])
    assert assemble_blocks(lines, 1000, 1400) == blocks  # deterministic


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(boxes, st.booleans()), max_size=30))
def test_order_blocks_is_a_permutation(specs: list) -> None:
    blocks = []
    for n, ((x, y, w, h), has_box) in enumerate(specs):
        line = make_line(f"block{n} text", x, y, x + w, y + h)
        blocks.append(Block(lines=[line], bbox=line.bbox if has_box else None))
    ordered = order_blocks(blocks, 1000, 1400)
    assert sorted(b.lines[0].words[0].text for b in ordered) == sorted(
        b.lines[0].words[0].text for b in blocks
    )
    assert [b.order for b in ordered] == list(range(len(blocks)))


# --- against ground truth ------------------------------------------------------------

MULTI_COLUMN_PAGES = [  # OmniDocBench demo pages: (image prefix, columns)
    "docstructbench_llm-raw-scihub-o.O-j.chroma.2005.05.085.pdf_4",  # two-column paper
    "docstructbench_dianzishu_zhongwenzaixian-o.O-60599898.pdf_30",  # two-page Chinese spread
    "newspaper_5e266dfd9c498cab274e12a7b4a75755_4",  # three-column newspaper
    "eastmoney_62b4149b1612ce28d20f26cd5c5b2e18f80b26fca6e4452e090376a2fe72eae3.pdf_0",  # sidebar
]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _cer(reference: str, hypothesis: str) -> float:
    ref, hyp = _squash(reference), _squash(hypothesis)
    return Levenshtein.distance(ref, hyp) / max(len(ref), 1)


def _omnidoc_page(datasets_dir: Path, prefix: str) -> tuple[list[list[Line]], float, float]:
    """Ground-truth text lines (spans) of the page's ordered regions, regions in reading order."""
    from PIL import Image

    root = datasets_dir / "omnidocbench-demo"
    pages = json.loads((root / "OmniDocBench_dev.json").read_text(encoding="utf-8"))
    page = next(p for p in pages if p["page_info"]["image_path"].startswith(prefix))
    with Image.open(root / "images" / page["page_info"]["image_path"]) as image:
        width, height = image.size  # page_info sizes are swapped on some pages
    regions = sorted(
        (d for d in page["layout_dets"] if d.get("order") is not None and d.get("line_with_spans")),
        key=lambda d: d["order"],
    )
    out = []
    for region in regions:
        spans = [(s.get("text") or s.get("latex") or "", s["poly"]) for s in region["line_with_spans"]]
        out.append([make_line(t, p[0], p[1], p[4], p[5]) for t, p in spans if t.strip()])
    return [r for r in out if r], width, height


@pytest.mark.datasets
@pytest.mark.parametrize("prefix", MULTI_COLUMN_PAGES)
def test_multi_column_pages_read_in_ground_truth_order(datasets_dir: Path, prefix: str) -> None:
    regions, width, height = _omnidoc_page(datasets_dir, prefix)
    reference = " ".join(ln.text for region in regions for ln in region)
    lines = shuffled([ln for region in regions for ln in region], seed=0)
    naive = " ".join(ln.text for ln in sorted(lines, key=lambda ln: (ln.bbox.y0, ln.bbox.x0)))
    hypothesis = " ".join(b.text for b in assemble_blocks(lines, width, height))
    assert _cer(reference, naive) > 0.5  # top-to-bottom order scrambles these pages
    assert _cer(reference, hypothesis) <= 0.02  # measured 0.000 on all four


@pytest.mark.datasets
@pytest.mark.parametrize("prefix", MULTI_COLUMN_PAGES)
def test_order_blocks_matches_ground_truth_region_order(datasets_dir: Path, prefix: str) -> None:
    regions, width, height = _omnidoc_page(datasets_dir, prefix)
    blocks = [Block(bbox=BBox.enclosing([ln.bbox for ln in r]), lines=r) for r in regions]
    ordered = order_blocks(shuffled(blocks, seed=1), width, height)
    assert [b.lines for b in ordered] == [b.lines for b in blocks]


def _sroie_lines(datasets_dir: Path, k: int) -> list[tuple[str, float, float, float, float]]:
    rows = []
    for raw in (
        (datasets_dir / "sroie" / "box" / f"{k:03d}.csv")
        .read_text(encoding="utf-8", errors="replace")
        .splitlines()
    ):
        parts = raw.split(",", 8)
        if len(parts) == 9 and parts[8].strip():
            xs, ys = [int(v) for v in parts[0:8:2]], [int(v) for v in parts[1:8:2]]
            rows.append((parts[8], min(xs), min(ys), max(xs), max(ys)))
    return rows


@pytest.mark.datasets
def test_receipts_read_close_to_the_transcription_order(datasets_dir: Path) -> None:
    """SROIE ground-truth boxes, shuffled: our order against the annotators' line order."""
    ours, naive = [], []
    for k in range(20):
        rows = _sroie_lines(datasets_dir, k)
        reference = " ".join(r[0] for r in rows)
        lines = shuffled([make_line(*r) for r in rows], seed=k)
        width = max(r[3] for r in rows) + 10
        height = max(r[4] for r in rows) + 10
        ours.append(_cer(reference, " ".join(b.text for b in assemble_blocks(lines, width, height))))
        naive.append(
            _cer(
                reference, " ".join(ln.text for ln in sorted(lines, key=lambda ln: (ln.bbox.y0, ln.bbox.x0)))
            )
        )
    # measured: 0.079 (naive top-to-bottom sort: 0.156); the annotators' order is not
    # always row by row, so zero is out of reach
    assert sum(ours) / len(ours) <= 0.10
    assert sum(ours) < 0.66 * sum(naive)
