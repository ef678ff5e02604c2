"""``ocrops bench``: run engines over a dataset, report, compare two runs, rank runs, list runs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ocrops.cli.options import cli_settings, parse_key_values
from ocrops.errors import BadParameter

bench_app = typer.Typer(
    help="Benchmark OCR engines on a dataset: run, report, compare, leaderboard.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")


def engine_specs(engines: Sequence[str], options: Sequence[str] | None) -> list[tuple[str, dict[str, Any]]]:
    """``-e tesseract -O tesseract.psm=6`` -> ``[("tesseract", {"psm": 6})]``.

    An option without an engine prefix applies to the only engine; with several engines the
    prefix is required.
    """
    names = [e.strip().lower() for e in engines]
    per_engine: dict[str, list[str]] = {name: [] for name in names}
    for pair in options or []:
        key, sep, value = pair.partition("=")
        prefix, dot, rest = key.partition(".")
        if dot and prefix.strip().lower() in per_engine:
            per_engine[prefix.strip().lower()].append(f"{rest}{sep}{value}")
        elif len(names) == 1:
            per_engine[names[0]].append(pair)
        else:
            raise BadParameter(f"engine option {pair!r} must name its engine, e.g. {names[0]}.{pair}")
    return [(name, parse_key_values(per_engine[name])) for name in names]


@bench_app.command("run")
def run(
    dataset: Annotated[Path, typer.Argument(help="Dataset folder (with manifest.jsonl).")],
    engine: Annotated[
        list[str] | None, typer.Option("-e", "--engine", help="Engine to benchmark; repeat for more.")
    ] = None,
    option: Annotated[
        list[str] | None, typer.Option("-O", "--option", help="Engine option ENGINE.KEY=VALUE.")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", help="Worker processes per run.")] = 1,
    resume: Annotated[
        str | None, typer.Option("--resume", help="Continue this run (id or id prefix).")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Process at most N samples (resume later).")
    ] = None,
    name: Annotated[str, typer.Option("--name", help="A name for the run(s).")] = "",
    normalisation: Annotated[
        str | None, typer.Option("--normalise", help="Text normalisation, e.g. nfkc+lowercase.")
    ] = None,
    mlflow: Annotated[
        bool, typer.Option("--mlflow", help="Log runs to MLflow (needs pip install mlflow).")
    ] = False,
    mlflow_uri: Annotated[
        str | None,
        typer.Option("--mlflow-uri", help="MLflow tracking URI (default: ./mlruns); implies --mlflow."),
    ] = None,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No progress bar.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the runs' summaries as JSON.")] = False,
) -> int:
    """Run engines over a dataset; every sample's result is stored as it completes."""
    from ocrops.evaluate.scoring import DEFAULT_NORMALISATION
    from ocrops.services import bench

    if not engine and not resume:
        raise BadParameter("give an engine with -e ENGINE (or --resume RUN_ID)")
    specs = engine_specs(engine or [], option)
    console = Console(stderr=True, quiet=quiet)
    with BenchProgress(console, enabled=not quiet and console.is_terminal) as progress:
        runs = bench.run_bench(
            dataset,
            specs,
            settings=cli_settings(),
            workers=workers,
            resume=resume,
            limit=limit,
            name=name,
            normalisation=normalisation or DEFAULT_NORMALISATION,
            on_progress=progress.event,
            mlflow=mlflow,
            mlflow_uri=mlflow_uri,
        )
    summaries = [bench.summary(r) for r in runs]
    if as_json:
        typer.echo(json.dumps(summaries, indent=2))
    else:
        _print_rows(
            "ocrops bench run",
            summaries,
            [
                "run_id",
                "engine",
                "status",
                "samples",
                "failures",
                "cer",
                "wer",
                "field_f1",
                "teds",
                "olmocr_pass_rate",
                "latency_p95",
                "pages_per_second",
            ],
        )
    return 0


@bench_app.command("report")
def report(
    runs: Annotated[list[str], typer.Argument(help="Run ids (or unique prefixes).")],
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="File to write; '-' or none: stdout.")
    ] = None,
    fmt: Annotated[str, typer.Option("-f", "--format", help="html, csv or json.")] = "html",
    worst: Annotated[int, typer.Option("--worst", help="Worst documents to show per run (HTML).")] = 10,
) -> None:
    """Write a report of one or more runs: self-contained HTML, or CSV / JSON summaries."""
    from ocrops.services import bench

    to_stdout = output in (None, "-")
    content = bench.report(runs, fmt, None if to_stdout else output, worst=worst, settings=cli_settings())
    if to_stdout:
        typer.echo(content, nl=False)
    else:
        Console(stderr=True).print(f"wrote {output}")


@bench_app.command("compare")
def compare(
    base: Annotated[str, typer.Argument(help="The reference run.")],
    new: Annotated[str, typer.Argument(help="The run to check against it.")],
    max_cer_increase: Annotated[
        float, typer.Option("--max-cer-increase", help="Allowed CER increase.")
    ] = 0.005,
    max_f1_drop: Annotated[float, typer.Option("--max-f1-drop", help="Allowed field-F1 drop.")] = 0.01,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> int:
    """Compare two runs on their shared samples; exit code 1 when NEW regressed."""
    from ocrops.services import bench

    comparison, code = bench.compare(
        base, new, max_cer_increase=max_cer_increase, max_f1_drop=max_f1_drop, settings=cli_settings()
    )
    if as_json:
        typer.echo(json.dumps(comparison.to_dict(), indent=2))
        return code
    console = _console()
    table = Table(
        title=f"{comparison.base_label} -> {comparison.new_label} ({comparison.shared} shared samples)",
        show_edge=False,
    )
    for column in ("metric", "n", "base", "new", "delta", "95% CI", "limit", "verdict"):
        table.add_column(column, justify="left" if column in ("metric", "verdict") else "right")
    for d in comparison.deltas:
        verdict = "[red]REGRESSED" if d.regressed else ("[yellow]worse" if d.worsened else "[green]ok")
        table.add_row(
            d.label,
            str(d.samples),
            f"{d.base:.4f}",
            f"{d.new:.4f}",
            f"{d.delta:+.4f}",
            f"[{d.ci_low:+.4f}, {d.ci_high:+.4f}]",
            "-" if d.threshold is None else f"{d.threshold:g}",
            verdict,
        )
    console.print(table)
    for warning in comparison.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    console.print("[red bold]regression" if comparison.regressed else "[green]no regression")
    return code


@bench_app.command("leaderboard")
def leaderboard(
    dataset: Annotated[str, typer.Argument(help="Dataset name (as recorded on runs).")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Completed runs on a dataset, best first (mean CER, then speed)."""
    from dataclasses import asdict

    from ocrops.services import bench

    rows = [
        asdict(r) | {"started_at": r.started_at.isoformat()}
        for r in bench.leaderboard(dataset, settings=cli_settings())
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    _print_rows(
        f"leaderboard: {dataset}",
        rows,
        [
            "rank",
            "engine",
            "engine_version",
            "run_id",
            "samples",
            "failures",
            "cer",
            "cer_pooled",
            "wer",
            "field_f1",
            "teds",
            "olmocr_pass_rate",
            "pages_per_second",
            "latency_p95",
        ],
    )


@bench_app.command("runs")
def runs_(
    dataset: Annotated[str | None, typer.Option("--dataset", "-d", help="Only runs on this dataset.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Newest N runs.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List benchmark runs, newest first."""
    from ocrops.services import bench

    runs = bench.list_runs(dataset, limit=limit, settings=cli_settings())
    rows = [
        bench.summary(r)
        | {"dataset": r.dataset_name, "started_at": r.started_at.isoformat(timespec="seconds")}
        for r in runs
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    _print_rows(
        "benchmark runs",
        rows,
        ["run_id", "started_at", "dataset", "engine", "status", "samples", "failures", "cer", "field_f1"],
    )


class BenchProgress:
    """A Rich bar over samples (ETA, running pooled CER) and a counter of pages, per run."""

    def __init__(self, console: Console, enabled: bool) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[cer]}"),
            console=console,
            disable=not enabled,
        )
        self.samples: Any = None
        self.pages: Any = None

    def __enter__(self) -> BenchProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)  # type: ignore[arg-type]

    def event(self, event: Any) -> None:
        label = f"{event.run.engine} {event.run.id[:8]}"
        if event.kind == "run_started":
            self.samples = self.progress.add_task(f"{label} samples", total=event.samples_total, cer="")
            self.pages = self.progress.add_task(f"{label} pages", total=0, cer="")
        elif event.kind == "file_opened" and self.pages is not None:
            task = self.progress.tasks[self.pages]
            self.progress.update(self.pages, total=(task.total or 0) + event.pages)
        elif event.kind == "page_done" and self.pages is not None:
            self.progress.advance(self.pages)
        elif event.kind == "sample_done" and self.samples is not None:
            cer = "" if event.running_cer is None else f"CER {event.running_cer:.4f}"
            self.progress.update(self.samples, advance=1, cer=cer)


def _console() -> Console:
    """Standard output; wide when it is not a terminal, so piped tables are not truncated."""
    import sys

    return Console() if sys.stdout.isatty() else Console(width=200)


def _cell(column: str, value: Any) -> str:
    if value is None:
        return "-"
    if column == "run_id":
        return str(value)[:8]
    if isinstance(value, float):
        return f"{value:.4f}" if value < 100 else f"{value:.1f}"
    return str(value)


def _print_rows(title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    table = Table(title=title, show_edge=False)
    for column in columns:
        table.add_column(column.replace("_", " "))
    for row in rows:
        table.add_row(*(_cell(column, row.get(column)) for column in columns))
    _console().print(table)
