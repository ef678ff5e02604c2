"""JSON: the whole document model (``status`` included), as the published JSON Schema describes.

``Document.model_validate_json`` reads it back.
"""

from __future__ import annotations

from ocrops.model import Document
from ocrops.render.base import Renderer


class JsonRenderer(Renderer):
    name = "json"
    extension = ".json"
    media_type = "application/json"

    def render(self, document: Document) -> str:
        return document.model_dump_json(indent=2) + "\n"
