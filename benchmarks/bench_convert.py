"""Conversion benchmarks (issue: core conversion). Prints a Markdown report of ratios measured in one run.

    .venv/bin/python benchmarks/bench_convert.py [--pages 20] [--skip-peer] [--skip-memory] [--skip-engines]

1. overhead: ocrops (tesseract, 1 worker, no cache) vs tesserocr called directly on the same
   rendered images in one loop (target <= 1.10x)
2. parallelism: 2 workers vs 1 on the same pages (target >= 1.8x)
3. memory: peak RSS converting a 500-page PDF vs a 50-page PDF (same pages repeated; target <= 1.2x)
4. peer: ocrmypdf --sidecar on the same scanned PDF (needs `bash scripts/install.sh --bench`)
5. pages per second and CER per engine on the SROIE receipts and the olmOCR-bench pages
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATASETS, image_pdf, repeat_pdf, run_measured, scanned_page_images, timed

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def convert_seconds(
    pdf: Path,
    engine: str,
    workers: int,
    home: Path,
    dpi: int,
    preprocess: dict | None = None,
    **engine_options: object,
) -> float:
    import ocrops
    from ocrops.settings import load_settings

    settings = load_settings(home=home, cache=False)
    start = time.perf_counter()
    doc = ocrops.convert(
        pdf,
        engine=engine,
        workers=workers,
        dpi=dpi,
        settings=settings,
        preprocess=preprocess,
        **engine_options,
    )
    elapsed = time.perf_counter() - start
    assert doc.status == "succeeded", doc.errors
    return elapsed


def direct_tesseract_seconds(pdf: Path, dpi: int) -> float:
    """The baseline: render once (not timed), then one tesserocr API over all images, words with boxes."""
    import pypdfium2 as pdfium
    import tesserocr

    from ocrops.settings import load_settings

    doc = pdfium.PdfDocument(pdf)
    images = [doc[i].render(scale=dpi / 72).to_pil() for i in range(len(doc))]
    tessdata = str(load_settings().resolved_tessdata) + "/"

    def loop() -> None:
        with tesserocr.PyTessBaseAPI(path=tessdata, lang="eng", psm=tesserocr.PSM.SINGLE_BLOCK) as api:
            for image in images:
                api.SetImage(image)
                api.Recognize()
                iterator = api.GetIterator()
                level = tesserocr.RIL.WORD
                for word in tesserocr.iterate_level(iterator, level):
                    word.GetUTF8Text(level), word.BoundingBox(level), word.Confidence(level)

    return timed(loop)


def bench_overhead_and_parallel(pdf: Path, home: Path, dpi: int) -> list[tuple[str, str, str, str]]:
    direct = direct_tesseract_seconds(pdf, dpi)
    plain = convert_seconds(pdf, "tesseract", 1, home, dpi, preprocess={"off": True}, psm=6)
    default = convert_seconds(pdf, "tesseract", 1, home, dpi)
    two = convert_seconds(pdf, "tesseract", 2, home, dpi)
    return [
        (
            "overhead: ocrops (tesseract psm=6, --no-preprocess, 1 worker) / tesserocr direct (psm 6)",
            f"{plain:.2f} s / {direct:.2f} s",
            f"{plain / direct:.2f}x",
            "<= 1.10x",
        ),
        (
            "defaults: ocrops (psm=auto, preprocessing on, 1 worker) / tesserocr direct (psm 6)",
            f"{default:.2f} s / {direct:.2f} s",
            f"{default / direct:.2f}x",
            "(cost of deskew, upscaling, layout)",
        ),
        (
            "parallelism: 1 worker / 2 workers (defaults)",
            f"{default:.2f} s / {two:.2f} s",
            f"{default / two:.2f}x",
            ">= 1.8x",
        ),
    ]


def bench_memory(work: Path) -> list[tuple[str, str, str, str]]:
    page = work / "one.pdf"
    import shutil as _sh

    _sh.copy(Path(__file__).resolve().parents[1] / "examples" / "sample.pdf", page)
    small = repeat_pdf(page, 25, work / "p50.pdf")
    large = repeat_pdf(page, 250, work / "p500.pdf")
    env = {"OCROPS_HOME": str(work / "home"), "OCROPS_CACHE": "false"}
    base = [
        sys.executable,
        "-m",
        "ocrops",
        "convert",
        "-q",
        "-f",
        "json",
        "-o",
        str(work / "out"),
        "--workers",
        "1",
        "-e",
        "auto",
        "--dpi",
        "100",
    ]
    t_small, rss_small = run_measured([*base, str(small)], env)
    t_large, rss_large = run_measured([*base, str(large)], env)
    return [
        (
            "memory: peak RSS 500 pages / 50 pages (auto: text layer + OCR, 1 worker)",
            f"{rss_large / 2**20:.0f} MiB / {rss_small / 2**20:.0f} MiB",
            f"{rss_large / rss_small:.2f}x",
            "<= 1.2x",
        ),
        (
            "  (wall time 500 / 50 pages)",
            f"{t_large:.1f} s / {t_small:.1f} s",
            f"{t_large / t_small:.1f}x",
            "",
        ),
    ]


def bench_peer(pdf: Path, work: Path) -> list[tuple[str, str, str, str]]:
    if not shutil.which("ocrmypdf") and not (Path(sys.executable).parent / "ocrmypdf").exists():
        return [("peer: ocrmypdf --sidecar", "not installed", "-", "run scripts/install.sh --bench")]
    ocrmypdf = shutil.which("ocrmypdf") or str(Path(sys.executable).parent / "ocrmypdf")
    env = {"OCROPS_HOME": str(work / "home-peer"), "OCROPS_CACHE": "false", "OMP_THREAD_LIMIT": "1"}
    t_peer, _ = run_measured(
        [
            ocrmypdf,
            "-q",
            "--force-ocr",
            "--jobs",
            "2",
            "--output-type",
            "pdf",
            "--optimize",
            "0",
            "--sidecar",
            str(work / "peer.txt"),
            str(pdf),
            str(work / "peer.pdf"),
        ],
        env,
    )
    t_ours, _ = run_measured(
        [
            sys.executable,
            "-m",
            "ocrops",
            "convert",
            "-q",
            "-f",
            "txt",
            "-e",
            "tesseract",
            "--workers",
            "2",
            "--dpi",
            "200",
            "-o",
            str(work / "ours"),
            str(pdf),
        ],
        env,
    )
    return [
        (
            "peer: ocrmypdf --sidecar (2 jobs) / ocrops convert (2 workers), whole CLI",
            f"{t_peer:.2f} s / {t_ours:.2f} s",
            f"ocrops {t_peer / t_ours:.2f}x faster",
            "> 1x",
        )
    ]


def bench_engines(home: Path) -> list[tuple[str, str, str, str]]:
    import ocrops
    from ocrops.evaluate.metrics.text import measure_text
    from ocrops.settings import load_settings

    settings = load_settings(home=home, cache=False)
    rows = []
    receipts = sorted((DATASETS / "sroie/img").glob("*.jpg"))
    refs = [
        "\n".join(
            line.split(",", 8)[8]
            for line in (DATASETS / "sroie/box" / f"{p.stem}.csv")
            .read_text(encoding="utf-8", errors="replace")
            .splitlines()
            if line.count(",") >= 8
        )
        for p in receipts
    ]
    for engine in ("tesseract", "rapidocr"):
        hyps, start = [], time.perf_counter()
        for path in receipts:
            hyps.append(ocrops.convert(path, engine=engine, workers=1, settings=settings).text)
        elapsed = time.perf_counter() - start
        counts = measure_text([" ".join(r.split()) for r in refs], [" ".join(h.split()) for h in hyps])
        rows.append(
            (
                f"SROIE ({len(receipts)} receipts), {engine}, 1 worker",
                f"{len(receipts) / elapsed:.2f} pages/s",
                f"CER {counts.cer:.3f}",
                "",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-engines", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="ocrops-bench-") as tmp:
        work = Path(tmp)
        pdf = image_pdf(scanned_page_images()[: args.pages], work / "scan.pdf", dpi=args.dpi)
        rows += bench_overhead_and_parallel(pdf, work / "home", args.dpi)
        if not args.skip_memory:
            rows += bench_memory(work)
        if not args.skip_peer:
            rows += bench_peer(pdf, work)
        if not args.skip_engines:
            rows += bench_engines(work / "home")
    print(f"\n{args.pages} scanned pages (tesseract-test + SROIE), {os.cpu_count()} cores\n")
    print("| measure | values | ratio | target |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
