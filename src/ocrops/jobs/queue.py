"""Where jobs go after they are committed: the embedded worker (threads in this process) or Celery.

The job row is the source of truth; a queue only carries job ids and wakes workers. Losing a
message never loses a job: the embedded worker polls the database, and a stale running job is
re-queued.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Protocol

from ocrops.errors import ConfigError, ServiceUnavailable

if TYPE_CHECKING:
    from ocrops.settings import Settings
    from ocrops.store.db import Database

TASK_NAME = "ocrops.process_job"


class JobQueue(Protocol):
    def enqueue(self, job_id: str, priority: int, *, delay_s: float = 0.0) -> None:
        """Hand a committed job to workers; ``delay_s`` for retries (the row's ``not_before`` rules)."""

    def depth(self) -> int:
        """Jobs waiting to run."""

    def check(self) -> None:
        """Readiness: raise ServiceUnavailable when jobs cannot be queued."""


def _queued_count(db: Database) -> int:
    from ocrops.store import service as store

    with db.session() as session:
        return store.queue_depth(session)


class CeleryQueue:
    """Sends ``ocrops.process_job(job_id)`` to the broker; the app comes from ``ocrops.jobs.celery_app``."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self._app: Any = None

    @property
    def app(self) -> Any:
        if self._app is None:
            module = importlib.import_module("ocrops.jobs.celery_app")  # lazily: celery is heavy
            self._app = module.get_celery_app(self.settings)
        return self._app

    def enqueue(self, job_id: str, priority: int, *, delay_s: float = 0.0) -> None:
        self.app.send_task(
            TASK_NAME, args=[job_id], priority=max(0, min(9, priority)), countdown=delay_s or None
        )

    def depth(self) -> int:
        return _queued_count(self.db)

    def check(self) -> None:
        try:
            with self.app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
        except Exception as exc:
            raise ServiceUnavailable(f"Celery broker unreachable: {exc}") from None


def open_queue(settings: Settings, db: Database) -> JobQueue:
    if settings.queue == "embedded":
        from ocrops.jobs.embedded import EmbeddedQueue

        return EmbeddedQueue(db)
    if settings.queue == "celery":
        return CeleryQueue(settings, db)
    raise ConfigError(f"unknown queue {settings.queue!r}: use embedded or celery")
