"""Document use cases: submit (async job), read, list, results, page images, delete, sync convert.

Every call takes the caller's :class:`Principal` and only ever sees that tenant's rows: another
tenant's document is a NotFound, exactly like a missing one.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, BinaryIO

import structlog

from ocrops.errors import Conflict, NotFound, OcropsError, Timeout
from ocrops.pipeline import parse_page_ranges
from ocrops.services import uploads
from ocrops.services.context import Principal, ServiceContext
from ocrops.services.jobs import job_public, page_limit
from ocrops.services.schemas import (
    DocumentFilters,
    DocumentPublic,
    JobPublic,
    Page,
    SubmitOptions,
    decode_cursor,
    encode_cursor,
)
from ocrops.storage import page_image_key, source_key
from ocrops.store import service as store

if TYPE_CHECKING:
    from ocrops.model import Document
    from ocrops.pipeline import ConvertOptions
    from ocrops.store.tables import DocumentRow, JobRow

log = structlog.get_logger("ocrops.documents")

PAGE_IMAGE_DPI = 100
DEDUP_WORKER = "submit:dedup"


@dataclass
class Submission:
    document: DocumentPublic
    job: JobPublic
    created: bool  # False: an earlier submission with the same Idempotency-Key


def document_public(row: DocumentRow, job: JobRow | None) -> DocumentPublic:
    data: dict[str, Any] = {
        name: getattr(row, name) for name in DocumentPublic.model_fields if hasattr(row, name)
    }
    data["created_at"], data["deleted_at"] = store.aware(row.created_at), store.aware(row.deleted_at)
    data["job_id"], data["state"] = (job.id, job.state) if job is not None else (None, None)
    return DocumentPublic.model_validate(data)


# --- submit ------------------------------------------------------------------------------


def submit_document(
    ctx: ServiceContext,
    principal: Principal,
    filename: str,
    data: bytes | BinaryIO,
    options: SubmitOptions,
    idempotency_key: str | None = None,
) -> Submission:
    """Store the upload, create the document and its job in one transaction, then enqueue the job.

    Bad files are refused here (415 unsupported, 422 corrupt/empty/encrypted, 413 too large).
    The same ``idempotency_key`` with the same request returns the first submission
    (``created=False``); with a different request it is a Conflict. Content already converted
    with the same options and pages is completed at once from the stored result (no OCR).
    """
    principal.require_write()
    convert_options = _convert_options(ctx, options)
    name = uploads.clean_filename(filename)
    with uploads.spooled(data, ctx.settings.resolved_max_upload_bytes) as upload:
        request_hash = _request_hash(upload.sha256, name, convert_options, options)
        if idempotency_key:
            previous = _previous_submission(ctx, principal, idempotency_key, request_hash)
            if previous is not None:
                return previous
        accepted = _accept(ctx, principal, upload, name, convert_options)
    try:
        submission, duplicate = _create_rows(
            ctx, principal, accepted, convert_options, options, idempotency_key, request_hash
        )
    except Conflict:  # the same Idempotency-Key committed by a concurrent request
        ctx.storage.delete(accepted.blob_key)
        previous = _previous_submission(ctx, principal, idempotency_key or "", request_hash)
        if previous is None:
            raise
        return previous
    except BaseException:
        ctx.storage.delete(accepted.blob_key)
        raise
    log.info(
        "document.submitted", document_id=accepted.document_id, job_id=submission.job.id, dedup=duplicate
    )
    if duplicate:
        return _complete_duplicate(ctx, principal, submission, accepted.dedup_key, name)
    _enqueue(ctx, submission.job.id, options.priority)
    return submission


@dataclass
class _Accepted:
    """An upload that opened fine and is stored: what the rows will say about it."""

    document_id: str
    blob_key: str
    name: str
    media_type: str
    size: int
    sha256: str
    page_count: int
    pages: list[int]
    dedup_key: str


def _accept(
    ctx: ServiceContext, principal: Principal, upload: uploads.Upload, name: str, options: ConvertOptions
) -> _Accepted:
    """Open the upload with the loaders (refusing bad files), select its pages, store its blob."""
    media_type, page_count = uploads.inspect(upload.path, name, ctx.settings, options.password)
    pages = parse_page_ranges(options.pages, page_count) if options.pages else list(range(1, page_count + 1))
    document_id = store.new_id()
    blob_key = source_key(principal.tenant_id, document_id)
    with upload.path.open("rb") as fh:
        ctx.storage.put(blob_key, fh, media_type)
    dedup_key = hashlib.sha256(f"{upload.sha256}:{options.result_key()}:{pages}".encode()).hexdigest()
    return _Accepted(
        document_id, blob_key, name, media_type, upload.size, upload.sha256, page_count, pages, dedup_key
    )


def _create_rows(
    ctx: ServiceContext,
    principal: Principal,
    accepted: _Accepted,
    convert_options: ConvertOptions,
    options: SubmitOptions,
    idempotency_key: str | None,
    request_hash: str,
) -> tuple[Submission, bool]:
    """The document and its job, in one transaction. A job whose result already exists (same
    content, pages and options) starts as running under DEDUP_WORKER, so no worker takes it."""
    with ctx.db.session() as session:
        doc = store.add_document(
            session,
            id=accepted.document_id,
            tenant_id=principal.tenant_id,
            filename=accepted.name,
            media_type=accepted.media_type,
            size=accepted.size,
            sha256=accepted.sha256,
            page_count=accepted.page_count,
            source_key=accepted.blob_key,
        )
        duplicate = store.succeeded_job(session, principal.tenant_id, accepted.dedup_key) is not None
        job = store.add_job(
            session,
            tenant_id=principal.tenant_id,
            document_id=accepted.document_id,
            state=store.RUNNING if duplicate else store.QUEUED,
            worker_id=DEDUP_WORKER if duplicate else None,
            priority=options.priority,
            options=convert_options.model_dump(mode="json", exclude={"password"}),
            formats=options.formats,
            pages=accepted.pages,
            pages_total=len(accepted.pages),
            pages_done=0,
            attempts=0,
            max_attempts=ctx.settings.job_max_attempts,
            webhook_url=options.webhook_url,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            dedup_key=accepted.dedup_key,
            cancel_requested=False,
            timings={},
        )
        return Submission(document_public(doc, job), job_public(job), created=True), duplicate


def _convert_options(ctx: ServiceContext, options: SubmitOptions) -> ConvertOptions:
    from ocrops.services.convert import build_options

    return build_options(
        ctx.settings,
        engine=options.engine,
        engine_options=options.engine_options,
        pages=options.pages,
        languages=options.languages,
        dpi=options.dpi,
    )


def _request_hash(sha256: str, filename: str, convert_options: ConvertOptions, options: SubmitOptions) -> str:
    body = {
        "sha256": sha256,
        "filename": filename,
        "options": convert_options.model_dump(mode="json"),
        "formats": options.formats,
        "priority": options.priority,
        "webhook_url": options.webhook_url,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _previous_submission(
    ctx: ServiceContext, principal: Principal, key: str, request_hash: str
) -> Submission | None:
    with ctx.db.session() as session:
        job = store.job_by_idempotency_key(session, principal.tenant_id, key)
        if job is None:
            return None
        if job.request_hash != request_hash:
            raise Conflict(f"Idempotency-Key {key!r} was already used for a different request")
        doc = store.get_document(session, principal.tenant_id, job.document_id, deleted=True)
        return Submission(document_public(doc, job), job_public(job), created=False)


def _complete_duplicate(
    ctx: ServiceContext, principal: Principal, submission: Submission, dedup_key: str, filename: str
) -> Submission:
    from ocrops.jobs import tasks

    job_id = submission.job.id
    done = tasks.complete_from_duplicate(ctx, job_id, principal.tenant_id, dedup_key, filename, DEDUP_WORKER)
    if done is not None:
        webhooks_wake(ctx)
    else:  # the earlier result vanished meanwhile: run OCR after all
        with ctx.db.session() as session:
            store.schedule_retry(session, job_id, None, None, owner=DEDUP_WORKER)
        _enqueue(ctx, job_id, submission.job.priority)
    with ctx.db.session() as session:
        job = store.get_job(session, principal.tenant_id, job_id)
        doc = store.get_document(session, principal.tenant_id, job.document_id)
        return Submission(document_public(doc, job), job_public(job), created=True)


def webhooks_wake(ctx: ServiceContext) -> None:
    """Nudge this process's dispatcher (embedded worker) to send a just-scheduled webhook."""
    worker = getattr(ctx.queue, "worker", None)
    if worker is not None:
        worker.dispatcher.wake.set()


def _enqueue(ctx: ServiceContext, job_id: str, priority: int) -> None:
    try:
        ctx.queue.enqueue(job_id, priority)
    except OcropsError as exc:  # the row is committed: recovery or a retry submission picks it up
        log.warning("job.enqueue_failed", job_id=job_id, error=str(exc))


# --- read --------------------------------------------------------------------------------


def get_document(ctx: ServiceContext, principal: Principal, document_id: str) -> DocumentPublic:
    with ctx.db.session() as session:
        row = store.get_document(session, principal.tenant_id, document_id)
        return document_public(row, store.latest_jobs(session, [row.id]).get(row.id))


def list_documents(
    ctx: ServiceContext,
    principal: Principal,
    cursor: str | None = None,
    limit: int | None = 50,
    filters: DocumentFilters | dict[str, Any] | None = None,
) -> Page[DocumentPublic]:
    """The tenant's documents, newest first; ``next_cursor`` fetches the following page."""
    filters = (
        DocumentFilters.model_validate(filters or {}) if not isinstance(filters, DocumentFilters) else filters
    )
    size = page_limit(limit)
    with ctx.db.session() as session:
        rows = store.list_documents(
            session, principal.tenant_id, after=decode_cursor(cursor), limit=size + 1, **filters.model_dump()
        )
        jobs = store.latest_jobs(session, [row.id for row in rows[:size]])
        items = [document_public(row, jobs.get(row.id)) for row in rows[:size]]
    next_cursor = encode_cursor(items[-1].created_at, items[-1].id) if len(rows) > size else None
    return Page[DocumentPublic](items=items, next_cursor=next_cursor)


def get_result_document(ctx: ServiceContext, principal: Principal, document_id: str) -> Document:
    """The result of the document's latest job; Conflict while it is not finished or has no result."""
    with ctx.db.session() as session:
        row = store.get_document(session, principal.tenant_id, document_id)
        job = store.latest_jobs(session, [row.id]).get(row.id)
        if job is None:
            raise Conflict(f"document {document_id} has no job")
        if job.state in (store.QUEUED, store.RUNNING):
            raise Conflict(
                f"job {job.id} is {job.state} ({job.pages_done}/{job.pages_total} pages done); "
                "fetch the result when it has finished"
            )
        if not job.result_key:
            raise Conflict(
                f"job {job.id} {job.state} without a result: {job.error or 'no pages were converted'}"
            )
        key, version = job.result_key, store.aware(job.finished_at)
    return _RESULTS.get(ctx, key, version)


def get_result(
    ctx: ServiceContext, principal: Principal, document_id: str, fmt: str = "md"
) -> tuple[str, str]:
    """The result rendered as ``fmt`` (md, json, txt, html, csv): (content, media type)."""
    from ocrops.render import get_renderer

    renderer = get_renderer(fmt)  # unknown format: BadParameter before any lookup
    return renderer.render(get_result_document(ctx, principal, document_id)), renderer.media_type


class _ResultCache:
    """Parsed result documents, most recently used kept; keyed by blob key and job finish time."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self.items: OrderedDict[tuple[int, str, object], Document] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, ctx: ServiceContext, key: str, version: object) -> Document:
        from ocrops.model import Document

        cache_key = (id(ctx.storage), key, version)
        with self.lock:
            if cache_key in self.items:
                self.items.move_to_end(cache_key)
                return self.items[cache_key]
        document = Document.model_validate_json(ctx.storage.get(key))
        with self.lock:
            self.items[cache_key] = document
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return document


_RESULTS = _ResultCache()


def page_image(ctx: ServiceContext, principal: Principal, document_id: str, page: int) -> bytes:
    """Page ``page`` (1-based) of the source as PNG at 100 dpi, rendered once and kept in storage."""
    with ctx.db.session() as session:
        row = store.get_document(session, principal.tenant_id, document_id)
        blob, count = row.source_key, row.page_count
    if not 1 <= page <= count:
        raise NotFound(f"document {document_id} has no page {page} (it has {count})")
    key = page_image_key(principal.tenant_id, document_id, page)
    try:
        return ctx.storage.get(key)
    except NotFound:
        pass
    with ctx.storage.open_local(blob) as path:
        png = uploads.render_png(path, row.filename, page, PAGE_IMAGE_DPI, ctx.settings)
    ctx.storage.put(key, png, "image/png")
    return png


# --- delete ------------------------------------------------------------------------------


def delete_document(ctx: ServiceContext, principal: Principal, document_id: str) -> None:
    """Soft delete: hidden at once, its queued job cancelled; purged after the retention period."""
    principal.require_write()
    with ctx.db.session() as session:
        store.soft_delete_document(session, principal.tenant_id, document_id)


def purge_deleted(ctx: ServiceContext, older_than: timedelta | None = None) -> int:
    """Remove documents soft-deleted before ``older_than`` ago (default: the retention period),
    with their blobs, jobs and checkpoints. Returns how many documents were purged."""
    from ocrops.jobs.tasks import purge_deleted as purge

    return purge(ctx, older_than)


# --- synchronous conversion ----------------------------------------------------------------


def convert_sync(
    ctx: ServiceContext,
    principal: Principal,
    filename: str,
    data: bytes | BinaryIO,
    options: SubmitOptions,
    time_limit: float | None = None,
) -> Document:
    """Convert a small document right away; Timeout (504) after ``time_limit`` seconds."""
    from ocrops.loaders import Source
    from ocrops.pipeline import Converter

    principal.require_write()
    convert_options = _convert_options(ctx, options)
    limit = time_limit if time_limit is not None else ctx.settings.sync_time_limit_s
    name = uploads.clean_filename(filename)
    cancelled = threading.Event()
    outcome: dict[str, Any] = {}

    def on_page(*_: object) -> None:
        if cancelled.is_set():
            raise uploads.Abandoned

    upload = uploads.spool(data, ctx.settings.resolved_max_upload_bytes)
    try:
        uploads.inspect(upload.path, name, ctx.settings, convert_options.password)  # refuse bad files first
    except BaseException:
        upload.path.unlink(missing_ok=True)
        raise

    def work() -> None:
        try:
            converter = Converter(convert_options, ctx.settings, workers=1)
            outcome["result"] = next(converter.run([Source(path=upload.path, name=name)], on_page=on_page))
        except BaseException as exc:  # handed to the waiting thread
            outcome["error"] = exc
        finally:
            upload.path.unlink(missing_ok=True)  # the thread owns the file: it may outlive the caller

    thread = threading.Thread(target=work, name="ocrops-convert", daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        cancelled.set()  # the conversion stops after its current page
        raise Timeout(
            f"conversion took longer than {limit:g} s; submit it with POST /api/v1/documents "
            "and poll the job instead"
        )
    if "error" in outcome:
        raise outcome["error"]
    result = outcome["result"]
    if result.error is not None:
        raise result.error
    return result.document
