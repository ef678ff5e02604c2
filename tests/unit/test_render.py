"""Renderers: text, Markdown, JSON, HTML (hOCR), CSV, from a document built by hand."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from typing import ClassVar

import pytest

from ocrops.model import (
    BBox,
    Block,
    BlockKind,
    Cell,
    Document,
    DocumentStatus,
    Line,
    Page,
    PageStatus,
    SourceInfo,
    Table,
    Word,
)
from ocrops.render import RENDERERS, get_renderer
from ocrops.render.markdown import MarkdownRenderer, join_lines, split_pages


def words_line(text: str, x0: float, y0: float, *, h: float = 20, conf: float | None = 0.93) -> Line:
    """One line with a box per word: 10 px per character, 10 px between words."""
    words, x = [], x0
    for part in text.split():
        words.append(
            Word(text=part, bbox=BBox(x0=x, y0=y0, x1=x + 10 * len(part), y1=y0 + h), confidence=conf)
        )
        x += 10 * len(part) + 10
    return Line(words=words, bbox=BBox.enclosing([w.bbox for w in words]), confidence=conf)


def block(
    kind: BlockKind, order: int, *lines: Line, level: int | None = None, table: Table | None = None
) -> Block:
    return Block(
        kind=kind,
        order=order,
        lines=list(lines),
        level=level,
        table=table,
        bbox=BBox.enclosing([ln.bbox for ln in lines]) if lines else None,
    )


TABLE = Table(
    rows=3,
    cols=3,
    cells=[
        Cell(row=0, col=0, text="Item", header=True),
        Cell(row=0, col=1, text="Price, RM", header=True),
        Cell(row=0, col=2, text="Note", header=True),
        Cell(row=1, col=0, text='Kopi "O"', bbox=BBox(x0=100, y0=700, x1=200, y1=720)),
        Cell(row=1, col=1, text="2.50"),
        Cell(row=1, col=2, text="hot | iced"),
        Cell(row=2, col=0, text="Total", col_span=2),
        Cell(row=2, col=2, text="line one\nline two"),
    ],
)


@pytest.fixture
def document() -> Document:
    page1 = Page(
        number=1,
        width=1000,
        height=1400,
        dpi=300,
        blocks=[
            # given out of order on purpose: renderers follow ``order``
            block(
                BlockKind.paragraph,
                3,
                words_line("An exam-", 100, 300),
                words_line("ple of text with AT&T <tags>", 100, 330),
            ),
            block(BlockKind.header, 0, words_line("Running header", 100, 10)),
            block(BlockKind.title, 1, words_line("Report Title", 100, 100, h=50)),
            block(BlockKind.heading, 2, words_line("Introduction", 100, 200, h=30), level=2),
            block(
                BlockKind.paragraph, 4, words_line("Well-", 100, 400), words_line("Known facts.", 100, 430)
            ),
            block(BlockKind.list_item, 5, words_line("• first item", 120, 500), level=1),
            block(BlockKind.list_item, 6, words_line("• nested item", 160, 530), level=2),
            block(BlockKind.list_item, 7, words_line("2. numbered item", 120, 560), level=1),
            block(BlockKind.figure, 8, words_line("axis label", 100, 600)),
            Block(kind=BlockKind.table, order=9, table=TABLE, bbox=BBox(x0=100, y0=650, x1=900, y1=800)),
            block(BlockKind.paragraph, 10, words_line("# not a heading", 100, 850)),
            block(BlockKind.page_number, 11, words_line("1", 500, 1370)),
        ],
    )
    page2 = Page(number=2, width=1000, height=1400, markdown="## Native\n\nVLM *markdown* here.\n")
    page3 = Page(
        number=3, width=1000, height=1400, status=PageStatus.error, error="engine crashed -- out of memory"
    )
    source = SourceInfo(
        name="report <1>.pdf", sha256="0" * 64, media_type="application/pdf", size=1234, page_count=3
    )
    return Document(source=source, pages=[page1, page2, page3])


EXPECTED_MARKDOWN = """\
<!-- page 1 -->

# Report Title

## Introduction

An example of text with AT&T <tags>

Well- Known facts.

- first item
  - nested item
2. numbered item

axis label

| Item | Price, RM | Note |
| --- | --- | --- |
| Kopi "O" | 2.50 | hot \\| iced |
| Total |  | line one line two |

\\# not a heading

<!-- page 2 -->

## Native

VLM *markdown* here.

<!-- page 3 -->

<!-- error: engine crashed - - out of memory -->
"""


def test_markdown_exact(document: Document) -> None:
    assert get_renderer("md").render(document) == EXPECTED_MARKDOWN


def test_markdown_pages_split_back(document: Document) -> None:
    pages = split_pages(get_renderer("md").render(document))
    assert [number for number, _ in pages] == [1, 2, 3]
    assert pages[1][1] == "## Native\n\nVLM *markdown* here."


def test_markdown_single_page_has_no_marker_and_furniture_on_request(document: Document) -> None:
    one = document.model_copy(update={"pages": document.pages[:1]})
    plain = MarkdownRenderer().render(one)
    assert "<!-- page" not in plain
    assert plain.startswith("# Report Title\n")
    assert split_pages(plain) == [(1, plain.strip())]
    furnished = MarkdownRenderer(include_furniture=True).render(one)
    assert furnished.startswith("Running header\n\n# Report Title")
    assert furnished.endswith("\\# not a heading\n\n1\n")


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (["exam-", "ple"], "example"),
        (["Well-", "Known"], "Well- Known"),  # capital: a real hyphenated compound
        (["pages 3-", "4"], "pages 3- 4"),  # not a letter before the hyphen
        (["one", "", " two "], "one two"),
        ([], ""),
    ],
)
def test_join_lines(lines: list[str], joined: str) -> None:
    assert join_lines(lines) == joined


def test_markdown_escapes_list_like_paragraphs() -> None:
    page = Page(
        number=1,
        width=100,
        height=100,
        blocks=[
            Block(
                order=0,
                lines=[Line(words=[Word(text="1."), Word(text="not"), Word(text="a"), Word(text="list")])],
            ),
            Block(order=1, lines=[Line(words=[Word(text="-"), Word(text="dash")])]),
        ],
    )
    doc = Document(source=SourceInfo(name="x", sha256="0", media_type="text/plain", size=0), pages=[page])
    assert MarkdownRenderer().render(doc) == "1\\. not a list\n\n\\- dash\n"


def test_text(document: Document) -> None:
    text = get_renderer("txt").render(document)
    pages = text.split("\f")
    assert len(pages) == 3
    assert pages[0].startswith(
        "Running header\n\nReport Title\n\nIntroduction\n\nAn exam-\nple of text with AT&T <tags>\n\n"
    )
    assert 'Item\tPrice, RM\tNote\nKopi "O"\t2.50\thot | iced\nTotal\t\tline one\nline two\n\n' in pages[0]
    assert pages[0].endswith("# not a heading\n\n1\n")
    assert pages[1] == "## Native\n\nVLM *markdown* here.\n"
    assert pages[2] == "\n"


def test_json_round_trips(document: Document) -> None:
    rendered = get_renderer("json").render(document)
    back = Document.model_validate_json(rendered)
    assert back == document
    assert back.status == DocumentStatus.partial
    assert '"status": "partial"' in rendered


class _Collector(HTMLParser):
    """Collects (tag, attrs, text) of elements with a class, checking tags balance."""

    VOID: ClassVar[set[str]] = {"meta", "br", "img", "link", "hr", "input"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.elements: list[tuple[str, dict[str, str | None], str]] = []
        self.meta: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "meta" and "name" in attributes:
            self.meta[str(attributes["name"])] = attributes.get("content")
        if tag not in self.VOID:
            self.stack.append((tag, attributes, []))

    def handle_endtag(self, tag: str) -> None:
        open_tag, attributes, text = self.stack.pop()
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>"
        joined = "".join(text)
        if self.stack:
            self.stack[-1][2].append(joined)
        self.elements.append((tag, attributes, joined))

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.stack[-1][2].append(data)


def test_html_is_hocr(document: Document) -> None:
    rendered = get_renderer("html").render(document)
    assert rendered.startswith("<!DOCTYPE html>")
    parser = _Collector()
    parser.feed(rendered)
    parser.close()
    assert parser.stack == []
    assert parser.meta["ocr-system"] == "ocrops"
    assert "ocrx_word" in (parser.meta["ocr-capabilities"] or "")

    def with_class(name: str) -> list[tuple[str, dict[str, str | None], str]]:
        return [e for e in parser.elements if name in (e[1].get("class") or "").split()]

    pages = with_class("ocr_page")
    assert [p[1]["title"] for p in pages] == ["bbox 0 0 1000 1400; ppageno 0"] + [
        f"bbox 0 0 1000 1400; ppageno {n}" for n in (1, 2)
    ]
    assert pages[0][1]["data-dpi"] == "300" and pages[0][1]["data-width"] == "1000"
    assert pages[2][1]["data-status"] == "error"

    words = [w for b in document.pages[0].blocks for ln in b.lines for w in ln.words]
    spans = with_class("ocrx_word")
    assert len(spans) == len(words)
    by_text = {text: attrs for _, attrs, text in spans}
    assert by_text["AT&T"]["title"] == "bbox 270 330 310 350; x_wconf 93"
    assert by_text["<tags>"]["title"] == "bbox 320 330 380 350; x_wconf 93"
    assert "left:27.000%;top:23.571%" in (by_text["AT&T"]["style"] or "")
    assert "AT&amp;T" in rendered and "&lt;tags&gt;" in rendered and "<tags>" not in rendered
    assert "report &lt;1&gt;.pdf" in rendered
    assert len(with_class("ocr_line")) == sum(len(b.lines) for b in document.pages[0].blocks)
    assert len(with_class("ocr_carea")) == len(document.pages[0].blocks)

    cells = [(tag, attrs, text) for tag, attrs, text in parser.elements if tag in ("td", "th")]
    assert [text for _, _, text in cells] == [
        "Item",
        "Price, RM",
        "Note",
        'Kopi "O"',
        "2.50",
        "hot | iced",
        "Total",
        "line one\nline two",
    ]
    assert cells[6][1]["colspan"] == "2" and cells[0][0] == "th"
    assert "<h2>Native</h2>" in rendered and "<em>markdown</em>" in rendered
    assert "engine crashed -- out of memory" in [text for _, _, text in with_class("ocrops_error")]


def test_html_escapes_raw_html_in_native_markdown() -> None:
    page = Page(
        number=1, width=10, height=10, markdown="<script>alert(1)</script>\n\n[x](javascript:alert(1))"
    )
    doc = Document(source=SourceInfo(name="x", sha256="0", media_type="image/png", size=0), pages=[page])
    rendered = get_renderer("html").render(doc)
    assert "<script>" not in rendered and "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert 'href="javascript' not in rendered


def test_csv(document: Document) -> None:
    second = Table(rows=1, cols=2, cells=[Cell(row=0, col=0, text="a"), Cell(row=0, col=1, text="b")])
    document.pages[1].blocks.append(Block(kind=BlockKind.table, order=0, table=second))
    renderer = get_renderer("csv")
    rendered = renderer.render(document)
    first_csv = 'Item,"Price, RM",Note\n"Kopi ""O""",2.50,hot | iced\nTotal,,"line one\nline two"\n'
    assert rendered == first_csv + "\na,b\n"
    assert list(csv.reader(io.StringIO(first_csv))) == TABLE.grid()
    assert renderer.render_files(document, "report") == {
        "report-p1-t1.csv": first_csv,
        "report-p2-t1.csv": "a,b\n",
    }


def test_csv_without_tables_is_empty(document: Document) -> None:
    document.pages[0].blocks = [b for b in document.pages[0].blocks if b.table is None]
    assert get_renderer("csv").render(document) == ""
    assert get_renderer("csv").render_files(document, "x") == {}


@pytest.mark.parametrize("name", ["md", "txt", "json", "html", "csv"])
def test_registry_names_every_renderer(name: str, document: Document) -> None:
    renderer = get_renderer(name)
    assert renderer.name == name
    assert renderer.extension == f".{name}"
    assert name in RENDERERS
    files = renderer.render_files(document, "doc")
    assert files and all(key.startswith("doc") and key.endswith(renderer.extension) for key in files)
