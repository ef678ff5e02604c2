"""Conversions between PIL images and the numpy arrays the preprocessing steps work on."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

# Longest side of the reduced copy that the measurements run on (an A4 page at 300 dpi is halved).
ANALYSIS_MAX_SIDE = 2000

_TRANSPARENT_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
_HIGH_DEPTH_MODES = frozenset({"I", "F", "I;16", "I;16B", "I;16L", "I;16N"})


def to_engine_mode(image: Image.Image) -> Image.Image:
    """The image as ``L`` or ``RGB``: 1-bit becomes ``L``; palette and transparency go onto white."""
    from PIL import Image

    if image.mode in ("L", "RGB"):
        return image
    if image.mode == "1":
        return image.convert("L")
    if image.mode in _HIGH_DEPTH_MODES:
        return _high_depth_to_l(image)
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in _TRANSPARENT_MODES:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _high_depth_to_l(image: Image.Image) -> Image.Image:
    """16-bit or float grey to 8 bits, stretched by the image's own range (PIL would clip at 255)."""
    import numpy as np
    from PIL import Image

    values = np.asarray(image, dtype=np.float32)
    low, high = float(values.min()), float(values.max())
    if high <= 255 and low >= 0:
        return Image.fromarray(values.astype(np.uint8))
    span = max(high - low, 1.0)
    return Image.fromarray(((values - low) * (255.0 / span)).astype(np.uint8))


def to_array(image: Image.Image) -> np.ndarray:
    """The pixels of an ``L`` or ``RGB`` image as a uint8 array (H×W or H×W×3)."""
    import numpy as np

    return np.asarray(image, dtype=np.uint8)


def to_image(pixels: np.ndarray) -> Image.Image:
    from PIL import Image

    return Image.fromarray(pixels)  # uint8 H×W gives L, H×W×3 gives RGB


def gray(pixels: np.ndarray) -> np.ndarray:
    import cv2

    return pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)


def reduce(gray_pixels: np.ndarray, max_side: int = ANALYSIS_MAX_SIDE) -> tuple[np.ndarray, float]:
    """A copy no larger than ``max_side``, area-averaged by a whole factor (OpenCV's fast path)."""
    import cv2

    height, width = gray_pixels.shape
    factor = -(-max(height, width) // max_side)
    if factor <= 1:
        return gray_pixels, 1.0
    size = (max(1, width // factor), max(1, height // factor))
    return cv2.resize(gray_pixels, size, interpolation=cv2.INTER_AREA), size[0] / width


def paper_colour(pixels: np.ndarray) -> tuple[int, ...]:
    """The most common level of each channel (the paper), from a sparse sample of the pixels."""
    step = max(1, int((pixels.shape[0] * pixels.shape[1] / 250_000) ** 0.5))
    sample = pixels[::step, ::step].reshape(-1, 1 if pixels.ndim == 2 else pixels.shape[2])
    return tuple(int(histogram_median(sample[:, channel])) for channel in range(sample.shape[1]))


def histogram_median(values: np.ndarray) -> float:
    """Median of uint8 values in linear time (``np.median`` sorts)."""
    import cv2
    import numpy as np

    counts = cv2.calcHist([np.ascontiguousarray(values)], [0], None, [256], [0, 256]).ravel()
    return float(np.searchsorted(np.cumsum(counts), (values.size + 1) / 2))
