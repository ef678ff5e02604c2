"""The FastAPI application, built by ``create_app``; nothing is created at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio
import structlog
from fastapi import FastAPI

from ocrops.api.bodylimit import BodyLimitMiddleware
from ocrops.api.problem import install_problem_handlers, internal_error_response
from ocrops.api.ratelimit import build_rate_limiter
from ocrops.api.routes import API_PREFIX
from ocrops.observability import AppMetrics, RequestContextMiddleware

if TYPE_CHECKING:
    from ocrops.services.context import ServiceContext
    from ocrops.settings import Settings

FORM_OVERHEAD_BYTES = 256 * 1024  # multipart boundaries and the option fields next to the file

log = structlog.get_logger("ocrops.api")

DESCRIPTION = """\
Convert documents to text, Markdown, JSON, HTML or CSV.

Authenticate with `Authorization: Bearer <key>` or `X-API-Key: <key>`. Errors are
`application/problem+json` (RFC 9457). `POST /api/v1/documents` queues a job (202);
poll `GET /api/v1/jobs/{id}`, then fetch `GET /api/v1/documents/{id}/result?format=md`.
"""


def create_app(
    ctx: ServiceContext | None = None,
    settings: Settings | None = None,
    *,
    run_worker: bool = False,
) -> FastAPI:
    """The API around ``ctx`` (built from ``settings`` and closed on shutdown when not given).

    ``run_worker=True`` starts the embedded worker with the app (lifespan) and stops it on
    shutdown, when ``settings.queue == "embedded"``: that is what ``ocrops serve`` does.
    """
    from ocrops import __version__

    owns_ctx = ctx is None
    if ctx is None:
        from ocrops.services.context import build_context
        from ocrops.settings import load_settings

        ctx = build_context(settings or load_settings())
    settings = ctx.settings
    app = FastAPI(
        title="ocrops",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json",
        lifespan=_lifespan(ctx, owns_ctx=owns_ctx, run_worker=run_worker),
    )
    app.state.ctx = ctx
    app.state.metrics = AppMetrics(_snapshot_of(ctx))
    app.state.rate_limiter = build_rate_limiter(
        settings.rate_limit_per_minute, settings.queue, settings.broker_url
    )
    install_problem_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.resolved_max_upload_bytes + FORM_OVERHEAD_BYTES
    )
    app.add_middleware(
        RequestContextMiddleware, metrics=app.state.metrics, error_response=internal_error_response
    )
    _include_routes(app)
    return app


CORE_ROUTES = ("documents", "jobs", "convert", "engines", "keys", "health")
OPTIONAL_ROUTES = ("session", "bench", "review")  # written by other parts; included when present


def _include_routes(app: FastAPI) -> None:
    from ocrops.api.routes import health, metrics

    for name in (*CORE_ROUTES, *OPTIONAL_ROUTES):
        module = _routes_module(name, optional=name in OPTIONAL_ROUTES)
        if module is not None:
            app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(health.router, include_in_schema=False)  # /health and /ready for probes
    app.include_router(metrics.router)
    try:
        from ocrops.web import mount_web
    except ImportError:
        return
    mount_web(app)


def _routes_module(name: str, *, optional: bool) -> Any:
    import importlib

    qualified = f"ocrops.api.routes.{name}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if optional and exc.name == qualified:
            return None
        raise


def _snapshot_of(ctx: ServiceContext) -> Callable[[], dict[str, Any]]:
    def snapshot() -> dict[str, Any]:
        from ocrops.services.health import metrics_snapshot
        from ocrops.services.schemas import JobState

        numbers = dict(metrics_snapshot(ctx))
        by_state = numbers.get("jobs_by_state") or {}
        numbers["jobs_by_state"] = {state.value: by_state.get(state.value, 0) for state in JobState}
        return numbers

    return snapshot


def _lifespan(ctx: ServiceContext, *, owns_ctx: bool, run_worker: bool):
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker = _start_worker(ctx) if run_worker and ctx.settings.queue == "embedded" else None
        log.info("api.started", queue=ctx.settings.queue, embedded_worker=worker is not None)
        try:
            yield
        finally:
            if worker is not None:
                await anyio.to_thread.run_sync(worker.stop)
                log.info("worker.stopped")
            if owns_ctx:
                ctx.close()

    return lifespan


def _start_worker(ctx: ServiceContext):
    from ocrops.jobs.embedded import EmbeddedWorker

    worker = EmbeddedWorker(ctx)
    worker.start()
    return worker
