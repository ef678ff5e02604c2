"""Rich progress over pages and files, and the end-of-run summary."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from ocrops.loaders import Source
from ocrops.model import Page
from ocrops.pipeline import FileResult


class ConvertProgress:
    def __init__(self, console: Console, enabled: bool) -> None:
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled,
            transient=False,
        )
        self.pages = self.progress.add_task("pages", total=0)
        self.files = self.progress.add_task("files", total=0)

    def __enter__(self) -> ConvertProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)  # type: ignore[arg-type]

    def file_opened(self, source: Source, page_count: int) -> None:
        task = self.progress.tasks[self.pages]
        self.progress.update(self.pages, total=(task.total or 0) + page_count)

    def page_done(self, source: Source, page: Page, done: int, total: int) -> None:
        self.progress.advance(self.pages)

    def file_done(self, result: FileResult) -> None:
        task = self.progress.tasks[self.files]
        self.progress.update(self.files, total=(task.total or 0) + 1, advance=1)


def print_summary(console: Console, results: list[FileResult]) -> None:
    table = Table(title="ocrops convert", show_edge=False)
    for column in ("file", "status", "pages", "cached", "seconds", "detail"):
        table.add_column(column)
    for result in results:
        if result.document is None:
            table.add_row(
                result.source.name,
                "[red]failed",
                "-",
                "-",
                "-",
                str(result.error.message if result.error else ""),
            )
            continue
        doc = result.document
        cached = sum(1 for p in doc.pages if p.cached)
        color = {"succeeded": "green", "partial": "yellow", "failed": "red"}[doc.status.value]
        detail = "; ".join(doc.errors[:2])
        table.add_row(
            doc.source.name,
            f"[{color}]{doc.status.value}",
            str(len(doc.pages)),
            str(cached),
            f"{doc.timings.get('total', 0):.2f}",
            detail,
        )
    console.print(table)
