"""Small-skew estimation by projection profiles, and the rotation that straightens the page.

Characters of a line sit on its baseline, so the bottoms of the glyph boxes found by
``quality.measure`` line up when the page is level: for each candidate angle their rotated y
coordinates are binned, and the angle whose histogram has the largest sum of squares wins (coarse
search, then a finer one around the best). Using glyphs rather than all ink keeps frames, rules
and pictures (often square to the image, not to the text) out of the estimate, and is fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MAX_SKEW = 10.0  # degrees searched either way
MIN_CORRECTION = 0.3  # degrees; smaller skews are left alone
MIN_GLYPHS = 20  # fewer glyphs give no reliable profile
_COARSE_STEP, _FINE_STEP = 0.5, 0.05
_MIN_PEAK_GAIN = 1.05  # the best angle must beat the typical one by this much


def estimate_skew(glyphs: np.ndarray) -> float:
    """Degrees to rotate the page clockwise to level the text, from glyph boxes (x, y, w, h, ...).

    0.0 when unsure: too few glyphs, no clear peak, or lines that run down the page.
    """
    import numpy as np

    if len(glyphs) < MIN_GLYPHS:
        return 0.0
    x = (glyphs[:, 0] + glyphs[:, 2] / 2).astype(np.float64)
    y = (glyphs[:, 1] + glyphs[:, 3]).astype(np.float64)  # baselines
    coarse = np.arange(-MAX_SKEW, MAX_SKEW + _COARSE_STEP / 2, _COARSE_STEP)
    coarse_scores = _scores(x, y, coarse)
    best = float(coarse[int(np.argmax(coarse_scores))])
    if abs(best) >= MAX_SKEW or not _is_horizontal_text(x, y, coarse_scores):
        return 0.0
    fine = np.arange(best - _COARSE_STEP, best + _COARSE_STEP + _FINE_STEP / 2, _FINE_STEP)
    return round(-_refine_peak(fine, _scores(x, y, fine)), 2) + 0.0  # + 0.0 turns -0.0 into 0.0


def _scores(x: np.ndarray, y: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Sum of squared projection-histogram counts for each angle (degrees)."""
    import numpy as np

    radians = np.radians(angles)[:, None]
    projected = y[None, :] * np.cos(radians) - x[None, :] * np.sin(radians)
    bins = (projected - projected.min(axis=1, keepdims=True)).astype(np.int64)
    return np.array([float(np.dot(counts, counts)) for counts in map(np.bincount, bins)])


def _is_horizontal_text(x: np.ndarray, y: np.ndarray, coarse_scores: np.ndarray) -> bool:
    """Lines run across the page: the best row profile is peaky and beats the column profile."""
    import numpy as np

    best = float(coarse_scores.max())
    if best < _MIN_PEAK_GAIN * float(np.median(coarse_scores)):
        return False
    column_scores = _scores(y, x, np.array([-5.0, 0.0, 5.0]))  # same measure along the other axis
    return best > float(column_scores.max())


def _refine_peak(angles: np.ndarray, scores: np.ndarray) -> float:
    """Parabolic interpolation around the highest score."""
    i = int(scores.argmax())
    if 0 < i < len(scores) - 1:
        left, centre, right = scores[i - 1], scores[i], scores[i + 1]
        curvature = left - 2 * centre + right
        if curvature < 0:
            return float(angles[i] + 0.5 * (left - right) / curvature * (angles[1] - angles[0]))
    return float(angles[i])


def rotate(pixels: np.ndarray, degrees_clockwise: float, fill: tuple[int, ...]) -> np.ndarray:
    """The pixels rotated about their centre, canvas enlarged to keep the corners, filled with paper."""
    import cv2
    import numpy as np

    height, width = pixels.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -degrees_clockwise, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width, new_height = int(np.ceil(width * cos + height * sin)), int(np.ceil(width * sin + height * cos))
    matrix[0, 2] += (new_width - width) / 2
    matrix[1, 2] += (new_height - height) / 2
    border = fill[0] if pixels.ndim == 2 else fill
    return cv2.warpAffine(
        pixels,
        matrix,
        (new_width, new_height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=border,
    )
