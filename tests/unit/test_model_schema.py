"""The published JSON Schema is the model's, and documents round-trip through JSON."""

from __future__ import annotations

import json

from ocrops.model import BBox, Block, Document, Line, Page, SourceInfo, Word, document_json_schema
from tests.conftest import REPO_ROOT


def test_published_schema_is_current():
    published = json.loads((REPO_ROOT / "docs/schema/document.schema.json").read_text())
    assert published == json.loads(json.dumps(document_json_schema())), (
        "regenerate with: ocrops schema > docs/schema/document.schema.json"
    )


def test_document_round_trips_with_status():
    word = Word(text="TOTAL", bbox=BBox(x0=1, y0=2, x1=30, y1=12), confidence=0.9)
    page = Page(number=1, width=100, height=200, blocks=[Block(lines=[Line(words=[word])])])
    doc = Document(
        source=SourceInfo(name="r.jpg", sha256="0" * 64, media_type="image/jpeg", size=10), pages=[page]
    )
    data = json.loads(doc.model_dump_json())
    assert data["status"] == "succeeded"
    assert Document.model_validate(data) == doc
    assert "status" in document_json_schema()["properties"]
