"""The task function: ``process_job(ctx, job_id)``. The embedded worker and Celery both call it.

A job is claimed with a conditional UPDATE (queued -> running), so two workers never run the
same job. Pages already checkpointed in ``job_pages`` are skipped (a job whose worker died
resumes where it stopped); each finished page is checkpointed at once. Pages run one at a time
in the calling thread, or, given a page executor (the embedded worker's process pool), up to
``2 × its workers`` at a time, checkpointed in the order they finish. Between pages the
worker beats its heartbeat and checks for cancellation and the time limit. Transient errors
(I/O, network, an unavailable service) put the job back in the queue with exponential backoff
until ``max_attempts``; then it fails with the error kept (the dead letter).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from contextlib import closing
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.exc import SQLAlchemyError

from ocrops.errors import OcropsError, ServiceUnavailable
from ocrops.jobs import webhooks
from ocrops.model import Document, Page, PageStatus, SourceInfo
from ocrops.pipeline import ConvertOptions, PageTask, WorkerState, run_page_task
from ocrops.pipeline.executor import pool_size, submit_page
from ocrops.storage import page_image_key, result_key
from ocrops.store import service as store

if TYPE_CHECKING:
    from ocrops.services.context import ServiceContext
    from ocrops.store.tables import DocumentRow, JobRow

log = structlog.get_logger("ocrops.jobs")
_local = threading.local()


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: network and service outages, operating-system I/O errors (with an errno), and
    a page process that died (a broken pool: the embedded worker starts a new one).

    OSErrors without an errno are how image libraries report bad content: those are page errors.
    """
    if isinstance(exc, ServiceUnavailable | ConnectionError | TimeoutError | BrokenExecutor):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, OcropsError) and exc.errno is not None


class _Transient(Exception):
    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def worker_state(ctx: ServiceContext) -> WorkerState:
    """This thread's WorkerState (engines and open documents reused across jobs)."""
    state = getattr(_local, "state", None)
    if state is None or state.settings is not ctx.settings:
        state = WorkerState(settings=ctx.settings)
        _local.state = state
    return state


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


@dataclass
class _Runner:
    """Who runs a job and how: this thread's state and id, its stop signal, the page executor."""

    state: WorkerState
    worker_id: str
    should_stop: Callable[[], bool] | None = None
    pages: Executor | None = None


@dataclass
class _Job:
    """What a worker needs of the job and document rows, copied out of the session."""

    id: str
    tenant_id: str
    document_id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    page_count: int
    source_key: str
    options: ConvertOptions
    pages: list[int]
    priority: int
    attempts: int
    max_attempts: int
    dedup_key: str
    worker_id: str
    created_at: Any
    error: str | None = None
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def of(cls, job: JobRow, doc: DocumentRow) -> _Job:
        return cls(
            id=job.id,
            tenant_id=job.tenant_id,
            document_id=doc.id,
            filename=doc.filename,
            media_type=doc.media_type,
            size=doc.size,
            sha256=doc.sha256,
            page_count=doc.page_count,
            source_key=doc.source_key,
            options=ConvertOptions.model_validate(job.options),
            pages=list(job.pages),
            priority=job.priority,
            attempts=job.attempts,
            max_attempts=job.max_attempts,
            dedup_key=job.dedup_key,
            worker_id=job.worker_id or "",
            created_at=store.aware(job.created_at),
            error=job.error,
        )


def process_job(
    ctx: ServiceContext,
    job_id: str,
    *,
    state: WorkerState | None = None,
    worker_id: str | None = None,
    should_stop: Callable[[], bool] | None = None,
    takeover_stale: bool = False,
    pages: Executor | None = None,
) -> str | None:
    """Run one job to a final state. Returns that state, "queued" when it will be retried, or None
    when this worker did not run it (not queued any more, not due yet, claimed by another worker,
    or handed back because ``should_stop()`` turned true between pages).

    ``takeover_stale``: also take a *running* job whose heartbeat is older than
    ``job_stale_after_s`` (a redelivered Celery message after its worker was killed).
    ``pages``: run the pages on this executor (``pipeline.executor.make_executor``), several at
    once; without it they run one by one in this thread with ``state``.
    """
    worker_id = worker_id or default_worker_id()
    with structlog.contextvars.bound_contextvars(job_id=job_id):
        job = _claim(ctx, job_id, worker_id, takeover_stale)
        if job is None:
            return None
        log.info("job.started", attempt=job.attempts, pages=len(job.pages))
        runner = _Runner(state or worker_state(ctx), worker_id, should_stop, pages)
        with _Heartbeat(ctx, job_id, worker_id):
            return _process(ctx, job, runner)


def _process(ctx: ServiceContext, job: _Job, runner: _Runner) -> str | None:
    try:
        if job.attempts > job.max_attempts:  # its workers keep dying: a poison job
            error = f"gave up after {job.max_attempts} attempts; last error: {job.error or 'worker lost'}"
            return _finish(ctx, job, store.FAILED, error=error)
        done = complete_from_duplicate(ctx, job.id, job.tenant_id, job.dedup_key, job.filename, job.worker_id)
        if done is not None:
            _notify(ctx, job.id)
            return done or None
        return _run(ctx, job, runner)
    except _Transient as exc:
        return _retry_or_fail(ctx, job, exc.cause)
    except SQLAlchemyError:
        raise  # the database is the problem: the job stays running and is re-queued when stale
    except Exception as exc:
        if is_transient(exc):
            return _retry_or_fail(ctx, job, exc)
        log.exception("job.crashed")
        _record_error(exc)
        return _finish(ctx, job, store.FAILED, error=f"{type(exc).__name__}: {exc}")


class _Heartbeat:
    """Stamps the job's heartbeat every ``job_heartbeat_s`` while it runs, long pages included."""

    def __init__(self, ctx: ServiceContext, job_id: str, worker_id: str) -> None:
        self.ctx, self.job_id, self.worker_id = ctx, job_id, worker_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id[:8]}", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        while not self.stopped.wait(self.ctx.settings.job_heartbeat_s):
            try:
                with self.ctx.db.session() as session:
                    store.heartbeat(session, self.job_id, self.worker_id)
            except SQLAlchemyError as exc:
                log.warning("job.heartbeat_failed", error=str(exc))


def _claim(ctx: ServiceContext, job_id: str, worker_id: str, takeover_stale: bool = False) -> _Job | None:
    stale_before = None
    if takeover_stale:
        stale_before = store.utcnow() - timedelta(seconds=ctx.settings.job_stale_after_s)
    with ctx.db.session() as session:
        if not store.claim_job(session, job_id, worker_id, stale_before=stale_before):
            return None
        row = store.job_by_id(session, job_id)
        assert row is not None
        doc = store.get_document(session, row.tenant_id, row.document_id, deleted=True)
        return _Job.of(row, doc)


def _run(ctx: ServiceContext, job: _Job, runner: _Runner) -> str | None:
    with ctx.db.session() as session:
        pages = {n: Page.model_validate(data) for n, data in store.done_pages(session, job.id).items()}
    state = runner.state
    try:
        with ctx.storage.open_local(job.source_key) as path:
            try:
                stop = _run_pages(ctx, job, runner, str(path), pages)
                if stop is not None:
                    return stop or None
                metadata = state.document(str(path), job.filename, job.options.password).metadata()
            finally:
                state.forget(str(path))
    except OcropsError as exc:
        if is_transient(exc):
            raise _Transient(exc) from exc
        return _finish(ctx, job, store.FAILED, error=str(exc))
    return _complete(ctx, job, pages, metadata)


def _run_pages(
    ctx: ServiceContext, job: _Job, runner: _Runner, path: str, pages: dict[int, Page]
) -> str | None:
    """Recognise and checkpoint the pages not done yet; a non-None return stops the job
    (see ``_between_pages``), which is checked before the first page and after each but the last."""
    todo = [number for number in job.pages if number not in pages]  # others: checkpointed earlier
    if not todo:
        return None
    stop = _between_pages(ctx, job, runner, len(pages))
    if stop is not None:
        return stop
    if runner.pages is None:
        completed = _one_by_one(runner.state, path, job, todo)
    else:
        completed = _in_parallel(runner.pages, path, job, todo)
    remaining = len(todo)
    with closing(completed):  # stopping early cancels the pages not started yet
        for number, page in completed:
            pages[number] = page
            _checkpoint(ctx, job, number, page)
            remaining -= 1
            stop = _between_pages(ctx, job, runner, len(pages)) if remaining else None
            if stop is not None:
                return stop
    return None


def _one_by_one(state: WorkerState, path: str, job: _Job, numbers: list[int]) -> Iterator[tuple[int, Page]]:
    """The pages recognised in this thread, in order."""
    for number in numbers:
        try:
            page = run_page_task(state, _task(path, job, number), reraise=is_transient)
        except Exception as exc:
            raise _Transient(exc) from exc
        yield number, page


def _in_parallel(executor: Executor, path: str, job: _Job, numbers: list[int]) -> Iterator[tuple[int, Page]]:
    """The pages recognised on ``executor``, as they finish; at most ``2 × its workers`` in flight."""
    window = 2 * pool_size(executor)
    waiting = deque(numbers)
    in_flight: dict[Future, int] = {}
    try:
        while waiting or in_flight:
            while waiting and len(in_flight) < window:
                number = waiting.popleft()
                in_flight[submit_page(executor, _task(path, job, number), reraise=is_transient)] = number
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=in_flight.__getitem__):
                number = in_flight.pop(future)
                try:
                    page = future.result()
                except Exception as exc:  # only transient errors (and a dead process) escape a page
                    raise _Transient(exc) from exc
                yield number, page
    finally:
        for future in in_flight:
            future.cancel()  # those already running finish in the pool; their results are dropped


def _task(path: str, job: _Job, number: int) -> PageTask:
    return PageTask(path=path, name=job.filename, page=number, options=job.options)


def _checkpoint(ctx: ServiceContext, job: _Job, number: int, page: Page) -> None:
    """Save the finished page (a resumed job skips it) and count it in the metrics."""
    with ctx.db.session() as session:
        store.save_page(
            session, job.tenant_id, job.id, number, page.status.value, page.model_dump(mode="json")
        )
    if page.status == PageStatus.error:
        _record_error("page_error")
    _record_page(page, job.options.engine)


def _between_pages(ctx: ServiceContext, job: _Job, runner: _Runner, done: int) -> str | None:
    """None to go on; a final state to stop with; "" to stop without one (handed back or lost)."""
    with ctx.db.session() as session:
        ours, cancel = store.heartbeat(session, job.id, runner.worker_id)
    if not ours:
        log.warning("job.lost", reason="another worker owns it now")
        return ""
    if cancel:
        return _finish(ctx, job, store.CANCELLED, error="cancelled") or ""
    if runner.should_stop is not None and runner.should_stop():
        with ctx.db.session() as session:
            store.release_job(session, job.id, runner.worker_id)
        log.info("job.released", pages_done=done)
        return ""
    limit = ctx.settings.job_time_limit_s
    if time.monotonic() - job.started > limit:
        _record_error(TimeoutError())
        return (
            _finish(
                ctx,
                job,
                store.FAILED,
                error=f"time limit of {limit:g} s exceeded after {done}/{len(job.pages)} pages",
            )
            or ""
        )
    return None


def _complete(ctx: ServiceContext, job: _Job, pages: dict[int, Page], metadata: dict[str, str]) -> str | None:
    from ocrops.preprocess import PREPROCESS_VERSION

    info = SourceInfo(
        name=job.filename,
        sha256=job.sha256,
        media_type=job.media_type,
        size=job.size,
        page_count=job.page_count,
    )
    document = Document(
        source=info,
        pages=[pages[n] for n in job.pages],
        metadata={
            **metadata,
            "job_id": job.id,
            "document_id": job.document_id,
            "engine": job.options.engine,
            "options_key": job.options.result_key(),
            "preprocess_version": PREPROCESS_VERSION,
        },
        timings={"total": time.monotonic() - job.started},
    )
    key = result_key(job.tenant_id, job.id)
    ctx.storage.put(key, document.model_dump_json().encode(), "application/json")
    state = document.status.value  # succeeded | partial | failed, from the pages
    error = "; ".join(document.errors[:5]) or None
    return _finish(ctx, job, state, error=error, result_key=key)


def _retry_or_fail(ctx: ServiceContext, job: _Job, exc: BaseException) -> str | None:
    error = f"{type(exc).__name__}: {exc}"
    _record_error(exc)
    if job.attempts >= job.max_attempts:
        log.warning("job.dead_letter", attempts=job.attempts, error=error)
        return _finish(ctx, job, store.FAILED, error=f"gave up after {job.attempts} attempts: {error}")
    delay = ctx.settings.job_retry_base_s * 2 ** (job.attempts - 1)
    with ctx.db.session() as session:
        store.schedule_retry(
            session, job.id, error, store.utcnow() + timedelta(seconds=delay), owner=job.worker_id
        )
    log.info("job.retry_scheduled", attempt=job.attempts, delay_s=delay, error=error)
    ctx.queue.enqueue(job.id, job.priority, delay_s=delay)
    return store.QUEUED


def _finish(
    ctx: ServiceContext, job: _Job, state: str, *, error: str | None = None, result_key: str | None = None
) -> str | None:
    """Record the final state (and queue its webhook) unless another worker owns the job by now."""
    now = store.utcnow()
    timings = {
        "queued_s": (now - job.created_at).total_seconds() if job.created_at else 0.0,
        "run_s": time.monotonic() - job.started,
    }
    with ctx.db.session() as session:
        row = store.finish_job(
            session, job.id, state, error=error, result_key=result_key, timings=timings, owner=job.worker_id
        )
        if row is None:
            log.warning("job.lost", reason="taken over by another worker before it finished")
            return None
        webhooks.schedule(session, row)
    log.info("job.finished", state=state, error=error)
    _notify(ctx, job.id)
    return state


def complete_from_duplicate(
    ctx: ServiceContext, job_id: str, tenant_id: str, dedup_key: str, filename: str, owner: str
) -> str | None:
    """Finish ``job_id`` (run by ``owner``) from the stored result of an earlier succeeded job with
    the same content, pages and options, without OCR. Returns "succeeded", None when there is no
    such result, or "" when another worker owns the job by now."""
    with ctx.db.session() as session:
        original = store.succeeded_job(session, tenant_id, dedup_key)
        if original is None or original.id == job_id or not original.result_key:
            return None
        original_id, original_key = original.id, original.result_key
    try:
        document = Document.model_validate_json(ctx.storage.get(original_key))
    except OcropsError:
        return None  # the stored result is gone (purged): run OCR
    with ctx.db.session() as session:
        job = store.job_by_id(session, job_id)
        assert job is not None
        document.source = document.source.model_copy(update={"name": filename})
        document.metadata.update({"job_id": job_id, "document_id": job.document_id, "dedup_of": original_id})
        key = result_key(tenant_id, job_id)
        ctx.storage.put(key, document.model_dump_json().encode(), "application/json")
        row = store.finish_job(
            session,
            job_id,
            store.SUCCEEDED,
            result_key=key,
            dedup_of=original_id,
            timings={"queued_s": 0.0, "run_s": 0.0},
            owner=owner,
        )
        if row is None:
            return ""
        webhooks.schedule(session, row)
    log.info("job.deduplicated", dedup_of=original_id)
    return store.SUCCEEDED


def purge_deleted(ctx: ServiceContext, older_than: timedelta | None = None) -> int:
    """Remove documents soft-deleted more than ``older_than`` ago (default: ``retention_days``), with
    their blobs, jobs, checkpoints and deliveries. A task: the embedded worker runs it hourly."""
    cutoff = store.utcnow() - (
        older_than if older_than is not None else timedelta(days=ctx.settings.retention_days)
    )
    with ctx.db.session() as session:
        doomed = [
            (
                row.id,
                row.tenant_id,
                row.source_key,
                row.page_count,
                [job.result_key for job in store.document_jobs(session, row.id) if job.result_key],
            )
            for row in store.deleted_before(session, cutoff)
        ]
    for document_id, tenant_id, blob, page_count, results in doomed:
        for key in [
            blob,
            *results,
            *(page_image_key(tenant_id, document_id, n) for n in range(1, page_count + 1)),
        ]:
            ctx.storage.delete(key)
        with ctx.db.session() as session:
            store.purge_document(session, document_id)
    if doomed:
        log.info("documents.purged", count=len(doomed))
    return len(doomed)


def _notify(ctx: ServiceContext, job_id: str) -> None:
    """First webhook attempt right away (retries go to the dispatcher); never fails the job."""
    try:
        webhooks.deliver_due(ctx, job_id=job_id)
    except Exception:
        log.exception("webhook.delivery_crashed")


def _record_page(page: Page, engine: str) -> None:
    try:
        from ocrops.observability import record_page
    except ImportError:
        return
    name = page.engine.name if page.engine else engine
    record_page(name, page.timings.get("total", 0.0), page.status.value)


def _record_error(exc: BaseException | str) -> None:
    try:
        from ocrops.observability import record_error
    except ImportError:
        return
    record_error(exc if isinstance(exc, str) else type(exc).__name__, "job")
