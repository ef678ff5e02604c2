"""Celery, the scale-out queue: ``ocrops.process_job(job_id)`` runs the same ``process_job`` as the
embedded worker, in ``ocrops worker`` processes on any number of machines.

The app is built from settings (``get_celery_app``), never at import time. Brokers: Redis
(``redis://``, the default) or RabbitMQ (``amqp://``).

Delivery guarantees
-------------------
* ``acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged only when its job ran;
  a worker process killed mid-job puts the message back in the queue.
* A delivered message always claims with ``takeover_stale=True``: a job still *running* with a
  heartbeat older than ``job_stale_after_s`` belonged to a dead worker and is taken over, resuming
  from its checkpointed pages. While the heartbeat is fresh the task retries itself after
  ``job_stale_after_s`` (``self.retry``), until the job finishes or its owner is found dead.
* ``worker_prefetch_multiplier=1``: a worker process holds no more messages than it runs.
* Processes are recycled after ``worker_max_tasks_per_child`` tasks or above
  ``worker_max_memory_mb``.
* Lost messages (a worker killed with its unacknowledged messages, a broker restart without
  persistence) never lose jobs: every worker's main process re-queues stale running jobs and
  re-sends queued jobs the broker no longer holds (``ocrops.jobs.celery_worker``).

Priorities: ocrops priorities run 0..9, higher sooner. ``send_task`` of this app maps them to
the broker's scale: RabbitMQ's is the same (queues declared with ``x-max-priority=10``); Redis
pops priority 0 first, so there the priority sent is ``9 - p``, with ten priority lists
(``priority_steps``) read in priority order (``queue_order_strategy="priority"``).

Redis keys: the queue lists are named after ``celery_queue`` (``ocrops``, ``ocrops:1`` ..
``ocrops:9``), and so are the unacknowledged-message keys, the control and the event exchanges:
two deployments (or test runs) with different ``celery_queue`` names can share one Redis database.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from celery import Celery

from ocrops.jobs.queue import TASK_NAME

if TYPE_CHECKING:
    from ocrops.pipeline import WorkerState
    from ocrops.services.context import ServiceContext
    from ocrops.settings import Settings

log = structlog.get_logger("ocrops.celery")

MAX_PRIORITY = 9
MIN_VISIBILITY_TIMEOUT_S = 3600


def is_redis(broker_url: str) -> bool:
    return broker_url.split("://", 1)[0].lower() in ("redis", "rediss", "redis+socket", "sentinel")


def transport_priority(broker_url: str, priority: int) -> int:
    """The broker's priority for an ocrops priority (0..9, higher sooner)."""
    priority = max(0, min(MAX_PRIORITY, int(priority)))
    return MAX_PRIORITY - priority if is_redis(broker_url) else priority


def visibility_timeout_s(settings: Settings) -> int:
    """How long Redis keeps a delivered, unacknowledged message before handing it out again.

    Longer than a job may run and than any countdown we send, so that only lost messages come
    back; stale jobs are recovered sooner by the workers' maintenance anyway.
    """
    longest_retry = settings.job_retry_base_s * 2**settings.job_max_attempts
    return int(
        max(
            MIN_VISIBILITY_TIMEOUT_S,
            settings.job_time_limit_s + 2 * settings.job_stale_after_s,
            longest_retry + settings.job_stale_after_s,
        )
    )


def celery_config(settings: Settings) -> dict[str, Any]:
    queue = settings.celery_queue
    config: dict[str, Any] = {
        "broker_url": settings.broker_url,
        "broker_connection_retry_on_startup": True,
        "task_default_queue": queue,
        "task_default_exchange": queue,
        "task_default_routing_key": queue,
        "task_queue_max_priority": MAX_PRIORITY + 1,  # RabbitMQ: x-max-priority
        "task_default_priority": transport_priority(settings.broker_url, 0),
        "control_exchange": queue,
        "event_exchange": f"{queue}.events",
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_time_limit": int(settings.job_time_limit_s + settings.job_stale_after_s),
        "worker_prefetch_multiplier": 1,
        "worker_max_tasks_per_child": settings.worker_max_tasks_per_child or None,
        "worker_max_memory_per_child": settings.worker_max_memory_mb * 1024 or None,  # KiB
        "worker_send_task_events": False,
        "worker_redirect_stdouts": False,
        "worker_hijack_root_logger": False,
    }
    if is_redis(settings.broker_url):
        config["broker_transport_options"] = {
            "priority_steps": list(range(MAX_PRIORITY + 1)),
            "sep": ":",
            "queue_order_strategy": "priority",
            "visibility_timeout": visibility_timeout_s(settings),
            "unacked_key": f"{queue}:unacked",
            "unacked_index_key": f"{queue}:unacked_index",
            "unacked_mutex_key": f"{queue}:unacked_mutex",
        }
    return config


class OcropsCelery(Celery):
    """Celery whose ``send_task`` takes ocrops priorities for ``ocrops.process_job``."""

    ocrops_settings: Settings

    def send_task(self, name: str, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        if name == TASK_NAME and options.get("priority") is not None:
            options["priority"] = transport_priority(self.conf.broker_url, options["priority"])
        return super().send_task(name, args, kwargs, **options)


def get_celery_app(settings: Settings) -> OcropsCelery:
    """A Celery app for ``settings``: the broker, queue, delivery and recycling options, the task."""
    app = OcropsCelery("ocrops", set_as_current=False)
    app.config_from_object(celery_config(settings))
    app.ocrops_settings = settings
    _register_task(app)
    return app


def _register_task(app: OcropsCelery) -> None:
    @app.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
    def process_job_task(self: Any, job_id: str) -> str | None:
        from ocrops.jobs.tasks import process_job

        runtime = worker_runtime(self.app)
        outcome = process_job(
            runtime.ctx, job_id, state=runtime.state, worker_id=runtime.worker_id, takeover_stale=True
        )
        if outcome is None:
            wait = come_back_in(runtime.ctx, job_id)
            if wait is not None:
                countdown, priority = wait
                raise self.retry(countdown=countdown, priority=priority)
        return outcome


def come_back_in(ctx: ServiceContext, job_id: str) -> tuple[float, int] | None:
    """(seconds, priority) to look at a job again, or None when there is nothing to do: a job running
    under another worker is looked at once it would be stale (its owner may die); a queued job whose
    backoff has not ended (a message early, or clocks apart) when its ``not_before`` comes."""
    from datetime import UTC, datetime

    from ocrops.store import service as store

    with ctx.db.session() as session:
        row = store.job_by_id(session, job_id)
        if row is None:
            return None
        if row.state == store.RUNNING:
            return ctx.settings.job_stale_after_s, row.priority
        if row.state == store.QUEUED and row.not_before is not None:
            not_before = row.not_before if row.not_before.tzinfo else row.not_before.replace(tzinfo=UTC)
            return max((not_before - datetime.now(UTC)).total_seconds(), 0.05), row.priority
        return None


# --- the per-process state of a worker ------------------------------------------------------------


@dataclass
class WorkerRuntime:
    """What a worker process builds once: its service context and its engines (``WorkerState``)."""

    ctx: ServiceContext
    state: WorkerState
    worker_id: str
    pid: int

    def close(self) -> None:
        self.state.close()
        self.ctx.close()


_runtime: WorkerRuntime | None = None


def worker_runtime(app: OcropsCelery) -> WorkerRuntime:
    """This process's runtime, built on first use (or after a fork: never shared across processes)."""
    global _runtime
    if _runtime is None or _runtime.pid != os.getpid():
        _runtime = build_runtime(app)
    return _runtime


def build_runtime(app: OcropsCelery) -> WorkerRuntime:
    from ocrops.jobs.queue import CeleryQueue
    from ocrops.pipeline import WorkerState
    from ocrops.services.context import build_context

    settings = app.ocrops_settings
    ctx = build_context(settings, upgrade=False)  # the worker's main process migrated the database
    if isinstance(ctx.queue, CeleryQueue):
        ctx.queue._app = app  # retries go out through this process's app and broker connections
    pid = os.getpid()
    return WorkerRuntime(
        ctx=ctx,
        state=WorkerState(settings=settings),
        worker_id=f"{socket.gethostname()}:{pid}:celery",
        pid=pid,
    )


def close_runtime() -> None:
    global _runtime
    if _runtime is not None and _runtime.pid == os.getpid():
        _runtime.close()
    _runtime = None


# --- plugins and the worker entry point -----------------------------------------------------------


def run_worker(settings: Settings, *, concurrency: int | None = None, loglevel: str = "INFO") -> None:
    """``ocrops worker`` with ``queue=celery``: a Celery worker plus this machine's maintenance."""
    from ocrops.jobs.celery_worker import run_worker as run

    run(settings, concurrency=concurrency, loglevel=loglevel)
