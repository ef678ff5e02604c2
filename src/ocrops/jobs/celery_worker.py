"""``ocrops worker`` with ``queue=celery``: a Celery worker (prefork pool) and its maintenance.

Processes
---------
* The **main process** migrates the database, imports ``OCROPS_PLUGINS``, consumes the queue and
  hands tasks to its pool. Once the worker is ready it also runs the periodic maintenance
  threads (below) and, with ``OCROPS_WORKER_METRICS_PORT``, serves Prometheus metrics.
* Each **pool process** builds its service context and ``WorkerState`` once
  (``worker_process_init``) and runs ``ocrops.process_job`` tasks one at a time. It is replaced
  after ``worker_max_tasks_per_child`` tasks or above ``worker_max_memory_mb``.

Maintenance (a thread in every worker's main process, not Celery beat: no single scheduler to
lose, and every operation is idempotent, so several workers doing it is harmless)
---------------------------------------------------------------------------------------------
Every ``min(job_stale_after_s / 4, 30)`` seconds:

* running jobs whose heartbeat is older than ``job_stale_after_s`` (their worker died) go back
  to ``queued`` and are sent again (they resume from their checkpoints);
* queued jobs that have been due for ``job_stale_after_s`` while the broker queue is empty lost
  their message (a killed worker's unacknowledged message, a broker restart): sent again.
  A duplicate message is harmless: only one claim of a job succeeds;
* documents soft-deleted longer than ``retention_days`` ago are purged (hourly).

Webhook retries are sent by a ``WebhookDispatcher`` thread, as in the embedded worker.

Metrics: pool processes write Prometheus' multiprocess files (``PROMETHEUS_MULTIPROC_DIR``, a
fresh temporary folder unless set); the main process serves their sum on
``OCROPS_WORKER_METRICS_PORT`` (pages processed and page latency per engine, errors by kind).
"""

from __future__ import annotations

import atexit
import logging.config
import os
import random
import shutil
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from celery import signals

from ocrops.jobs import celery_app
from ocrops.plugins import import_plugins

if TYPE_CHECKING:
    from ocrops.jobs.celery_app import OcropsCelery
    from ocrops.jobs.webhooks import WebhookDispatcher
    from ocrops.services.context import ServiceContext
    from ocrops.settings import Settings

log = structlog.get_logger("ocrops.worker")
PURGE_EVERY_S = 3600.0
MAX_MAINTENANCE_INTERVAL_S = 30.0
DUE_JOBS_CHECKED = 500


def run_worker(settings: Settings, *, concurrency: int | None = None, loglevel: str = "INFO") -> None:
    from ocrops.jobs.queue import CeleryQueue
    from ocrops.services.context import build_context

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per pool process
    import_plugins(settings)
    if settings.worker_metrics_port:
        serve_worker_metrics(settings.worker_metrics_port)
    app = celery_app.get_celery_app(settings)
    ctx = build_context(settings)  # migrates the database; this process's maintenance uses it
    if isinstance(ctx.queue, CeleryQueue):
        ctx.queue._app = app  # re-sent jobs go out through the worker's own app
    _connect_signals(app, ctx, loglevel)
    argv = [
        "worker",
        f"--loglevel={loglevel}",
        f"--hostname=ocrops-{os.getpid()}@%h",
        f"--queues={settings.celery_queue}",
        "--without-gossip",  # workers coordinate through the database, not with each other
        "--without-mingle",
    ]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    try:
        app.worker_main(argv)
    finally:
        ctx.close()


def _connect_signals(app: OcropsCelery, ctx: ServiceContext, loglevel: str) -> None:
    housekeeping: list[Any] = []

    def process_init(**_: Any) -> None:
        ctx.db.engine.dispose(close=False)  # the parent's connections are not this process's
        celery_app.worker_runtime(app)

    def process_shutdown(pid: int | None = None, **_: Any) -> None:
        celery_app.close_runtime()
        _mark_metrics_process_dead(pid or os.getpid())

    def ready(**_: Any) -> None:
        housekeeping.extend(start_housekeeping(app, ctx))

    def shutdown(**_: Any) -> None:
        for part in housekeeping:
            part.stop()

    def setup_logging(**_: Any) -> None:
        configure_stdlib_json_logging(loglevel)

    for signal, receiver in (
        (signals.worker_process_init, process_init),
        (signals.worker_process_shutdown, process_shutdown),
        (signals.worker_ready, ready),
        (signals.worker_shutdown, shutdown),
        (signals.setup_logging, setup_logging),
    ):
        signal.connect(receiver, weak=False, dispatch_uid=f"ocrops.{receiver.__name__}")


def start_housekeeping(app: OcropsCelery, ctx: ServiceContext) -> list[Any]:
    from ocrops.jobs.webhooks import WebhookDispatcher

    maintenance = Maintenance(ctx, app)
    dispatcher: WebhookDispatcher = WebhookDispatcher(ctx)
    maintenance.start()
    dispatcher.start()
    log.info("worker.maintenance_started", interval_s=maintenance.interval_s)
    return [maintenance, dispatcher]


class Maintenance:
    """Re-queues stale jobs, re-sends lost messages, purges deleted documents (see the module doc)."""

    def __init__(self, ctx: ServiceContext, app: OcropsCelery) -> None:
        self.ctx = ctx
        self.app = app
        stale = ctx.settings.job_stale_after_s
        self.interval_s = min(stale / 4, MAX_MAINTENANCE_INTERVAL_S)
        self.lost_after_s = stale
        self._due_since: dict[str, float] = {}
        self._last_purge = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ocrops-maintenance", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        # a random phase, so that the workers of a deployment do not all sweep at the same moment
        while not self._stop.wait(self.interval_s * random.uniform(0.75, 1.25)):
            try:
                self.run_once()
            except Exception:
                log.exception("worker.maintenance_error")

    def run_once(self) -> dict[str, int]:
        done = {"requeued": self.requeue_stale(), "resent": self.resend_lost()}
        if time.monotonic() - self._last_purge > PURGE_EVERY_S:
            from ocrops.jobs.tasks import purge_deleted

            self._last_purge = time.monotonic()
            done["purged"] = purge_deleted(self.ctx)
        return done

    def requeue_stale(self) -> int:
        from ocrops.store import service as store

        stale_before = store.utcnow() - timedelta(seconds=self.ctx.settings.job_stale_after_s)
        with self.ctx.db.session() as session:
            ids = store.requeue_stale(session, stale_before)
        if ids:
            log.info("worker.requeued_stale", jobs=len(ids))
            self._send(ids)
        return len(ids)

    def resend_lost(self) -> int:
        """Queued jobs due for ``lost_after_s`` while the broker holds no message: sent again."""
        from ocrops.store import service as store

        with self.ctx.db.session() as session:
            due = store.due_job_ids(session, limit=DUE_JOBS_CHECKED)
        now = time.monotonic()
        self._due_since = {job_id: self._due_since.get(job_id, now) for job_id in due}
        overdue = [job_id for job_id, since in self._due_since.items() if now - since >= self.lost_after_s]
        if not overdue or broker_queue_size(self.app, self.ctx.settings.celery_queue) != 0:
            return 0
        log.warning("worker.resending_lost", jobs=len(overdue))
        self._send(overdue)
        for job_id in overdue:
            self._due_since[job_id] = now
        return len(overdue)

    def _send(self, job_ids: list[str]) -> None:
        from ocrops.store import service as store

        with self.ctx.db.session() as session:
            priorities = {
                job_id: row.priority for job_id in job_ids if (row := store.job_by_id(session, job_id))
            }
        for job_id, priority in priorities.items():
            self.ctx.queue.enqueue(job_id, priority)


def broker_queue_size(app: OcropsCelery, queue: str) -> int | None:
    """Messages waiting in the broker queue (0 when it does not exist); None when unknown."""
    from kombu.exceptions import ChannelError

    try:
        with app.connection_for_read() as connection, connection.channel() as channel:
            try:
                return int(channel.queue_declare(queue=queue, passive=True).message_count)
            except (ChannelError, *connection.channel_errors) as exc:
                if "NOT_FOUND" in str(exc) or getattr(exc, "code", None) == 404:
                    return 0
                raise
    except Exception as exc:
        log.warning("worker.broker_size_unknown", error=str(exc))
        return None


# --- metrics and logs -------------------------------------------------------------------------


def serve_worker_metrics(port: int) -> Path:
    """Prometheus multiprocess mode: pool processes write files, this process serves their sum."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    path = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="ocrops-metrics-"))
    if not folder:
        owner = os.getpid()  # not the pool processes, which inherit this registration
        atexit.register(lambda: os.getpid() == owner and shutil.rmtree(path, ignore_errors=True))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # files of a previous run would be summed in
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server, values

    values.ValueClass = values.get_value_class()  # in case prometheus_client came in before the variable
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(path))
    start_http_server(port, registry=registry)
    log.info("worker.metrics", port=port, folder=str(path))
    return path


def _mark_metrics_process_dead(pid: int) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def configure_stdlib_json_logging(level: str) -> None:
    """Celery's own log lines as JSON on stderr, like ocrops' structlog lines."""
    from ocrops.logs import stdlib_json_config

    logging.config.dictConfig(stdlib_json_config(level))
