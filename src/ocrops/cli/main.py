"""Entry point. The only place (with the API) that turns OcropsError into an exit code."""

from __future__ import annotations

import os
import sys

import typer

from ocrops.errors import ExitCode, OcropsError

app = typer.Typer(
    name="ocrops",
    help="Self-hosted document OCR: convert documents, measure engines, run the service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    from ocrops.cli import convert, engines, schema

    convert.register(app)
    engines.register(app)
    schema.register(app)
    for optional in ("ocrops.cli.bench", "ocrops.cli.dataset", "ocrops.cli.serve"):
        try:
            module = __import__(optional, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != optional:
                raise
            continue
        module.register(app)


@app.command()
def version() -> None:
    """Print the ocrops version."""
    from ocrops import __version__

    typer.echo(__version__)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: errors become one line on stderr and a distinct exit code."""
    _register_commands()
    try:
        result = app(args=argv, standalone_mode=False)
    except OcropsError as exc:
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", ExitCode.interrupted)
    except SystemExit as exc:
        raise exc
    except Exception as exc:  # click's own usage errors
        _handle_click_error(exc)
    sys.exit(result if isinstance(result, int) else 0)


def _click_modules() -> list:
    """Typer 0.2x vendors click as ``typer._click``; older Typer uses click itself."""
    modules = []
    for name in ("typer._click", "click"):
        try:
            modules.append(__import__(name, fromlist=["exceptions"]))
        except ImportError:
            continue
    return modules


def _handle_click_error(exc: Exception) -> None:
    for click in _click_modules():
        exceptions = click.exceptions
        if isinstance(exc, exceptions.UsageError):
            exc.show()
            sys.exit(ExitCode.usage)
        if isinstance(exc, getattr(exceptions, "Abort", ())):
            _fail("aborted", ExitCode.interrupted)
        if isinstance(exc, getattr(exceptions, "Exit", ())):
            sys.exit(exc.exit_code)
        if isinstance(exc, exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
    if os.environ.get("OCROPS_DEBUG"):
        raise exc
    # A bug of ours: one line, not a traceback (OCROPS_DEBUG=1 shows it).
    _fail(f"unexpected {type(exc).__name__}: {exc} (set OCROPS_DEBUG=1 for details)", ExitCode.failure)


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"ocrops: error: {message}\n")
    sys.exit(int(code))


if __name__ == "__main__":
    run()
