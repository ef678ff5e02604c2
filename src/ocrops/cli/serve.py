"""``ocrops serve`` (the API, with the embedded worker by default) and ``ocrops worker``.

``serve`` builds the settings and the service context once, migrates the database, creates the
first admin key on the very first start (printed once, on stdout), and runs uvicorn. With
``queue=embedded`` the job worker runs inside the same process; SIGTERM or Ctrl-C stops the
HTTP server, lets the worker finish its current page and hand unfinished jobs back, then exits.
"""

from __future__ import annotations

import importlib
import signal
import sys
import threading
from types import FrameType
from typing import Annotated, Any

import typer

from ocrops.cli.options import cli_settings
from ocrops.errors import ConfigError


def register(app: typer.Typer) -> None:
    from ocrops.cli.keys import keys_app

    app.command("serve")(serve)
    app.command("worker")(worker)
    app.add_typer(keys_app, name="keys")


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 for all).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
    log_level: Annotated[str | None, typer.Option(help="Log level (default: OCROPS_LOG_LEVEL).")] = None,
) -> None:
    """Run the REST API (and, with the embedded queue, the job worker) in this process."""
    import uvicorn

    from ocrops.api.app import create_app
    from ocrops.logs import configure_logging
    from ocrops.services.context import build_context
    from ocrops.services.keys import ensure_bootstrap_admin

    settings = cli_settings()
    level = (log_level or settings.log_level).upper()
    configure_logging(level, json=True)
    _exit_cleanly_on_signals()
    ctx = build_context(settings)  # migrates the database
    try:
        secret = ensure_bootstrap_admin(ctx)
        if secret is not None:
            _print_bootstrap_key(secret)
        app = create_app(ctx, run_worker=True)
        typer.echo(f"ocrops: serving on http://{host}:{port} (API docs at /docs, queue {settings.queue})")
        sys.stdout.flush()
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_config=uvicorn_log_config(level),
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=30,
        )
    finally:
        ctx.close()


def worker(
    concurrency: Annotated[int | None, typer.Option(min=1, help="Jobs run at the same time.")] = None,
    log_level: Annotated[str | None, typer.Option(help="Log level (default: OCROPS_LOG_LEVEL).")] = None,
) -> None:
    """Run jobs without the API: a Celery worker (queue=celery) or the embedded worker alone."""
    from ocrops.logs import configure_logging

    settings = cli_settings()
    level = (log_level or settings.log_level).upper()
    configure_logging(level, json=True)
    if settings.queue == "celery":
        _run_celery_worker(settings, concurrency, level)
    else:
        _run_embedded_worker(concurrency)


def _run_celery_worker(settings: Any, concurrency: int | None, level: str) -> None:
    try:
        module = importlib.import_module("ocrops.jobs.celery_app")
    except ModuleNotFoundError as exc:
        if exc.name != "ocrops.jobs.celery_app":
            raise
        raise ConfigError(
            "OCROPS_QUEUE=celery, but this ocrops has no Celery app (ocrops.jobs.celery_app)"
        ) from None
    if hasattr(module, "run_worker"):
        module.run_worker(settings, concurrency=concurrency, loglevel=level)
        return
    argv = ["worker", f"--loglevel={level}"] + ([f"--concurrency={concurrency}"] if concurrency else [])
    module.get_celery_app(settings).worker_main(argv)


def _run_embedded_worker(concurrency: int | None) -> None:
    """The embedded worker without the API: more job capacity on a database the API shares."""
    import structlog

    from ocrops.jobs.embedded import EmbeddedWorker
    from ocrops.services.context import build_context

    ctx = build_context(cli_settings())
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    runner = EmbeddedWorker(ctx, threads=concurrency)
    runner.start()
    typer.echo(f"ocrops: embedded worker running ({runner.threads} thread(s)); Ctrl-C to stop")
    try:
        while not stop.wait(1.0):
            if not runner.alive:
                raise ConfigError("the embedded worker stopped unexpectedly; see the log")
    finally:
        runner.stop()
        ctx.close()
        structlog.get_logger("ocrops.worker").info("worker.stopped")


def _print_bootstrap_key(secret: str) -> None:
    typer.echo("ocrops: first start: created tenant 'default' and its admin API key.")
    typer.echo("ocrops: store it now, it is shown only this once:")
    typer.echo(f"admin API key: {secret}")
    sys.stdout.flush()


def _exit_cleanly_on_signals() -> None:
    """uvicorn re-raises the signal that stopped it, after its graceful shutdown: exit 0 then."""

    def handler(_sig: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's own log lines as JSON too (its access log is off: the API logs every request)."""
    from ocrops.logs import stdlib_json_config

    return stdlib_json_config(
        level,
        loggers={
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    )
