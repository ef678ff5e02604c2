"""The document model: one set of types every engine fills and every renderer reads."""

from ocrops.model.document import (
    BBox,
    Block,
    BlockKind,
    Cell,
    Document,
    DocumentStatus,
    EngineInfo,
    GroundingBox,
    Line,
    Page,
    PageStatus,
    QualityWarning,
    SourceInfo,
    Table,
    Word,
    document_json_schema,
)

__all__ = [
    "BBox",
    "Block",
    "BlockKind",
    "Cell",
    "Document",
    "DocumentStatus",
    "EngineInfo",
    "GroundingBox",
    "Line",
    "Page",
    "PageStatus",
    "QualityWarning",
    "SourceInfo",
    "Table",
    "Word",
    "document_json_schema",
]
