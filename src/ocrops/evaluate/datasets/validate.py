"""Check a dataset before running it: files present and readable, pages in range, ground truth,
duplicate ids. Each distinct file is opened once, through the loaders (``open_document``).

Issue kinds (severity): ``unsafe_path``, ``missing_file``, ``unreadable``, ``page_out_of_range``,
``duplicate_id`` (errors); ``no_ground_truth`` (warning). A report is ``ok`` without errors.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, computed_field

from ocrops.errors import OcropsError
from ocrops.evaluate.datasets.manifest import GROUND_TRUTH_FIELDS, Dataset, Sample, UnsafePath

if TYPE_CHECKING:
    from rich.console import Console


class Severity(StrEnum):
    error = "error"
    warning = "warning"


class IssueKind(StrEnum):
    unsafe_path = "unsafe_path"
    missing_file = "missing_file"
    unreadable = "unreadable"
    page_out_of_range = "page_out_of_range"
    duplicate_id = "duplicate_id"
    no_ground_truth = "no_ground_truth"


WARNINGS = frozenset({IssueKind.no_ground_truth})


class Issue(BaseModel):
    kind: IssueKind
    severity: Severity
    sample_id: str
    file: str
    message: str


class FileReport(BaseModel):
    """What opening one file told: format, size, pages, first-page size (px for images, pt otherwise)."""

    file: str
    size_bytes: int | None = None
    media_type: str | None = None
    page_count: int | None = None
    width: float | None = None
    height: float | None = None
    unit: str | None = None
    problem: IssueKind | None = None
    error: str | None = None


class ValidationReport(BaseModel):
    dataset: str
    root: str
    base: str
    samples: int
    files: int
    total_bytes: int
    counts: dict[str, int] = Field(default_factory=dict, description="Issues per kind.")
    media_types: dict[str, int] = Field(default_factory=dict, description="Files per media type.")
    splits: dict[str, int] = Field(default_factory=dict, description="Samples per split.")
    ground_truth: dict[str, int] = Field(default_factory=dict, description="Samples per ground-truth kind.")
    issues: list[Issue] = Field(default_factory=list)
    file_reports: list[FileReport] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def errors(self) -> int:
        return sum(1 for issue in self.issues if issue.severity is Severity.error)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def warnings(self) -> int:
        return sum(1 for issue in self.issues if issue.severity is Severity.warning)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        return self.errors == 0

    def issues_of(self, kind: IssueKind | str) -> list[Issue]:
        return [issue for issue in self.issues if issue.kind == kind]


def validate(dataset: Dataset, *, open_files: bool = True) -> ValidationReport:
    """Check every sample of ``dataset``; ``open_files=False`` only checks presence and size."""
    file_reports = {file: _check_file(dataset, file, open_files) for file in dataset.files()}
    issues = [issue for sample in dataset for issue in _sample_issues(sample, file_reports[sample.file])]
    issues += _duplicate_issues(dataset)
    return ValidationReport(
        dataset=dataset.info.name or dataset.root.name,
        root=str(dataset.root),
        base=str(dataset.base_dir),
        samples=len(dataset),
        files=len(file_reports),
        total_bytes=sum(r.size_bytes or 0 for r in file_reports.values()),
        counts=dict(Counter(issue.kind.value for issue in issues)),
        media_types=dict(Counter(r.media_type for r in file_reports.values() if r.media_type)),
        splits=dict(Counter(sample.split for sample in dataset)),
        ground_truth={
            kind: sum(1 for s in dataset if getattr(s, kind) is not None) for kind in GROUND_TRUTH_FIELDS
        },
        issues=issues,
        file_reports=list(file_reports.values()),
    )


# --- per file ------------------------------------------------------------------


def _check_file(dataset: Dataset, file: str, open_files: bool) -> FileReport:
    try:
        path = dataset.resolve(file)
    except UnsafePath as exc:
        return FileReport(file=file, problem=IssueKind.unsafe_path, error=exc.message)
    if not path.is_file():
        return FileReport(file=file, problem=IssueKind.missing_file, error=f"file {file} does not exist")
    report = FileReport(file=file, size_bytes=path.stat().st_size)
    if not open_files:
        return report
    try:
        return report.model_copy(update=probe(path))
    except OcropsError as exc:
        return report.model_copy(update={"problem": IssueKind.unreadable, "error": exc.message})
    except OSError as exc:
        return report.model_copy(update={"problem": IssueKind.unreadable, "error": str(exc)})


def probe(path: Path) -> dict[str, object]:
    """Media type, page count and first-page size of a document, through the loaders."""
    from ocrops.loaders import LoadOptions, Source, open_document

    with open_document(Source.from_path(path), LoadOptions()) as document:
        info: dict[str, object] = {"media_type": document.media_type, "page_count": document.page_count}
        if document.media_type.startswith("image/"):
            return info | _image_size(path)
        first = document.page(1)
        return info | {"width": first.width_pt or None, "height": first.height_pt or None, "unit": "pt"}


def _image_size(path: Path) -> dict[str, object]:
    from PIL import Image

    with Image.open(path) as image:  # reads the header only
        return {"width": image.width, "height": image.height, "unit": "px"}


def _issue(kind: IssueKind, sample_id: str, file: str, message: str) -> Issue:
    severity = Severity.warning if kind in WARNINGS else Severity.error
    return Issue(kind=kind, severity=severity, sample_id=sample_id, file=file, message=message)


def _sample_issues(sample: Sample, file_report: FileReport) -> list[Issue]:
    issues = []
    if file_report.problem is not None:
        issues.append(_issue(file_report.problem, sample.id, sample.file, file_report.error or ""))
    pages = file_report.page_count
    if sample.page is not None and pages is not None and sample.page > pages:
        message = f"page {sample.page} is beyond the file's {pages} page(s)"
        issues.append(_issue(IssueKind.page_out_of_range, sample.id, sample.file, message))
    if not sample.has_ground_truth:
        issues.append(
            _issue(
                IssueKind.no_ground_truth,
                sample.id,
                sample.file,
                "no text, markdown, fields, tables or tests",
            )
        )
    return issues


def _duplicate_issues(dataset: Dataset) -> list[Issue]:
    counts = Counter(sample.id for sample in dataset)
    seen: set[str] = set()
    issues = []
    for sample in dataset:
        if counts[sample.id] > 1 and sample.id not in seen:
            seen.add(sample.id)
            message = f"id {sample.id!r} is used by {counts[sample.id]} samples"
            issues.append(_issue(IssueKind.duplicate_id, sample.id, sample.file, message))
    return issues


# --- rendering -------------------------------------------------------------------


def print_report(report: ValidationReport, console: Console | None = None, *, max_issues: int = 50) -> None:
    """The report as Rich tables: a summary, then up to ``max_issues`` issues."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    summary = Table(title=f"Dataset {report.dataset}", show_header=False)
    summary.add_column("what", style="bold")
    summary.add_column("value")
    for label, value in _summary_rows(report):
        summary.add_row(label, value)
    console.print(summary)
    if not report.issues:
        return
    issues = Table(title=f"Issues ({len(report.issues)})")
    for column in ("severity", "kind", "sample", "message"):
        issues.add_column(column)
    for issue in report.issues[:max_issues]:
        style = "red" if issue.severity is Severity.error else "yellow"
        issues.add_row(
            f"[{style}]{issue.severity.value}[/]", issue.kind.value, issue.sample_id, issue.message
        )
    console.print(issues)
    if len(report.issues) > max_issues:
        console.print(f"... and {len(report.issues) - max_issues} more issues")


def format_report(report: ValidationReport, *, width: int = 100, max_issues: int = 50) -> str:
    """The report as plain text (no colour), e.g. for logs and tests."""
    from rich.console import Console

    buffer = StringIO()
    print_report(
        report, Console(file=buffer, width=width, color_system=None, highlight=False), max_issues=max_issues
    )
    return buffer.getvalue()


def _summary_rows(report: ValidationReport) -> list[tuple[str, str]]:
    def counter(values: dict[str, int]) -> str:
        return ", ".join(f"{name} {count}" for name, count in sorted(values.items())) or "-"

    status = "ok" if report.ok else "FAILED"
    return [
        ("status", f"{status}: {report.errors} error(s), {report.warnings} warning(s)"),
        ("samples", str(report.samples)),
        ("files", f"{report.files} ({report.total_bytes:,} bytes)"),
        ("media types", counter(report.media_types)),
        ("splits", counter(report.splits)),
        ("ground truth", counter({k: v for k, v in report.ground_truth.items() if v})),
        ("issues", counter(report.counts)),
        ("base folder", report.base),
    ]
