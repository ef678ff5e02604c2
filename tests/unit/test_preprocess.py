"""Page preprocessing on real pages: tesseract-test's phototest (200 dpi) turned, skewed, noised,
blurred and shrunk, checked by the corrections recorded and by what Tesseract then reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocrops.preprocess import PREPROCESS_VERSION, PreparedImage, PreprocessOptions, prepare

PHOTOTEST_DPI = 200
QUICK_BOX = (98, 190, 181, 228)  # the word "quick" on phototest


@pytest.fixture(scope="module")
def tessdata() -> Path:
    from ocrops.settings import load_settings

    path = load_settings().resolved_tessdata
    if path is None or not (path / "osd.traineddata").exists():
        pytest.skip("Tesseract data with osd.traineddata is not installed")
    return path


@pytest.fixture(scope="module")
def phototest(datasets_dir: Path) -> Image.Image:
    return Image.open(datasets_dir / "tesseract-test" / "phototest.tif").convert("L")


@pytest.fixture(scope="module")
def reference(datasets_dir: Path) -> str:
    return (datasets_dir / "tesseract-test" / "phototest.txt").read_text().strip()


@pytest.fixture(scope="module")
def ocr(tessdata: Path):
    import tesserocr

    api = tesserocr.PyTessBaseAPI(path=f"{tessdata}/", lang="eng")

    def read(image: Image.Image) -> str:
        api.SetImage(image)
        return api.GetUTF8Text().strip()

    yield read
    api.End()


def cer(text: str, reference: str) -> float:
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(text, reference) / len(reference)


def codes(prepared: PreparedImage) -> set[str]:
    return {warning.code for warning in prepared.warnings}


def noisy(image: Image.Image, sigma: float) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32)
    noise = np.random.default_rng(0).normal(0, sigma, pixels.shape)
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))


def white_page(sigma: float = 6.0, size: tuple[int, int] = (1240, 1754), seed: int = 1) -> np.ndarray:
    """An A4 page at 150 dpi of slightly grey paper with faint scanner noise."""
    height_width = (size[1], size[0])
    return np.clip(np.random.default_rng(seed).normal(245, sigma, height_width), 0, 255).astype(np.uint8)


def test_version_is_part_of_the_cache_key() -> None:
    assert PREPROCESS_VERSION != "1"


@pytest.mark.datasets
def test_clean_page_is_left_alone(phototest: Image.Image, tessdata: Path) -> None:
    from ocrops.preprocess import _image, deskew, quality

    prepared = prepare(phototest, PHOTOTEST_DPI, PreprocessOptions(), tessdata)

    assert not prepared.blank
    assert (prepared.rotation, prepared.skew, prepared.scale) == (0, 0.0, 1.0)
    assert prepared.warnings == []
    assert prepared.image is phototest  # nothing changed, nothing copied
    stats = quality.measure(*_image.reduce(np.asarray(phototest)))
    assert abs(deskew.estimate_skew(stats.ink)) < 0.15
    assert stats.text_height == pytest.approx(18, abs=3)


@pytest.mark.datasets
@pytest.mark.parametrize("turned", [90, 180, 270])
def test_turned_page_is_put_upright(phototest: Image.Image, tessdata: Path, ocr, turned: int) -> None:
    page = phototest.rotate(-turned, expand=True)  # PIL turns counter-clockwise
    if turned != 90:  # Tesseract itself reads phototest turned 90 degrees clockwise, not the others
        assert "quick brown dog" not in ocr(page)

    prepared = prepare(page, PHOTOTEST_DPI, PreprocessOptions(orientation="always"), tessdata)

    assert prepared.rotation == (360 - turned) % 360
    assert "rotated" in codes(prepared)
    assert prepared.image.size == phototest.size
    assert "quick brown dog" in ocr(prepared.image)


@pytest.mark.datasets
def test_turned_and_skewed_page_is_put_upright_then_levelled(phototest: Image.Image, tessdata: Path) -> None:
    page = phototest.rotate(3, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC).rotate(
        -90, expand=True
    )
    prepared = prepare(page, PHOTOTEST_DPI, PreprocessOptions(orientation="always"), tessdata)
    assert prepared.rotation == 270
    assert prepared.skew == pytest.approx(3, abs=0.5)
    unturned = prepare(page, PHOTOTEST_DPI, PreprocessOptions(orientation=False), tessdata)
    assert (unturned.rotation, unturned.skew) == (0, 0.0)  # lines running down the page are not "levelled"


@pytest.mark.datasets
def test_turned_page_stays_turned_without_orientation(phototest: Image.Image, tessdata: Path) -> None:
    page = phototest.rotate(180)
    prepared = prepare(page, PHOTOTEST_DPI, PreprocessOptions(orientation=False), tessdata)
    assert prepared.rotation == 0
    assert "rotated" not in codes(prepared)


@pytest.mark.datasets
@pytest.mark.parametrize("tessdata_dir", [None, "empty"])
def test_missing_osd_data_means_no_rotation(
    phototest: Image.Image, tmp_path: Path, tessdata_dir: str | None
) -> None:
    where = tmp_path if tessdata_dir else None
    prepared = prepare(phototest.rotate(180), PHOTOTEST_DPI, PreprocessOptions(), where)
    assert prepared.rotation == 0


@pytest.mark.datasets
@pytest.mark.parametrize("degrees_ccw", [3.0, -3.0])
def test_skewed_page_is_levelled(
    phototest: Image.Image, tessdata: Path, ocr, reference: str, degrees_ccw: float
) -> None:
    page = phototest.rotate(degrees_ccw, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)

    prepared = prepare(page, PHOTOTEST_DPI, PreprocessOptions(orientation="always"), tessdata)

    assert prepared.skew == pytest.approx(degrees_ccw, abs=0.5)  # turned back clockwise by as much
    assert "deskewed" in codes(prepared)
    before, after = cer(ocr(page), reference), cer(ocr(prepared.image), reference)
    assert after <= before
    assert after < 0.02  # measured 0.000 (before: 0.004 for +3, 0.368 for -3)


@pytest.mark.datasets
@pytest.mark.parametrize(("sigma", "unreadable_before"), [(40, False), (80, True)])
def test_noisy_scan_is_filtered(
    phototest: Image.Image, tessdata: Path, ocr, reference: str, sigma: float, unreadable_before: bool
) -> None:
    page = noisy(phototest, sigma)

    prepared = prepare(page, PHOTOTEST_DPI, PreprocessOptions(orientation="always"), tessdata)

    assert {"noisy", "denoised"} <= codes(prepared)
    assert prepared.scale == 1.0  # the noise is not taken for tiny text
    assert cer(ocr(prepared.image), reference) < 0.1  # measured 0.004 (sigma 40), 0.007 (sigma 80)
    if unreadable_before:
        assert cer(ocr(page), reference) > 0.5  # measured 1.0: Tesseract reads nothing


@pytest.mark.datasets
def test_denoise_modes(phototest: Image.Image) -> None:
    page = noisy(phototest, 40)
    off = prepare(page, PHOTOTEST_DPI, PreprocessOptions(denoise="off", orientation=False))
    assert "denoised" not in codes(off)
    assert "noisy" in codes(off)
    assert off.image is page
    clean = prepare(phototest, PHOTOTEST_DPI, PreprocessOptions(denoise="median", orientation=False))
    assert "denoised" in codes(clean)
    assert "noisy" not in codes(clean)


@pytest.mark.datasets
def test_blurred_page_is_reported(phototest: Image.Image) -> None:
    import cv2

    blurred = Image.fromarray(cv2.GaussianBlur(np.asarray(phototest), (0, 0), 3.6))  # 0.2 x glyph height
    prepared = prepare(blurred, PHOTOTEST_DPI, PreprocessOptions(orientation=False))
    assert "blurry" in codes(prepared)


@pytest.mark.datasets
def test_low_contrast_page_is_reported(phototest: Image.Image) -> None:
    ink = 1.0 - np.asarray(phototest, dtype=np.float32) / 255
    grey_on_grey = Image.fromarray((150 - 40 * ink).astype(np.uint8))  # text 110 on paper 150
    prepared = prepare(grey_on_grey, PHOTOTEST_DPI, PreprocessOptions(orientation=False))
    assert "low_contrast" in codes(prepared)
    assert not prepared.blank


@pytest.mark.datasets
def test_low_resolution_page_is_upscaled(phototest: Image.Image, tessdata: Path, ocr) -> None:
    factor = 72 / PHOTOTEST_DPI
    small = phototest.resize(
        (round(phototest.width * factor), round(phototest.height * factor)), Image.Resampling.LANCZOS
    )

    prepared = prepare(small, 72, PreprocessOptions(), tessdata)

    assert prepared.scale >= 200 / 72 - 0.01
    assert prepared.scale <= 4
    assert prepared.image.width == round(small.width * prepared.scale)
    assert "upscaled" in codes(prepared)
    assert "quick brown dog" in ocr(prepared.image)
    assert prepare(small, 72, PreprocessOptions(upscale=False), tessdata).scale == 1.0


@pytest.mark.parametrize(
    ("size", "dpi", "text_height", "factor"),
    [
        ((600, 800), 72, None, 200 / 72),  # low dpi, text not measured: up to min_dpi
        ((600, 800), 72, 30.0, 1.0),  # the dpi is wrong, the text is already large
        ((600, 800), 72, 15.0, 40 / 15),  # up to min_dpi, but glyphs no larger than 40 px
        ((1000, 1400), 300, 10.0, 2.0),  # tiny text on a high-dpi page: glyphs to 20 px
        ((1000, 1400), 300, 15.0, 1.0),
        ((400, 500), 36, None, 4.0),  # at most 4 times
        ((5000, 5000), 100, None, 1.0),  # 25 megapixels already
        ((600, 800), 0, None, 1.0),  # unknown dpi
        ((600, 800), 195, None, 1.0),  # less than 5 % is not worth it
    ],
)
def test_upscale_factor(size: tuple[int, int], dpi: float, text_height: float | None, factor: float) -> None:
    from ocrops.preprocess.scale import upscale_factor

    assert upscale_factor(size, dpi, 200, text_height) == pytest.approx(factor, rel=1e-3)


def _page_with(marks: str) -> np.ndarray:
    page = white_page()
    rng = np.random.default_rng(2)
    if "border" in marks:
        page[:3, :], page[-3:, :], page[:, :2] = 0, 20, 0
    if "specks" in marks:
        for y, x in rng.integers(50, 1200, (20, 2)):
            page[y : y + 2, x : x + 2] = 60
    if "band" in marks:
        page[:, -60:] = 30  # the scanner lid beyond the sheet
    return page


@pytest.mark.parametrize("marks", ["faint noise", "border", "specks", "band", "border specks band"])
def test_blank_page(marks: str) -> None:
    prepared = prepare(Image.fromarray(_page_with(marks)), 150, PreprocessOptions())
    assert prepared.blank
    assert codes(prepared) == {"blank"}


@pytest.mark.parametrize("level", [0, 120, 255])
def test_uniform_page_is_blank(level: int) -> None:
    assert prepare(Image.new("L", (800, 1000), level), 150, PreprocessOptions()).blank


@pytest.mark.datasets
@pytest.mark.parametrize("inverted", [False, True])
def test_page_with_one_word_is_not_blank(phototest: Image.Image, inverted: bool) -> None:
    page = _page_with("border specks")
    word = np.asarray(phototest.crop(QUICK_BOX))
    top, left = 800, 600
    region = page[top : top + word.shape[0], left : left + word.shape[1]]
    page[top : top + word.shape[0], left : left + word.shape[1]] = np.minimum(region, word)
    if inverted:
        page = 255 - page
    prepared = prepare(Image.fromarray(page), 150, PreprocessOptions())
    assert not prepared.blank
    assert "blank" not in codes(prepared)


@pytest.mark.datasets
@pytest.mark.parametrize("name", ["012", "024", "042"])
def test_real_receipts_raise_no_quality_warnings(datasets_dir: Path, name: str) -> None:
    receipt = Image.open(datasets_dir / "sroie" / "img" / f"{name}.jpg")
    prepared = prepare(receipt, 300, PreprocessOptions(orientation=False))
    assert not codes(prepared) & {"blank", "blurry", "noisy", "low_contrast", "too_small"}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("1", "L"),
        ("L", "L"),
        ("RGB", "RGB"),
        ("P", "RGB"),
        ("RGBA", "RGB"),
        ("LA", "RGB"),
        ("CMYK", "RGB"),
        ("I;16", "L"),
        ("I", "L"),
        ("F", "L"),
    ],
)
def test_image_modes_become_l_or_rgb(mode: str, expected: str) -> None:
    page = Image.fromarray(_page_with("")).convert(mode)
    assert prepare(page, 150, PreprocessOptions()).image.mode == expected


def test_transparency_goes_onto_white() -> None:
    from ocrops.preprocess._image import to_engine_mode

    clear = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    assert to_engine_mode(clear).getpixel((0, 0)) == (255, 255, 255)


def test_sixteen_bit_grey_keeps_its_range() -> None:
    from ocrops.preprocess._image import to_engine_mode

    ramp = Image.fromarray(np.linspace(0, 65535, 256, dtype=np.uint16).reshape(16, 16))
    converted = np.asarray(to_engine_mode(ramp))
    assert converted.min() == 0
    assert converted.max() == 255


@pytest.mark.parametrize(
    ("size", "inked", "blank"),
    [
        ((1, 1), False, True),
        ((1, 1), True, True),
        ((3, 40), True, False),
        ((40, 3), False, True),
        ((64, 64), False, True),
        ((64, 64), True, False),
    ],
)
def test_tiny_images_do_not_fail(size: tuple[int, int], inked: bool, blank: bool) -> None:
    from ocrops.settings import load_settings

    page = Image.new("RGB", size, "white")
    if inked:  # a black block over the top-left quarter
        page.paste((0, 0, 0), (0, 0, max(1, size[0] // 2), max(1, size[1] // 2)))
    prepared = prepare(page, 300, PreprocessOptions(), load_settings().resolved_tessdata)
    assert prepared.image.width >= size[0]
    assert prepared.blank == blank
