"""Page measurements (paper, ink, text height, blur, noise) and the quality warnings drawn from them.

Everything except blur and noise is measured on a reduced grey copy of the page (``_image.reduce``);
blur and noise need full-resolution pixels and are measured on a few tiles of the original.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ocrops.model import QualityWarning
from ocrops.preprocess._image import histogram_median

if TYPE_CHECKING:
    import numpy as np

# Ink differs from the paper by at least this many grey levels, and by NOISE_INK_FACTOR times the
# page's noise level, so faint scanner noise on a white page is not taken for ink.
MIN_INK_DELTA = 32
NOISE_INK_FACTOR = 8
# Ink marks smaller than this (reduced copy, pixels) are specks; larger ones make a page non-blank.
MIN_MARK_AREA = 8
MIN_MARK_SIDE = 4
FRAME_SPAN = 0.6  # marks along the border longer than this share of a side are frames, not content
MIN_GLYPHS = 8  # glyph-like marks needed to estimate the text height
LOW_CONTRAST = 60  # paper-to-ink grey levels below which a page is reported as low contrast
TINY_TEXT_PX = 8  # median glyph height (full-resolution pixels) below which text is too small
TINY_PAGE_PX = 300  # short side under which a page without measurable text is too small
# Blur: Gaussian sigma of the ink edges relative to the glyph height. Sharp pages measure at most
# 0.10 (SROIE receipts, tesseract-test, OmniDocBench pages; most below 0.07); the same pages blurred
# by 0.15 x glyph height measure 0.11-0.17, by 0.2 x 0.13-0.24. Only heavy blur is reported:
# Tesseract already fails on phototest blurred by 0.11 x glyph height, which measures 0.08.
BLURRY_RELATIVE_SIGMA = 0.11
# Noise: median |pixel - 3x3 median| on the original. Clean scans and JPEGs measure 0-1;
# Gaussian noise of sigma 20 measures 4.
NOISY_LEVEL = 4
MIN_BLUR_TEXT_PX = 10  # below this the edge measurement is dominated by pixel size: not measured
_EDGE_FLOOR_SIGMA = 0.8  # what a perfectly sharp step edge measures (central differences)


@dataclass(frozen=True)
class PageStats:
    """What ``measure`` finds on the reduced copy; pixel sizes are in the original's pixels."""

    paper: float
    contrast: float | None  # grey levels between paper and ink; None without ink
    marks: int  # ink marks larger than specks (0 means blank)
    text_height: float | None  # median glyph height; None with too few glyphs
    glyphs: np.ndarray  # boxes (x, y, w, h, area) of glyph-like marks, reduced-copy pixels
    ink: np.ndarray  # ink mask of the reduced copy (uint8, 0 or 1)

    @property
    def blank(self) -> bool:
        return self.marks == 0


def noise_level(gray: np.ndarray, max_side: int = 1024) -> float:
    """Median |pixel - 3x3 median| over a central crop: 0-1 on clean pages, >= 4 on noisy scans."""
    import cv2

    height, width = gray.shape
    top, left = max(0, (height - max_side) // 2), max(0, (width - max_side) // 2)
    crop = gray[top : top + max_side, left : left + max_side]
    return histogram_median(cv2.absdiff(crop, cv2.medianBlur(crop, 3)))


def measure(small: np.ndarray, scale: float) -> PageStats:
    """Paper, ink contrast, marks and text height of a reduced grey copy at ``scale``."""
    import cv2
    import numpy as np

    paper = histogram_median(small)
    delta = max(MIN_INK_DELTA, NOISE_INK_FACTOR * noise_level(small))
    difference = small.astype(np.int16) - int(paper)
    contrast = _contrast(small, paper, difference < -delta, difference > delta)
    # Ink is cut halfway between paper and ink: glyphs keep their true height when blurred, and
    # what is left of the noise after filtering stays below the cut.
    cut = max(delta, (contrast or 0.0) / 2)
    ink = (np.abs(difference) > cut).astype(np.uint8)
    _, _, boxes, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    marks = _significant(boxes[1:], small.shape)
    glyphs = _glyphs(marks, small.shape)
    return PageStats(
        paper=paper,
        contrast=contrast,
        marks=int(marks.shape[0]),
        text_height=float(np.median(glyphs[:, 3])) / scale if len(glyphs) >= MIN_GLYPHS else None,
        glyphs=glyphs,
        ink=ink,
    )


def _significant(boxes: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Component boxes (x, y, w, h, area) that are neither specks nor frames along the border."""
    height, width = shape[:2]
    x, y, w, h, area = boxes.T
    big_enough = (area >= MIN_MARK_AREA) & ((w >= MIN_MARK_SIDE) | (h >= MIN_MARK_SIDE))
    touches_border = (x == 0) | (y == 0) | (x + w >= width) | (y + h >= height)
    frame = touches_border & ((w > FRAME_SPAN * width) | (h > FRAME_SPAN * height))
    return boxes[big_enough & ~frame]


def _glyphs(marks: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Marks shaped like characters: not rules, frames or pictures."""
    w, h = marks[:, 2], marks[:, 3]
    return marks[
        (h >= MIN_MARK_SIDE) & (h < shape[0] / 3) & (w < shape[1] / 2) & (w <= 10 * h) & (h <= 10 * w)
    ]


def _contrast(small: np.ndarray, paper: float, dark: np.ndarray, light: np.ndarray) -> float | None:
    """Paper minus the ink's strongest tenth (robust to strokes thinned by the reduction)."""
    import numpy as np

    dark_count, light_count = int(dark.sum()), int(light.sum())
    if max(dark_count, light_count) == 0:
        return None
    if dark_count >= light_count:
        return paper - float(np.percentile(small[dark], 10))
    return float(np.percentile(small[light], 90)) - paper


def blur_sigma(gray: np.ndarray, stats: PageStats, scale: float) -> float | None:
    """Gaussian sigma (original pixels) of the ink edges in the densest tiles; None without text."""
    import numpy as np

    if stats.text_height is None or stats.text_height < MIN_BLUR_TEXT_PX:
        return None
    tile = int(np.clip(8 * stats.text_height, 128, 512))
    window = max(9, round(0.6 * stats.text_height) | 1)
    tiles = _densest_tiles(gray, stats, scale, tile)
    sigmas = [s for s in (_edge_sigma(t, window) for t in tiles) if s is not None]
    return float(np.median(sigmas)) if sigmas else None


def _densest_tiles(gray: np.ndarray, stats: PageStats, scale: float, tile: int, count: int = 5) -> list:
    """Full-resolution tiles holding the most glyphs (text, not pictures or shaded bands)."""
    import numpy as np

    rows, cols = -(-gray.shape[0] // tile), -(-gray.shape[1] // tile)
    centres = stats.glyphs[:, :2] + stats.glyphs[:, 2:4] / 2
    row = np.minimum((centres[:, 1] / scale // tile).astype(int), rows - 1)
    col = np.minimum((centres[:, 0] / scale // tile).astype(int), cols - 1)
    counts = np.bincount(row * cols + col, minlength=rows * cols)
    best = [i for i in np.argsort(counts)[::-1][:count] if counts[i] >= 3]
    return [
        gray[(i // cols) * tile : (i // cols + 1) * tile, (i % cols) * tile : (i % cols + 1) * tile]
        for i in best
    ]


def _edge_sigma(tile: np.ndarray, window: int) -> float | None:
    """Blur of a tile's edges: a step of contrast C blurred by sigma has slope C / (sigma * sqrt(2 pi))."""
    import cv2
    import numpy as np

    pixels = tile.astype(np.float32)
    slope = (
        cv2.magnitude(
            cv2.Sobel(pixels, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(pixels, cv2.CV_32F, 0, 1, ksize=3)
        )
        / 8
    )
    kernel = np.ones((window, window), np.uint8)
    local_range = cv2.dilate(pixels, kernel) - cv2.erode(pixels, kernel)
    contrast = float(np.percentile(local_range, 95))
    if contrast < MIN_INK_DELTA:
        return None
    edges = cv2.Canny(tile, 0.15 * contrast, 0.3 * contrast, L2gradient=True) > 0
    edges &= local_range > 0.5 * contrast
    if edges.sum() < 50:
        return None
    measured = 0.3989 / float(np.median(slope[edges] / local_range[edges]))
    return max(measured**2 - _EDGE_FLOOR_SIGMA**2, 0.0) ** 0.5


def quality_warnings(
    stats: PageStats, size: tuple[int, int], blur: float | None, noise: float
) -> list[QualityWarning]:
    """Warnings about the page as it came in (before corrections)."""
    found: list[QualityWarning] = []
    if stats.blank:
        return [QualityWarning(code="blank", message="The page has no ink: nothing to recognise.")]
    if stats.text_height is not None and stats.text_height < TINY_TEXT_PX:
        found.append(
            QualityWarning(
                code="too_small",
                value=round(stats.text_height, 1),
                message=f"Text is about {stats.text_height:.0f} px high; OCR needs at least ~10 px.",
            )
        )
    elif stats.text_height is None and min(size) < TINY_PAGE_PX:
        found.append(
            QualityWarning(
                code="too_small",
                value=float(min(size)),
                message=f"The page is only {min(size)} px on its short side.",
            )
        )
    if stats.contrast is not None and stats.contrast < LOW_CONTRAST:
        found.append(
            QualityWarning(
                code="low_contrast",
                value=round(stats.contrast, 1),
                message=f"Ink differs from the paper by only {stats.contrast:.0f} grey levels.",
            )
        )
    if blur is not None and stats.text_height and blur / stats.text_height > BLURRY_RELATIVE_SIGMA:
        found.append(
            QualityWarning(
                code="blurry",
                value=round(blur / stats.text_height, 3),
                message=f"Edges are blurred by about {blur:.1f} px for text {stats.text_height:.0f} px high.",
            )
        )
    if noise >= NOISY_LEVEL:
        found.append(
            QualityWarning(code="noisy", value=noise, message=f"The scan is noisy (level {noise:.0f}).")
        )
    return found
