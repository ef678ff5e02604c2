"""The services layer on real databases (SQLite and PostgreSQL) and real files: keys, submission,
idempotency, deduplication, tenant isolation, results, page images, deletion, health."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from PIL import Image
from sqlalchemy import text

from ocrops.errors import (
    BadParameter,
    Conflict,
    CorruptInput,
    EmptyInput,
    Forbidden,
    InputTooLarge,
    NotFound,
    PageRangeError,
    Timeout,
    Unauthorized,
    UnsupportedFormat,
)
from ocrops.jobs.tasks import process_job
from ocrops.model import Document
from ocrops.services import documents, health, jobs, keys
from ocrops.services.schemas import Role, SubmitOptions
from ocrops.storage import page_image_key
from ocrops.store.tables import ApiKeyRow, Base
from tests.integration.service_env import BUCKET, make_ctx, pdf_bytes, principal_for

OPTIONS = SubmitOptions(engine="counting")


def submit_and_run(ctx, principal, data: bytes, options: SubmitOptions = OPTIONS, **kwargs):
    submission = documents.submit_document(ctx, principal, "doc.pdf", data, options, **kwargs)
    if submission.job.state == "queued":
        assert process_job(ctx, submission.job.id) in ("succeeded", "partial")
    return submission


# --- schema ----------------------------------------------------------------------------------


def test_migrations_build_exactly_the_tables_and_downgrade(any_ctx):
    db = any_ctx.db
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    config = db.alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert "jobs" not in db.table_names() and "bench_runs" in db.table_names()
    db.upgrade()
    assert {"tenants", "api_keys", "documents", "jobs", "job_pages", "webhook_deliveries"} <= set(
        db.table_names()
    )
    assert db.current_revision() == "0002"


# --- keys ------------------------------------------------------------------------------------


def test_keys_are_hashed_authenticated_and_revocable(any_ctx):
    public, secret = keys.create_key(any_ctx, "acme", "ci", Role.member)
    assert secret.startswith(f"ocr_{public.prefix}_") and len(secret) > 50
    principal = keys.authenticate(any_ctx, secret)
    assert (principal.tenant_id, principal.key_id, principal.role) == ("acme", public.id, Role.member)
    with any_ctx.db.session() as session:  # only the SHA-256 of the key is stored
        row = session.get(ApiKeyRow, public.id)
        assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        dump = json.dumps([list(r) for r in session.execute(text("SELECT * FROM api_keys"))], default=str)
        assert secret not in dump
    tampered = secret[:-3] + ("aaa" if not secret.endswith("aaa") else "bbb")
    for bad in (None, "", "Bearer x", "ocr_nope", f"ocr_{public.prefix}_", "ocr_ffffffffffff_abc", tampered):
        with pytest.raises(Unauthorized):
            keys.authenticate(any_ctx, bad)
    assert [k.id for k in keys.list_keys(any_ctx, "acme")] == [public.id]
    with pytest.raises(NotFound):
        keys.revoke_key(any_ctx, "other-tenant", public.id)
    keys.revoke_key(any_ctx, "acme", public.id)
    with pytest.raises(Unauthorized, match="revoked"):
        keys.authenticate(any_ctx, secret)
    assert keys.list_keys(any_ctx, "acme")[0].revoked_at is not None
    with pytest.raises(BadParameter):
        keys.create_key(any_ctx, "acme", "x", "superuser")


def test_bootstrap_admin_only_on_first_start(ctx):
    secret = keys.ensure_bootstrap_admin(ctx)
    assert secret is not None
    principal = keys.authenticate(ctx, secret)
    assert (principal.tenant_id, principal.role) == ("default", Role.admin)
    assert keys.ensure_bootstrap_admin(ctx) is None
    assert keys.webhook_secret(ctx, "default").startswith("whsec_")
    assert keys.webhook_secret(ctx, "default") != keys.webhook_secret(ctx, keys.create_tenant(ctx, "other"))


def test_read_only_keys_cannot_write(ctx):
    reader, _ = principal_for(ctx, "acme", Role.read_only)
    with pytest.raises(Forbidden):
        documents.submit_document(ctx, reader, "a.pdf", pdf_bytes(1), OPTIONS)
    member, _ = principal_for(ctx, "acme", Role.member)
    doc = documents.submit_document(ctx, member, "a.pdf", pdf_bytes(1), OPTIONS).document
    assert documents.get_document(ctx, reader, doc.id).id == doc.id
    for write in (documents.delete_document, jobs.cancel_job, jobs.retry_job):
        with pytest.raises(Forbidden):
            write(ctx, reader, doc.id)


# --- submission --------------------------------------------------------------------------------


def test_submit_creates_document_and_queued_job(any_ctx, counting):
    alice, _ = principal_for(any_ctx, "acme")
    data = pdf_bytes(3)
    options = SubmitOptions(engine="counting", pages="2-3", formats=["md", "json"], priority=5)
    submission = documents.submit_document(any_ctx, alice, "../../etc/scan.pdf", data, options)
    doc, job = submission.document, submission.job
    assert submission.created
    assert (doc.filename, doc.media_type, doc.page_count, doc.size) == (
        "scan.pdf",
        "application/pdf",
        3,
        len(data),
    )
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert (job.state, job.pages_total, job.priority, job.formats, job.engine) == (
        "queued",
        2,
        5,
        ["md", "json"],
        "counting",
    )
    assert any_ctx.storage.get(f"acme/documents/{doc.id}/source") == data
    assert any_ctx.queue.depth() == 1 and counting.calls == []


@pytest.mark.parametrize(
    ("data", "options", "error"),
    [
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, OPTIONS, UnsupportedFormat),  # 415
        (b"%PDF-1.7\n this is not really a pdf", OPTIONS, CorruptInput),  # 422
        (b"", OPTIONS, EmptyInput),  # 422
        (b"%PDF" + b"x" * 50_000, OPTIONS, InputTooLarge),  # 413: over max_upload_bytes
        (None, SubmitOptions(engine="nope"), BadParameter),  # 422
        (None, SubmitOptions(engine="counting", engine_options={"bogus": 1}), BadParameter),
        (None, SubmitOptions(engine="counting", pages="5"), PageRangeError),  # 2 pages only
    ],
    ids=["unsupported", "corrupt", "empty", "too-large", "unknown-engine", "bad-option", "page-range"],
)
def test_bad_submissions_are_refused_and_leave_nothing(tmp_path, counting, data, options, error):
    ctx = make_ctx(tmp_path / "home", max_upload_bytes=40_000)
    alice, _ = principal_for(ctx, "acme")
    with pytest.raises(error) as info:
        documents.submit_document(ctx, alice, "f.pdf", pdf_bytes(2) if data is None else data, options)
    assert info.value.http_status in (413, 415, 422)
    assert documents.list_documents(ctx, alice).items == []
    assert not any((tmp_path / "home" / "blobs").rglob("source"))
    ctx.close()


def test_submit_options_are_validated():
    with pytest.raises(ValueError, match="unknown format"):
        SubmitOptions(formats=["docx"])
    with pytest.raises(ValueError, match="http"):
        SubmitOptions(webhook_url="ftp://example.com/hook")
    with pytest.raises(ValueError):
        SubmitOptions(priority=99)


def test_idempotency_key_returns_the_same_submission(any_ctx, counting):
    alice, _ = principal_for(any_ctx, "acme")
    bob, _ = principal_for(any_ctx, "globex")
    data = pdf_bytes(1)
    first = documents.submit_document(any_ctx, alice, "a.pdf", data, OPTIONS, idempotency_key="k-1")
    again = documents.submit_document(any_ctx, alice, "a.pdf", data, OPTIONS, idempotency_key="k-1")
    assert (again.document.id, again.job.id, again.created) == (first.document.id, first.job.id, False)
    with pytest.raises(Conflict, match="different request"):
        documents.submit_document(any_ctx, alice, "a.pdf", pdf_bytes(1), OPTIONS, idempotency_key="k-1")
    with pytest.raises(Conflict):
        documents.submit_document(
            any_ctx, alice, "a.pdf", data, SubmitOptions(engine="counting", priority=3), idempotency_key="k-1"
        )
    other = documents.submit_document(any_ctx, bob, "a.pdf", data, OPTIONS, idempotency_key="k-1")
    assert other.created and other.job.id != first.job.id  # keys are per tenant
    assert len(documents.list_documents(any_ctx, alice).items) == 1


def test_same_content_and_options_reuse_the_stored_result(any_ctx, counting):
    alice, _ = principal_for(any_ctx, "acme")
    bob, _ = principal_for(any_ctx, "globex")
    data = pdf_bytes(2)
    first = submit_and_run(any_ctx, alice, data)
    assert counting.pages() == [1, 2]
    second = documents.submit_document(any_ctx, alice, "copy.pdf", data, OPTIONS)
    assert (second.job.state, second.job.dedup_of, second.job.pages_done) == ("succeeded", first.job.id, 2)
    assert counting.pages() == [1, 2]  # no OCR ran
    result = documents.get_result_document(any_ctx, alice, second.document.id)
    assert result.source.name == "copy.pdf" and result.metadata["dedup_of"] == first.job.id
    assert "Counted page 2 here." in documents.get_result(any_ctx, alice, second.document.id, "txt")[0]
    # other options, other pages or another tenant: OCR runs again
    third = documents.submit_document(
        any_ctx, alice, "a.pdf", data, SubmitOptions(engine="counting", pages="1")
    )
    fourth = documents.submit_document(
        any_ctx, alice, "a.pdf", data, SubmitOptions(engine="counting", engine_options={"tag": "x"})
    )
    fifth = documents.submit_document(any_ctx, bob, "a.pdf", data, OPTIONS)
    assert [s.job.state for s in (third, fourth, fifth)] == ["queued"] * 3


# --- isolation -----------------------------------------------------------------------------------


def test_tenants_cannot_see_or_touch_each_others_things(any_ctx, counting):
    alice, _ = principal_for(any_ctx, "acme")
    mallory, _ = principal_for(any_ctx, "globex", Role.admin)
    done = submit_and_run(any_ctx, alice, pdf_bytes(1))
    queued = documents.submit_document(any_ctx, alice, "q.pdf", pdf_bytes(1), OPTIONS)
    doc_id, job_id = done.document.id, done.job.id
    attempts = {
        "get document": lambda p: documents.get_document(any_ctx, p, doc_id),
        "get result": lambda p: documents.get_result(any_ctx, p, doc_id, "md"),
        "page image": lambda p: documents.page_image(any_ctx, p, doc_id, 1),
        "delete document": lambda p: documents.delete_document(any_ctx, p, queued.document.id),
        "get job": lambda p: jobs.get_job(any_ctx, p, job_id),
        "cancel job": lambda p: jobs.cancel_job(any_ctx, p, queued.job.id),
        "retry job": lambda p: jobs.retry_job(any_ctx, p, job_id),
        "webhook deliveries": lambda p: jobs.list_deliveries(any_ctx, p, job_id),
        "revoke key": lambda p: keys.revoke_key(any_ctx, p.tenant_id, alice.key_id),
    }
    for name, attempt in attempts.items():
        with pytest.raises(NotFound):
            attempt(mallory)
            pytest.fail(f"{name}: another tenant got through")
    assert documents.list_documents(any_ctx, mallory).items == []
    assert jobs.list_jobs(any_ctx, mallory).items == []
    # nothing changed for the owner
    assert documents.get_document(any_ctx, alice, queued.document.id).state == "queued"
    assert jobs.get_job(any_ctx, alice, job_id).state == "succeeded"
    assert keys.authenticate(any_ctx, principal_for(any_ctx, "acme")[1]).tenant_id == "acme"
    assert documents.get_result(any_ctx, alice, doc_id, "md")[0].strip()


# --- results, images, listing, deletion ----------------------------------------------------------


def test_results_render_from_the_stored_document(ctx, counting):
    alice, _ = principal_for(ctx, "acme")
    submission = documents.submit_document(ctx, alice, "a.pdf", pdf_bytes(2), OPTIONS)
    with pytest.raises(Conflict, match="queued"):
        documents.get_result(ctx, alice, submission.document.id, "md")
    process_job(ctx, submission.job.id)
    markdown, media_type = documents.get_result(ctx, alice, submission.document.id, "md")
    assert (
        "Counted page 1 here." in markdown
        and "Counted page 2 here." in markdown
        and media_type.startswith("text/markdown")
    )
    as_json, json_type = documents.get_result(ctx, alice, submission.document.id, "json")
    document = Document.model_validate_json(as_json)
    assert json_type == "application/json" and [p.number for p in document.pages] == [1, 2]
    assert document.metadata["preprocess_version"] and document.metadata["engine"] == "counting"
    assert {(p.engine.name, p.engine.version) for p in document.pages} == {("counting", "1.0")}
    assert all(p.engine.options_hash for p in document.pages)
    with pytest.raises(BadParameter):
        documents.get_result(ctx, alice, submission.document.id, "docx")


def test_page_images_are_rendered_once_and_kept(ctx):
    alice, _ = principal_for(ctx, "acme")
    doc = documents.submit_document(ctx, alice, "a.pdf", pdf_bytes(2), OPTIONS).document
    png = documents.page_image(ctx, alice, doc.id, 2)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = Image.open(io.BytesIO(png)).size
    assert abs(width - 278) <= 1 and abs(height - 361) <= 1  # 200x260 pt at 100 dpi
    assert ctx.storage.get(page_image_key("acme", doc.id, 2)) == png
    with pytest.raises(NotFound):
        documents.page_image(ctx, alice, doc.id, 3)


def test_listing_pages_with_a_cursor_and_filters(ctx):
    alice, _ = principal_for(ctx, "acme")
    ids = [
        documents.submit_document(ctx, alice, f"{n}.pdf", pdf_bytes(1), OPTIONS).document.id for n in range(5)
    ]
    seen, cursor = [], None
    for _ in range(3):
        page = documents.list_documents(ctx, alice, cursor=cursor, limit=2)
        seen += [d.id for d in page.items]
        cursor = page.next_cursor
    assert cursor is None and seen == ids[::-1]  # newest first, each once
    assert len(documents.list_documents(ctx, alice, filters={"media_type": "application/pdf"}).items) == 5
    assert documents.list_documents(ctx, alice, filters={"media_type": "image/png"}).items == []
    middle = documents.get_document(ctx, alice, ids[2]).created_at.astimezone(timezone(timedelta(hours=5)))
    after = documents.list_documents(ctx, alice, filters={"created_after": middle.isoformat()}).items
    assert [d.id for d in after] == ids[:1:-1]  # the same instant written in another time zone
    assert len(jobs.list_jobs(ctx, alice, state="queued", limit=10).items) == 5
    assert jobs.list_jobs(ctx, alice, state="succeeded").items == []
    with pytest.raises(BadParameter):
        jobs.list_jobs(ctx, alice, state="done")
    with pytest.raises(BadParameter):
        documents.list_documents(ctx, alice, cursor="%%%")


def test_delete_hides_at_once_and_purge_removes_everything(ctx, counting):
    alice, _ = principal_for(ctx, "acme")
    done = submit_and_run(ctx, alice, pdf_bytes(1))
    documents.page_image(ctx, alice, done.document.id, 1)
    queued = documents.submit_document(ctx, alice, "b.pdf", pdf_bytes(1), OPTIONS)
    documents.delete_document(ctx, alice, done.document.id)
    documents.delete_document(ctx, alice, queued.document.id)
    assert jobs.get_job(ctx, alice, queued.job.id).state == "cancelled"  # its queued job will not run
    for doc_id in (done.document.id, queued.document.id):
        with pytest.raises(NotFound):
            documents.get_document(ctx, alice, doc_id)
    assert documents.list_documents(ctx, alice).items == []
    assert documents.purge_deleted(ctx) == 0  # within the retention period
    blobs = ctx.settings.home / "blobs"
    assert any(p.is_file() for p in blobs.rglob("*"))
    assert documents.purge_deleted(ctx, older_than=timedelta(0)) == 2
    assert not any(p.is_file() for p in blobs.rglob("*"))
    with ctx.db.session() as session:
        counts = {
            t: session.scalar(text(f"SELECT count(*) FROM {t}")) for t in ("documents", "jobs", "job_pages")
        }
    assert counts == {"documents": 0, "jobs": 0, "job_pages": 0}


def test_convert_sync_and_its_time_limit(ctx, counting):
    alice, _ = principal_for(ctx, "acme")
    document = documents.convert_sync(ctx, alice, "a.pdf", pdf_bytes(2), OPTIONS)
    assert "Counted page 2 here." in document.text and document.status.value == "succeeded"
    counting.hook = lambda _page: __import__("time").sleep(0.5)
    with pytest.raises(Timeout, match="POST /api/v1/documents"):
        documents.convert_sync(ctx, alice, "b.pdf", pdf_bytes(3), OPTIONS, time_limit=0.2)
    with pytest.raises(UnsupportedFormat):
        documents.convert_sync(ctx, alice, "c.bin", b"\x7fELF" + b"\x00" * 64, OPTIONS)


def test_documents_results_and_images_live_in_s3(tmp_path, counting, s3_endpoint):
    ctx = make_ctx(
        tmp_path / "home",
        storage_url=f"s3://{BUCKET}/svc",
        s3_endpoint_url=s3_endpoint,
        s3_region="us-east-1",
    )
    alice, _ = principal_for(ctx, "acme")
    done = submit_and_run(ctx, alice, pdf_bytes(2))
    assert "Counted page 2 here." in documents.get_result(ctx, alice, done.document.id, "md")[0]
    assert documents.page_image(ctx, alice, done.document.id, 1).startswith(b"\x89PNG")
    import boto3

    listed = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").list_objects_v2(
        Bucket=BUCKET, Prefix="svc/acme/"
    )
    names = {obj["Key"] for obj in listed.get("Contents", [])}
    assert names == {
        f"svc/acme/documents/{done.document.id}/source",
        f"svc/acme/jobs/{done.job.id}/document.json",
        f"svc/acme/documents/{done.document.id}/pages/1.png",
    }
    assert health.readiness(ctx)["checks"]["storage"]["ok"]
    documents.delete_document(ctx, alice, done.document.id)
    assert documents.purge_deleted(ctx, older_than=timedelta(0)) == 1
    assert not ctx.storage.exists(f"acme/documents/{done.document.id}/source")
    ctx.close()


# --- health ---------------------------------------------------------------------------------------


def test_readiness_and_metrics(any_ctx):
    alice, _ = principal_for(any_ctx, "acme")
    documents.submit_document(any_ctx, alice, "a.pdf", pdf_bytes(1), OPTIONS)
    report = health.readiness(any_ctx)
    assert report["ready"], report
    assert set(report["checks"]) == {"database", "queue", "storage", "engines"}
    assert "counting" in report["checks"]["engines"]["available"]
    snapshot = health.metrics_snapshot(any_ctx)
    assert snapshot["queue_depth"] == 1 and snapshot["jobs_by_state"]["queued"] == 1
    assert snapshot["jobs_by_state"]["succeeded"] == 0


def test_readiness_reports_a_broken_storage(tmp_path, counting):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    ctx = make_ctx(tmp_path / "home", storage_url=f"file://{blocker}/blobs")
    report = health.readiness(ctx)
    assert not report["ready"] and not report["checks"]["storage"]["ok"]
    assert report["checks"]["database"]["ok"]
    ctx.close()
