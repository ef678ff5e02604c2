"""Page preprocessing (orientation, deskew, denoise, upscale) and quality checks.

``prepare`` runs once per page image, before the OCR engine:

1. convert to ``L`` or ``RGB`` (1-bit to grey, palette and transparency onto white);
2. measure noise on the original and median-filter noisy scans (``denoise``);
3. measure paper, ink, text height and blur on a reduced copy; stop early on blank pages;
4. turn sideways or upside-down pages upright (Tesseract OSD, ``orientation``);
5. level pages skewed by up to 10 degrees (projection profiles, ``deskew``);
6. enlarge low-resolution pages and tiny text (``scale``).

Words found by the engine are in the coordinates of the returned image.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ocrops.model import QualityWarning

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

    from ocrops.preprocess.quality import PageStats

PREPROCESS_VERSION = "2026.11-2"


class PreprocessOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    orientation: Literal["auto", "always", "off"] = Field(
        "auto",
        description=(
            "Correct 90/180/270 degree rotation with Tesseract OSD: 'always' on every page; 'auto' only"
            " when the engine's first reading has low confidence (the pipeline then prepares the page"
            " again with 'always'), so upright pages pay nothing; 'off' never."
        ),
    )
    deskew: bool = Field(True, description="Straighten pages skewed by a few degrees.")
    denoise: Literal["auto", "median", "off"] = Field("auto", description="3x3 median filter on noisy scans.")
    upscale: bool = Field(True, description="Upscale low-resolution scans to min_dpi.")
    min_dpi: int = Field(200, ge=72, le=600)
    skip_blank: bool = Field(True, description="Do not send blank pages to engines.")

    @field_validator("orientation", mode="before")
    @classmethod
    def _orientation_from_bool(cls, value: object) -> object:
        if isinstance(value, bool):
            return "always" if value else "off"
        return value


@dataclass
class PreparedImage:
    """The page image to recognise and what was done to it.

    ``rotation`` and ``skew`` are the degrees the page was turned clockwise; ``scale`` is the
    enlargement (the page's dpi becomes dpi * scale); ``blank`` is set on pages without ink.
    """

    image: Image.Image
    rotation: int = 0
    skew: float = 0.0
    scale: float = 1.0
    warnings: list[QualityWarning] = field(default_factory=list)
    blank: bool = False


def prepare(
    image: Image.Image, dpi: float, options: PreprocessOptions, tessdata: Path | None = None
) -> PreparedImage:
    """Check the page's quality and correct what can be corrected (see the module's docstring)."""
    from ocrops.preprocess import _image, denoise, quality

    image = _image.to_engine_mode(image)
    pixels = _image.to_array(image)
    gray = _image.gray(pixels)
    noise = quality.noise_level(gray)
    changes: list[QualityWarning] = []
    if denoise.should_denoise(options.denoise, noise):
        pixels = denoise.median_filter(pixels)
        gray = _image.gray(pixels)
        changes.append(_info("denoised", "A 3x3 median filter removed noise.", noise))
    small, reduction = _image.reduce(gray)
    stats = quality.measure(small, reduction)
    if stats.blank:
        return PreparedImage(
            image=image, warnings=quality.quality_warnings(stats, image.size, None, noise), blank=True
        )
    blur = quality.blur_sigma(gray, stats, reduction)
    prepared = PreparedImage(image=image, warnings=quality.quality_warnings(stats, image.size, blur, noise))
    pixels = _straighten(pixels, gray, stats, options, tessdata, prepared)
    pixels = _enlarge(pixels, dpi, stats, options, prepared)
    prepared.warnings.extend(changes)
    if prepared.rotation or prepared.skew or prepared.scale != 1.0 or changes:
        prepared.image = _image.to_image(pixels)
    return prepared


def _straighten(
    pixels: np.ndarray,
    gray: np.ndarray,
    stats: PageStats,
    options: PreprocessOptions,
    tessdata: Path | None,
    prepared: PreparedImage,
) -> np.ndarray:
    """Turn the page upright, then level it; records what was done on ``prepared``."""
    from ocrops.preprocess import _image, deskew, orientation

    glyphs = stats.glyphs
    if options.orientation == "always" and len(stats.glyphs) >= orientation.MIN_GLYPHS:
        rotation, confidence = orientation.detect_rotation(gray, tessdata)
        if rotation:
            pixels = orientation.turn(pixels, rotation)
            glyphs = orientation.turn_boxes(glyphs, stats.ink.shape, rotation)
            prepared.rotation = rotation
            prepared.warnings.append(
                _info(
                    "rotated",
                    f"Turned {rotation} degrees clockwise (OSD confidence {confidence:.1f}).",
                    rotation,
                )
            )
    if options.deskew:
        skew = deskew.estimate_skew(glyphs)
        if abs(skew) > deskew.MIN_CORRECTION:
            pixels = deskew.rotate(pixels, skew, _image.paper_colour(pixels))
            prepared.skew = skew
            prepared.warnings.append(_info("deskewed", f"Levelled by {skew:.2f} degrees clockwise.", skew))
    return pixels


def _enlarge(
    pixels: np.ndarray, dpi: float, stats: PageStats, options: PreprocessOptions, prepared: PreparedImage
) -> np.ndarray:
    from ocrops.preprocess import scale

    if not options.upscale:
        return pixels
    size = (pixels.shape[1], pixels.shape[0])
    factor = scale.upscale_factor(size, dpi, options.min_dpi, stats.text_height)
    if factor == 1.0:
        return pixels
    enlarged = scale.enlarge(pixels, factor)
    prepared.scale = enlarged.shape[1] / pixels.shape[1]
    prepared.warnings.append(
        _info(
            "upscaled",
            f"Enlarged {factor:.2f} times (from {dpi:.0f} dpi, text {stats.text_height or 0:.0f} px high).",
            prepared.scale,
        )
    )
    return enlarged


def _info(code: str, message: str, value: float) -> QualityWarning:
    return QualityWarning(code=code, message=message, value=round(float(value), 3))
