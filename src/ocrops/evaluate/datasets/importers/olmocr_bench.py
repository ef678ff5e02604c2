"""olmOCR-bench: ``*.jsonl`` test files + ``pdfs/``; one sample per (pdf, page).

Each JSONL line is one unit test (``{"pdf", "page", "id", "type", ...}``, see allenai/olmocr
``olmocr/bench/tests.py``); a sample's ``tests`` are the tests of its page, unchanged. Tags:
``test:<type>`` per test type present, and ``category:<folder>`` for PDFs in a sub-folder of
``pdfs/`` (the benchmark's categories: headers_footers, arxiv_math...).
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from ocrops.errors import InputError, NotFound
from ocrops.evaluate.datasets.importers.base import Importer, ImporterOptions
from ocrops.evaluate.datasets.manifest import Sample, check_relative


class OlmOcrBenchOptions(ImporterOptions):
    tests: list[str] | None = None  # JSONL files relative to the source; default: every top-level *.jsonl
    pdfs: str = "pdfs"
    split: str = "test"


class OlmOcrBenchImporter(Importer):
    name = "olmocr-bench"
    description = "olmOCR-bench PDF pages with unit tests (present, absent, order, table, math...)."
    license = "Apache-2.0 (sample data)"
    origin = "https://github.com/allenai/olmocr (olmocr/bench)"
    Options = OlmOcrBenchOptions

    def read(self, source: Path, options: OlmOcrBenchOptions) -> list[Sample]:
        files = [source / name for name in options.tests] if options.tests else sorted(source.glob("*.jsonl"))
        if not files:
            raise NotFound(f"no olmOCR-bench *.jsonl test files in {source}")
        pages: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for path in files:
            for test in read_tests(path):
                pages.setdefault((test["pdf"], int(test["page"])), []).append(test)
        return [_sample(pdf, page, tests, options) for (pdf, page), tests in pages.items()]


def read_tests(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise NotFound(f"olmOCR-bench test file {path} does not exist")
    tests = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                test = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path} line {number}: invalid JSON: {exc.msg}") from None
            if not isinstance(test, dict) or not test.get("pdf") or not isinstance(test.get("page"), int):
                raise InputError(f"{path} line {number}: a test needs 'pdf' and an integer 'page'")
            tests.append(test)
    return tests


def _sample(pdf: str, page: int, tests: list[dict[str, Any]], options: OlmOcrBenchOptions) -> Sample:
    relative = check_relative(pdf)
    folder = relative.parent.as_posix()
    tags = [f"category:{folder}"] if folder != "." else []
    tags += [f"test:{kind}" for kind in sorted({str(t.get("type")) for t in tests})]
    return Sample(
        id=f"{relative.with_suffix('').as_posix()}_p{page}",
        file=(PurePosixPath(options.pdfs) / relative).as_posix(),
        page=page,
        tests=tests,
        tags=tags,
        split=options.split,
    )
