"""``ocrops convert``: documents in, text / Markdown / JSON / HTML / CSV out."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ocrops.cli.options import cli_settings, parse_key_values
from ocrops.errors import BadParameter, ExitCode
from ocrops.loaders import Source
from ocrops.pipeline import FileResult
from ocrops.render import Renderer, get_renderer
from ocrops.services.convert import build_options, convert_sources, materialise


def register(app: typer.Typer) -> None:
    app.command("convert")(convert)


def convert(
    inputs: Annotated[list[str], typer.Argument(help="Documents to convert; '-' reads standard input.")],
    engine: Annotated[
        str | None, typer.Option("-e", "--engine", help="auto, pdftext, tesseract, rapidocr, ...")
    ] = None,
    fmt: Annotated[str, typer.Option("-f", "--format", help="md, json, txt, html or csv.")] = "md",
    outdir: Annotated[
        str | None, typer.Option("-o", "--output", help="Folder to write into; '-' or none: stdout.")
    ] = None,
    pages: Annotated[str | None, typer.Option("--pages", help="Pages to convert, e.g. 1-3,7.")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Languages, e.g. eng+deu.")] = None,
    dpi: Annotated[int | None, typer.Option("--dpi", help="Render DPI for PDF pages.")] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Worker processes (default: cores).")
    ] = None,
    password: Annotated[str | None, typer.Option("--password", help="Password of encrypted PDFs.")] = None,
    option: Annotated[
        list[str] | None, typer.Option("-O", "--option", help="Engine option KEY=VALUE.")
    ] = None,
    preprocess: Annotated[
        list[str] | None,
        typer.Option("-P", "--preprocess", help="Preprocessing option KEY=VALUE, e.g. orientation=always."),
    ] = None,
    no_preprocess: Annotated[
        bool, typer.Option("--no-preprocess", help="No orientation, deskew, denoise or upscale.")
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not read or write the result cache.")
    ] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No progress bar or summary.")] = False,
) -> int:
    """Convert documents with an OCR engine and write text, Markdown, JSON, HTML or CSV."""
    settings = cli_settings()
    renderer = get_renderer(fmt)
    options = build_options(
        settings,
        engine=engine,
        engine_options=parse_key_values(option),
        pages=pages,
        languages=lang,
        dpi=dpi,
        password=password,
        preprocess={**parse_key_values(preprocess), **({"off": True} if no_preprocess else {})},
    )
    if workers is not None and workers < 1:
        raise BadParameter("--workers must be at least 1")
    if inputs.count("-") > 1:
        raise BadParameter("standard input ('-') can be given only once")
    to_stdout = outdir in (None, "-")
    target = None if to_stdout else Path(outdir)  # type: ignore[arg-type]
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)
    console = Console(stderr=True, quiet=quiet)
    results: list[FileResult] = []
    with ExitStack() as stack:
        sources = [_open_source(stack, item, results) for item in inputs]
        from ocrops.cli.progress import ConvertProgress

        with ConvertProgress(console, enabled=not quiet and console.is_terminal) as progress:
            for result in convert_sources(
                [s for s in sources if s],
                options,
                settings,
                workers=workers,
                cache=False if no_cache else None,
                on_page=progress.page_done,
                on_file=progress.file_opened,
            ):
                results.append(result)
                progress.file_done(result)
                if result.document is not None:
                    _write(result, renderer, target)
                else:
                    _report_error(result)
    if not quiet:
        from ocrops.cli.progress import print_summary

        print_summary(console, results)
    return _exit_code(results)


def _open_source(stack: ExitStack, item: str, results: list[FileResult]) -> Source | None:
    from ocrops.errors import OcropsError

    try:
        return stack.enter_context(materialise(item))
    except OcropsError as exc:  # a missing file is one failed result; the batch goes on
        result = FileResult(source=Source(path=Path(item), name=item), error=exc.with_source(item))
        results.append(result)
        _report_error(result)
        return None


def _report_error(result: FileResult) -> None:
    """One line per failed file, even with --quiet: the batch goes on."""
    sys.stderr.write(f"ocrops: error: {result.error}\n")
    sys.stderr.flush()


def _write(result: FileResult, renderer: Renderer, target: Path | None) -> None:
    assert result.document is not None
    if target is None:
        sys.stdout.write(renderer.render(result.document))
        sys.stdout.flush()
        return
    stem = Path(result.source.name).stem or "stdin"
    for name, content in renderer.render_files(result.document, stem).items():
        (target / name).write_text(content, encoding="utf-8")


def _exit_code(results: list[FileResult]) -> int:
    failed = [r for r in results if r.error is not None]
    partial = [r for r in results if r.document is not None and not r.ok]
    if not failed and not partial:
        return ExitCode.ok
    if len(results) == 1 and failed:
        return int(failed[0].error.exit_code)  # type: ignore[union-attr]
    if len(failed) == len(results):
        return int(failed[0].error.exit_code)  # type: ignore[union-attr]
    return ExitCode.partial_success
