"""A folder of documents with ground-truth text beside them: ``x.tif`` + ``x.gt.txt`` or ``x.txt``.

The tesstrain / Tesseract test layout. Sample ids are the relative path without extension;
files in sub-folders get a ``dir:<folder>`` tag.
"""

from __future__ import annotations

from pathlib import Path

from ocrops.evaluate.datasets.importers.base import Importer, ImporterOptions, read_text, relative_posix
from ocrops.evaluate.datasets.manifest import Sample

DOCUMENT_SUFFIXES = frozenset(
    {
        ".tif",
        ".tiff",
        ".png",
        ".jpg",
        ".jpeg",
        ".bmp",
        ".gif",
        ".webp",
        ".jp2",
        ".pnm",
        ".pbm",
        ".pgm",
        ".ppm",
    }
    | {".pdf"}
)
TEXT_SUFFIXES = (".gt.txt", ".txt")  # first match wins


class PairsOptions(ImporterOptions):
    recursive: bool = True
    include_unpaired: bool = False  # keep documents that have no text beside them (no ground truth)
    split: str = "test"


class PairsImporter(Importer):
    name = "pairs"
    description = "Documents with ground-truth text files beside them (x.tif + x.gt.txt / x.txt)."
    Options = PairsOptions

    def read(self, source: Path, options: PairsOptions) -> list[Sample]:
        pattern = "**/*" if options.recursive else "*"
        documents = sorted(
            p for p in source.glob(pattern) if p.suffix.lower() in DOCUMENT_SUFFIXES and p.is_file()
        )
        samples = []
        for document in documents:
            truth = ground_truth_file(document)
            if truth is None and not options.include_unpaired:
                continue
            samples.append(_sample(document, truth, source, options.split))
        return samples


def ground_truth_file(document: Path) -> Path | None:
    stem = document.with_suffix("")
    for suffix in TEXT_SUFFIXES:
        candidate = stem.with_name(stem.name + suffix)
        if candidate.is_file():
            return candidate
    return None


def _sample(document: Path, truth: Path | None, source: Path, split: str) -> Sample:
    file = relative_posix(document, source)
    folder = Path(file).parent.as_posix()
    return Sample(
        id=Path(file).with_suffix("").as_posix(),
        file=file,
        text=read_text(truth) if truth else None,
        tags=[f"dir:{folder}"] if folder != "." else [],
        split=split,
    )
