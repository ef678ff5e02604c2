"""Page orientation (0/90/180/270) from Tesseract's orientation and script detection (OSD).

OSD's confidence is trustworthy for telling sideways pages from upright ones, much less for telling
upright from upside down. Measured on 60 SROIE receipts, the two tesseract-test pages, 8
OmniDocBench pages and 8 PubTabNet tables, each turned 0/90/180/270 degrees:

- no upright page was ever reported as 90 or 270; sideways pages are reported with the wrong
  direction (90 for 270) at confidence up to 3.9, where either answer leaves the page unreadable,
  so sideways pages are turned from confidence 1.5;
- upright dot-matrix receipts were reported as 180 with confidence up to 5.1 (turning a readable
  page upside down), so 180 needs confidence 6 (phototest turned over reports 11).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

SIDEWAYS_MIN_CONFIDENCE = 1.5
UPSIDE_DOWN_MIN_CONFIDENCE = 6.0
MIN_GLYPHS = 20  # sparser pages are not worth OSD's time (it needs text to judge, and is slow on them)
_OSD_MAX_SIDE = 2400  # larger pages are reduced first: a third faster, as accurate
_OSD_MIN_SIDE = 32
_LEGACY_OEM = 0  # OSD runs on the legacy engine; osd.traineddata has no LSTM model
_unavailable: set[str] = set()


def detect_rotation(gray: np.ndarray, tessdata: Path | None) -> tuple[int, float]:
    """(degrees to rotate the page clockwise to make it upright, OSD confidence); (0, 0.0) if unsure.

    Never raises: without ``osd.traineddata``, or when OSD finds too few characters, the page
    is taken as upright.
    """
    result = _osd(gray, tessdata)
    if result is None:
        return 0, 0.0
    degrees, confidence = int(result["orient_deg"]) % 360, float(result["orient_conf"])
    needed = UPSIDE_DOWN_MIN_CONFIDENCE if degrees == 180 else SIDEWAYS_MIN_CONFIDENCE
    if degrees == 0 or confidence < needed:
        return 0, confidence
    # OSD reports how far the content is turned clockwise; undoing it turns the page the other way.
    return (360 - degrees) % 360, confidence


def _osd(gray: np.ndarray, tessdata: Path | None) -> dict | None:
    if tessdata is None or str(tessdata) in _unavailable or min(gray.shape) < _OSD_MIN_SIDE:
        return None
    if not (tessdata / "osd.traineddata").exists():
        _unavailable.add(str(tessdata))
        return None
    from ocrops.engines._exec.tesseract_api import tesseract_api
    from ocrops.errors import EngineUnavailable
    from ocrops.preprocess._image import reduce, to_image

    small, _ = reduce(gray, _OSD_MAX_SIDE)
    try:
        # Initialised with lang="osd": an API initialised with "eng" aborts the process in
        # DetectOrientationScript (Tesseract 5.5, std::out_of_range).
        with tesseract_api(tessdata, "osd", _LEGACY_OEM) as api:
            import tesserocr

            api.SetPageSegMode(tesserocr.PSM.OSD_ONLY)
            api.SetImage(to_image(small))
            return api.DetectOrientationScript()
    except EngineUnavailable as exc:
        _unavailable.add(str(tessdata))
        log.warning("orientation detection unavailable: %s", exc)
    except RuntimeError as exc:  # tesserocr raises RuntimeError when it cannot take the image
        log.debug("orientation detection failed: %s", exc)
    return None


def turn(pixels: np.ndarray, degrees_clockwise: int) -> np.ndarray:
    """The pixels turned clockwise by a multiple of 90 degrees (lossless)."""
    import numpy as np

    return np.ascontiguousarray(np.rot90(pixels, k=-(degrees_clockwise // 90) % 4))


def turn_boxes(boxes: np.ndarray, shape: tuple[int, ...], degrees_clockwise: int) -> np.ndarray:
    """Boxes (x, y, w, h, ...) of an image of ``shape`` (height, width), as on the turned image."""
    import numpy as np

    height, width = shape[:2]
    x, y, w, h = (boxes[:, i] for i in range(4))
    turned = boxes.copy()
    if degrees_clockwise == 90:
        turned[:, 0], turned[:, 1], turned[:, 2], turned[:, 3] = height - y - h, x, h, w
    elif degrees_clockwise == 180:
        turned[:, 0], turned[:, 1] = width - x - w, height - y - h
    elif degrees_clockwise == 270:
        turned[:, 0], turned[:, 1], turned[:, 2], turned[:, 3] = y, width - x - w, h, w
    return np.asarray(turned)
