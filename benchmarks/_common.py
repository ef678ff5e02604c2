"""Shared helpers for benchmark scripts: dataset location, test PDFs, timing, peak memory."""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("OCROPS_DATASETS_DIR", REPO_ROOT.parent / "shared" / "datasets"))


def require_datasets() -> Path:
    if not DATASETS.is_dir():
        sys.exit(f"datasets folder {DATASETS} is missing (set OCROPS_DATASETS_DIR)")
    return DATASETS


def scanned_page_images() -> list[Path]:
    """Real scans: the two Tesseract test pages and SROIE receipts."""
    root = require_datasets()
    return [
        root / "tesseract-test/phototest.tif",
        root / "tesseract-test/eurotext.tif",
        *sorted((root / "sroie/img").glob("*.jpg")),
    ]


def image_pdf(images: Iterable[Path], out: Path, dpi: int = 200) -> Path:
    """An image-only PDF (a 'scan'): each image becomes one page at ``dpi``."""
    from PIL import Image

    pages = []
    for path in images:
        with Image.open(path) as img:
            pages.append(img.convert("RGB"))
    pages[0].save(out, save_all=True, append_images=pages[1:], resolution=dpi)
    return out


def repeat_pdf(source: Path, copies: int, out: Path) -> Path:
    """``source``'s pages repeated ``copies`` times, with pypdfium2."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(source)
    dst = pdfium.PdfDocument.new()
    for _ in range(copies):
        dst.import_pages(src)
    buffer = io.BytesIO()
    dst.save(buffer)
    out.write_bytes(buffer.getvalue())
    return out


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Best wall time of ``repeat`` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes, the largest process of the command tree) of a command."""
    wrapper = [
        sys.executable,
        "-c",
        "import resource,subprocess,sys,time;t=time.perf_counter();"
        "r=subprocess.run(sys.argv[1:]).returncode;"
        "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss*1024,"
        " file=sys.stderr);sys.exit(r)",
        *cmd,
    ]
    proc = subprocess.run(wrapper, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr[-2000:]}")
    seconds, rss = proc.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(rss)


def self_peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
