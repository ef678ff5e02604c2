"""Renderers: text, Markdown, JSON, HTML (hOCR-style), CSV."""

from ocrops.render.base import Renderer
from ocrops.render.registry import RENDERERS, get_renderer, render

__all__ = ["RENDERERS", "Renderer", "get_renderer", "render"]
