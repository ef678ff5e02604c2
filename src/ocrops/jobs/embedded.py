"""The embedded worker: threads inside the serve process that run queued jobs from the database.

Each thread keeps its own ``WorkerState`` (engines loaded once), polls for due jobs by priority
(highest first, then oldest; ``not_before`` respected) and wakes at once when a job is enqueued
in this process. The pages of a job run on the worker's page pool: ``page_workers`` spawned
processes (default ``workers``: one per core), each with its own ``WorkerState``, shared by the
job threads, created at ``start()`` and replaced if one of its processes dies. With one page
worker there is no pool: each thread recognises its job's pages itself.

On start, and every so often, running jobs whose heartbeat went stale (their process died) are
put back in the queue; their checkpointed pages are not redone. ``stop()`` lets each thread
finish its current page, hands unfinished jobs back to the queue (pages still running in the
pool are dropped, not checkpointed), shuts the pool down and returns.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from concurrent.futures import Executor
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog

from ocrops.errors import ServiceUnavailable
from ocrops.jobs.tasks import process_job, purge_deleted
from ocrops.jobs.webhooks import WebhookDispatcher
from ocrops.pipeline import WorkerState
from ocrops.pipeline.executor import is_broken, make_executor, warm_up
from ocrops.store import service as store

if TYPE_CHECKING:
    from ocrops.services.context import ServiceContext
    from ocrops.settings import Settings
    from ocrops.store.db import Database

log = structlog.get_logger("ocrops.worker")
PURGE_EVERY_S = 3600.0


class EmbeddedQueue:
    """The queue of the one-process deployment: jobs are rows; enqueue only wakes the worker."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.wake = threading.Event()
        self.worker: EmbeddedWorker | None = None

    def enqueue(self, job_id: str, priority: int, *, delay_s: float = 0.0) -> None:
        self.wake.set()

    def depth(self) -> int:
        with self.db.session() as session:
            return store.queue_depth(session)

    def check(self) -> None:
        if self.worker is not None and not self.worker.alive:
            raise ServiceUnavailable("the embedded worker has stopped")


class PagePool:
    """The page processes of one embedded worker, shared by its job threads (submits are
    thread-safe). A pool whose process died abruptly is broken for good: the next job gets a new one.
    """

    def __init__(self, settings: Settings, workers: int) -> None:
        self.settings, self.workers = settings, workers
        self._executor: Executor | None = None
        self._lock = threading.Lock()
        self._closed = False

    def executor(self) -> Executor:
        with self._lock:
            if self._closed:
                raise ServiceUnavailable("the embedded worker's page processes are shut down")
            if self._executor is not None and is_broken(self._executor):
                log.warning("worker.page_pool_broken", workers=self.workers)
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
            if self._executor is None:
                self._executor = make_executor(self.settings, self.workers)  # spawned, never forked
                warm_up(self._executor)  # ready for the first job's pages
            return self._executor

    def shutdown(self) -> None:
        """Drop the pages not started, wait for those running."""
        with self._lock:
            executor, self._executor, self._closed = self._executor, None, True
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


class EmbeddedWorker:
    def __init__(
        self, ctx: ServiceContext, threads: int | None = None, *, page_workers: int | None = None
    ) -> None:
        """``threads``: jobs at once (default ``embedded_workers``); ``page_workers``: processes
        for their pages (default ``workers``, one per core; 1: pages run in the job's thread)."""
        self.ctx = ctx
        self.threads = threads or ctx.settings.embedded_workers
        workers = page_workers or ctx.settings.resolved_workers
        self.pages = PagePool(ctx.settings, workers) if workers > 1 else None
        queue = ctx.queue
        self.wake: threading.Event = queue.wake if isinstance(queue, EmbeddedQueue) else threading.Event()
        if isinstance(queue, EmbeddedQueue):
            queue.worker = self
        self.dispatcher = WebhookDispatcher(ctx)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._prefix = f"{socket.gethostname()}:{os.getpid()}"
        self._last_recovery = time.monotonic()
        self._last_purge = 0.0  # the first idle moment purges

    @property
    def alive(self) -> bool:
        return bool(self._threads) and all(t.is_alive() for t in self._threads)

    def start(self) -> None:
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per page; threads give the parallelism
        recovered = self.requeue_stale()
        if recovered:
            log.info("worker.recovered", jobs=recovered)
        if self.pages is not None:
            self.pages.executor()  # its processes start now, in the background
        for index in range(self.threads):
            thread = threading.Thread(
                target=self._loop, args=(index,), name=f"ocrops-worker-{index}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        self.dispatcher.start()
        log.info("worker.started", threads=self.threads, page_workers=self.pages.workers if self.pages else 1)

    def stop(self, timeout: float = 60.0) -> None:
        """Finish current pages, hand unfinished jobs back to the queue, join the threads."""
        self._stopping.set()
        self.wake.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if self.pages is not None:
            self.pages.shutdown()
        self.dispatcher.stop()
        self._threads.clear()

    def requeue_stale(self) -> int:
        stale_before = store.utcnow() - timedelta(seconds=self.ctx.settings.job_stale_after_s)
        with self.ctx.db.session() as session:
            ids = store.requeue_stale(session, stale_before)
        if ids:
            self.wake.set()
        return len(ids)

    def _loop(self, index: int) -> None:
        state = WorkerState(settings=self.ctx.settings)
        worker_id = f"{self._prefix}:embedded-{index}"
        try:
            while not self._stopping.is_set():
                self.wake.clear()  # before polling: an enqueue after this wakes the next wait
                try:
                    if self._run_one(state, worker_id):
                        continue
                    if index == 0:
                        self._housekeeping()
                    wait = self._idle_wait()
                except Exception:
                    log.exception("worker.error")
                    wait = self.ctx.settings.worker_poll_s
                self.wake.wait(wait)
        finally:
            state.close()

    def _housekeeping(self) -> None:
        """When idle: re-queue jobs of dead workers; purge documents past their retention (hourly)."""
        now = time.monotonic()
        if now - self._last_recovery > self.ctx.settings.job_stale_after_s / 4:
            self._last_recovery = now
            self.requeue_stale()
        if now - self._last_purge > PURGE_EVERY_S:
            self._last_purge = now
            purge_deleted(self.ctx)

    def _run_one(self, state: WorkerState, worker_id: str) -> bool:
        """Run the first due job this thread can claim; False when there was none."""
        with self.ctx.db.session() as session:
            candidates = store.due_job_ids(session, limit=2 * self.threads)
        for job_id in candidates:
            if self._stopping.is_set():
                return False
            outcome = process_job(
                self.ctx,
                job_id,
                state=state,
                worker_id=worker_id,
                should_stop=self._stopping.is_set,
                pages=self.pages.executor() if self.pages is not None else None,
            )
            if outcome is not None:
                return True
        return False

    def _idle_wait(self) -> float:
        poll = self.ctx.settings.worker_poll_s
        with self.ctx.db.session() as session:
            next_at = store.next_due_at(session)
        if next_at is None:
            return poll
        return min(poll, max(0.0, (next_at - store.utcnow()).total_seconds()))
