"""Document -> pages -> blocks -> lines -> words, plus tables and native Markdown.

Coordinates are pixels of the page image at ``Page.dpi``, origin top-left, x to the
right and y down. Boxes are optional: office documents have structure but no geometry.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

SCHEMA_VERSION = "1.0"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BBox(_Model):
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def union(self, other: BBox) -> BBox:
        return BBox(
            x0=min(self.x0, other.x0),
            y0=min(self.y0, other.y0),
            x1=max(self.x1, other.x1),
            y1=max(self.y1, other.y1),
        )

    def scaled(self, factor: float) -> BBox:
        return BBox(x0=self.x0 * factor, y0=self.y0 * factor, x1=self.x1 * factor, y1=self.y1 * factor)

    @classmethod
    def enclosing(cls, boxes: list[BBox | None]) -> BBox | None:
        present = [b for b in boxes if b is not None]
        if not present:
            return None
        return cls(
            x0=min(b.x0 for b in present),
            y0=min(b.y0 for b in present),
            x1=max(b.x1 for b in present),
            y1=max(b.y1 for b in present),
        )


class Word(_Model):
    text: str
    bbox: BBox | None = None
    confidence: float | None = Field(None, ge=0.0, le=1.0, description="0..1, None when unknown.")


class Line(_Model):
    words: list[Word] = Field(default_factory=list)
    bbox: BBox | None = None
    confidence: float | None = Field(None, ge=0.0, le=1.0)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words if w.text)


class Cell(_Model):
    row: int = Field(ge=0)
    col: int = Field(ge=0)
    row_span: int = Field(1, ge=1)
    col_span: int = Field(1, ge=1)
    text: str = ""
    header: bool = False
    bbox: BBox | None = None


class Table(_Model):
    rows: int = Field(ge=0)
    cols: int = Field(ge=0)
    cells: list[Cell] = Field(default_factory=list)

    def grid(self) -> list[list[str]]:
        """Rows x cols of cell text; spanned positions repeat nothing (empty strings)."""
        grid = [["" for _ in range(self.cols)] for _ in range(self.rows)]
        for cell in self.cells:
            if cell.row < self.rows and cell.col < self.cols:
                grid[cell.row][cell.col] = cell.text
        return grid


class BlockKind(StrEnum):
    title = "title"
    heading = "heading"
    paragraph = "paragraph"
    list_item = "list_item"
    table = "table"
    figure = "figure"
    header = "header"
    footer = "footer"
    page_number = "page_number"
    formula = "formula"
    caption = "caption"


class Block(_Model):
    kind: BlockKind = BlockKind.paragraph
    bbox: BBox | None = None
    order: int = Field(0, ge=0, description="Reading-order index within the page.")
    lines: list[Line] = Field(default_factory=list)
    level: int | None = Field(None, ge=1, le=6, description="Heading level or list nesting depth.")
    table: Table | None = None
    confidence: float | None = Field(None, ge=0.0, le=1.0)

    @property
    def text(self) -> str:
        if self.table is not None and not self.lines:
            return "\n".join("\t".join(row) for row in self.table.grid())
        return "\n".join(line.text for line in self.lines)


class GroundingBox(_Model):
    """A region a VLM engine pointed at in its Markdown output (e.g. DeepSeek-OCR grounding)."""

    label: str
    bbox: BBox
    text: str | None = None


class PageStatus(StrEnum):
    ok = "ok"
    blank = "blank"  # not sent to an engine
    error = "error"


class QualityWarning(_Model):
    code: str = Field(description="blank, blurry, too_small, low_contrast, rotated, skewed, upscaled, ...")
    message: str
    value: float | None = None


class EngineInfo(_Model):
    name: str
    version: str = ""
    options_hash: str = ""
    options: dict[str, Any] = Field(default_factory=dict)
    route: str | None = Field(None, description="For routing engines: which engine actually ran.")


class Page(_Model):
    number: int = Field(ge=1, description="1-based page number in the source document.")
    width: float = Field(ge=0, description="Pixels at dpi.")
    height: float = Field(ge=0)
    dpi: float = 72.0
    rotation: int = Field(0, description="Degrees the page was rotated clockwise before recognition.")
    skew: float = Field(0.0, description="Degrees of deskew applied.")
    status: PageStatus = PageStatus.ok
    error: str | None = None
    warnings: list[QualityWarning] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds per stage.")
    engine: EngineInfo | None = None
    blocks: list[Block] = Field(default_factory=list)
    markdown: str | None = Field(None, description="Engine-native Markdown (VLM engines).")
    grounding: list[GroundingBox] = Field(default_factory=list)
    cached: bool = False

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in sorted(self.blocks, key=lambda b: b.order) if b.text)

    def words(self) -> list[Word]:
        return [w for b in self.blocks for line in b.lines for w in line.words]


class SourceInfo(_Model):
    name: str
    sha256: str
    media_type: str
    size: int = Field(ge=0)
    page_count: int = Field(0, ge=0)


class DocumentStatus(StrEnum):
    succeeded = "succeeded"
    partial = "partial"
    failed = "failed"


class Document(BaseModel):
    model_config = ConfigDict(extra="ignore")  # computed fields (status) round-trip

    schema_version: str = SCHEMA_VERSION
    source: SourceInfo
    pages: list[Page] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> DocumentStatus:
        errors = sum(1 for p in self.pages if p.status == PageStatus.error)
        if errors == 0:
            return DocumentStatus.succeeded
        return DocumentStatus.failed if errors == len(self.pages) else DocumentStatus.partial

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)

    @property
    def errors(self) -> list[str]:
        return [f"page {p.number}: {p.error}" for p in self.pages if p.status == PageStatus.error]


def document_json_schema() -> dict[str, Any]:
    """The published JSON Schema of the document model."""
    schema = Document.model_json_schema(mode="serialization")  # what -f json writes, status included
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://ocrops.dev/schema/document-{SCHEMA_VERSION}.json"
    return schema
