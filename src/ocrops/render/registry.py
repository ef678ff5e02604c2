"""The renderer registry."""

from __future__ import annotations

from ocrops._registry import LazyRegistry
from ocrops.errors import BadParameter
from ocrops.render.base import Renderer

RENDERERS: LazyRegistry[type[Renderer]] = LazyRegistry(
    "renderer",
    {
        "md": "ocrops.render.markdown:MarkdownRenderer",
        "json": "ocrops.render.json:JsonRenderer",
        "txt": "ocrops.render.text:TextRenderer",
        "html": "ocrops.render.html:HtmlRenderer",
        "csv": "ocrops.render.csv:CsvRenderer",
    },
)


def get_renderer(name: str) -> Renderer:
    if name not in RENDERERS:
        raise BadParameter(f"unknown output format {name!r}; choose one of: {', '.join(RENDERERS.names())}")
    return RENDERERS.get(name)()


def render(document_or_none: object, fmt: str) -> str:
    return get_renderer(fmt).render(document_or_none)  # type: ignore[arg-type]
