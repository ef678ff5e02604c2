"""Prometheus metrics and the request-id / access-log middleware.

Two kinds of metrics:

* per app (``AppMetrics``, one ``CollectorRegistry`` per ``create_app``): the HTTP latency
  histogram by route template and status, and the job gauges (jobs by state, queue depth)
  computed at scrape time from ``services.health.metrics_snapshot``;
* per process (module functions, one process-wide registry): pages processed and page
  latency per engine, errors by kind. The jobs code calls ``record_page`` and
  ``record_error`` from whatever process runs the pages (the serve process with the
  embedded worker; a Celery worker process otherwise).

``/metrics`` exposes both registries of the process that answers it.
"""

from __future__ import annotations

import inspect
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("ocrops.http")

HTTP_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
PAGE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
UNMATCHED_ROUTE = "<unmatched>"
QUIET_ROUTES = frozenset({"/health", "/ready", "/metrics"})  # probes and scrapes: logged at debug level

# --------------------------------------------------------------------------- process-wide


class _ProcessMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.pages = Counter(
            "ocrops_pages_processed",
            "Pages processed, by engine and outcome.",
            ["engine", "status"],
            registry=self.registry,
        )
        self.page_seconds = Histogram(
            "ocrops_page_duration_seconds",
            "Time to process one page, by engine.",
            ["engine"],
            buckets=PAGE_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "ocrops_errors",
            "Errors by kind (the error class) and where they happened (http, job).",
            ["kind", "source"],
            registry=self.registry,
        )


_process: _ProcessMetrics | None = None
_process_lock = threading.Lock()


def process_metrics() -> _ProcessMetrics:
    global _process
    if _process is None:
        with _process_lock:
            if _process is None:
                _process = _ProcessMetrics()
    return _process


def record_page(engine: str, seconds: float, status: str = "ok") -> None:
    """One page done by ``engine`` in ``seconds``; status is the page status (ok, blank, error)."""
    metrics = process_metrics()
    metrics.pages.labels(engine=engine, status=status).inc()
    metrics.page_seconds.labels(engine=engine).observe(max(0.0, seconds))


def record_error(kind: str, source: str = "job") -> None:
    """One error of ``kind`` (an error class name) in ``source`` (``http`` or ``job``)."""
    process_metrics().errors.labels(kind=kind, source=source).inc()


# --------------------------------------------------------------------------- per app

Snapshot = Mapping[str, Any]


class _SnapshotCollector(Collector):
    """Job gauges computed at scrape time: jobs by state and queue depth."""

    def __init__(self, snapshot: Callable[[], Snapshot]) -> None:
        self._snapshot = snapshot

    def describe(self) -> list[Metric]:
        return []  # values come from the database at scrape time; nothing to describe up front

    def collect(self) -> Iterator[Metric]:
        try:
            snapshot = self._snapshot()
        except Exception as exc:  # a scrape must not fail because the database hiccupped
            log.warning("metrics.snapshot_failed", error=str(exc))
            return
        jobs = GaugeMetricFamily("ocrops_jobs", "Jobs by state.", labels=["state"])
        for state, count in sorted(_jobs_by_state(snapshot).items()):
            jobs.add_metric([state], count)
        yield jobs
        depth = snapshot.get("queue_depth")
        if depth is not None:
            yield GaugeMetricFamily("ocrops_queue_depth", "Jobs waiting to run.", value=depth)


def _jobs_by_state(snapshot: Snapshot) -> Mapping[str, int]:
    for key in ("jobs_by_state", "jobs"):
        value = snapshot.get(key)
        if isinstance(value, Mapping):
            return value
    return {}


class AppMetrics:
    def __init__(self, snapshot: Callable[[], Snapshot] | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_seconds = Histogram(
            "ocrops_http_request_duration_seconds",
            "HTTP request latency by method, route template and status.",
            ["method", "route", "status"],
            buckets=HTTP_BUCKETS,
            registry=self.registry,
        )
        if snapshot is not None:
            self.registry.register(_SnapshotCollector(snapshot))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.http_seconds.labels(method=method, route=route, status=str(status)).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry) + generate_latest(process_metrics().registry)


# --------------------------------------------------------------------------- middleware


def request_id_from(scope: Scope) -> str:
    """The client's X-Request-ID when it is sane (no log injection), else a fresh one."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1").strip()
            if _REQUEST_ID_OK.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


_PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")


def route_template(scope: Scope) -> str:
    """'/api/v1/jobs/{job_id}' rather than the concrete path: bounded label cardinality.

    ``scope["route"]`` is the matched route; its path lacks the prefix of the router it was
    included with, which is what is left of the concrete path once the route's own part,
    filled with the path parameters, is taken off the end.
    """
    template = getattr(scope.get("route"), "path", None)
    if not isinstance(template, str):
        return _plain_route_template(scope)
    params = scope.get("path_params") or {}
    concrete = _PATH_PARAM.sub(lambda m: str(params.get(m.group(1), m.group(0))), template)
    path = scope.get("path", "")
    if concrete and path.endswith(concrete):
        return path[: len(path) - len(concrete)] + template
    return template


def _plain_route_template(scope: Scope) -> str:
    """Starlette routes FastAPI does not mark in the scope: fixed paths (/docs) and mounts (/ui)."""
    endpoint = scope.get("endpoint")
    if endpoint is None:
        return UNMATCHED_ROUTE
    if inspect.isfunction(endpoint) and not scope.get("path_params"):
        return scope.get("path", UNMATCHED_ROUTE)
    mount = scope.get("root_path", "")
    return f"{mount}/{{path}}" if mount else UNMATCHED_ROUTE


class RequestContextMiddleware:
    """Binds ``request_id`` for every log line of a request, echoes it, times and logs the request.

    It is also the last line of defence: an unexpected exception becomes a 500 problem
    (no traceback leaves the server; it is logged with the request id).
    """

    def __init__(self, app: ASGIApp, metrics: AppMetrics, error_response: Callable[[Scope], ASGIApp]) -> None:
        self.app = app
        self.metrics = metrics
        self.error_response = error_response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.exception("request.unhandled_error", error=type(exc).__name__)
            record_error("InternalError", "http")
            if not response_started:
                await self.error_response(scope)(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            self.metrics.observe_request(scope["method"], route, status, elapsed)
            emit = log.debug if route in QUIET_ROUTES and status < 400 else log.info
            emit(
                "request",
                method=scope["method"],
                path=scope["path"],
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.reset_contextvars(**tokens)
