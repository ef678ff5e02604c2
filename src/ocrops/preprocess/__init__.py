"""Page preprocessing (orientation, deskew, denoise, upscale) and quality checks.

PLACEHOLDER: the real implementation replaces this module's internals but keeps this API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from ocrops.model import QualityWarning

if TYPE_CHECKING:
    from PIL import Image

PREPROCESS_VERSION = "1"


class PreprocessOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    orientation: bool = Field(True, description="Detect and correct 90/180/270 degree rotation (Tesseract OSD).")
    deskew: bool = Field(True, description="Straighten pages skewed by a few degrees.")
    denoise: Literal["auto", "median", "off"] = Field("auto", description="3x3 median filter on noisy scans.")
    upscale: bool = Field(True, description="Upscale low-resolution scans to min_dpi.")
    min_dpi: int = Field(200, ge=72, le=600)
    skip_blank: bool = Field(True, description="Do not send blank pages to engines.")


@dataclass
class PreparedImage:
    image: Image.Image
    rotation: int = 0
    skew: float = 0.0
    scale: float = 1.0
    warnings: list[QualityWarning] = field(default_factory=list)
    blank: bool = False


def prepare(
    image: Image.Image, dpi: float, options: PreprocessOptions, tessdata: Path | None = None
) -> PreparedImage:
    return PreparedImage(image=image.convert("RGB") if image.mode not in ("RGB", "L") else image)
