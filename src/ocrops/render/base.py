"""The renderer contract: a Document in, text or bytes out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from ocrops.model import Document


class Renderer(ABC):
    name: ClassVar[str]  # the -f value: md, json, txt, html, csv
    extension: ClassVar[str]  # ".md"
    media_type: ClassVar[str]

    @abstractmethod
    def render(self, document: Document) -> str:
        """The whole document as one string (what goes to stdout or an HTTP body)."""

    def render_files(self, document: Document, stem: str) -> dict[str, str]:
        """Files to write for ``-o OUTDIR``: name -> content. CSV writes one file per table."""
        return {f"{stem}{self.extension}": self.render(document)}
