"""The pipeline: load -> preprocess -> recognise -> layout -> Document, parallel over pages."""

from ocrops.pipeline.converter import Converter, FileResult
from ocrops.pipeline.options import ConvertOptions, parse_page_ranges
from ocrops.pipeline.page import PageTask, WorkerState, recognise_page, run_page_task

__all__ = [
    "ConvertOptions",
    "Converter",
    "FileResult",
    "PageTask",
    "WorkerState",
    "parse_page_ranges",
    "recognise_page",
    "run_page_task",
]
