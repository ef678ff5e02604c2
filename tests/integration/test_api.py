"""The REST API through FastAPI's TestClient: the real app, database, storage and worker in a temp home."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import docgen

PROBLEM = "application/problem+json"


@dataclass
class Api:
    client: TestClient
    ctx: Any
    admin: dict[str, str]
    member: dict[str, str]
    reader: dict[str, str]

    def submit(
        self, data: bytes, name: str = "doc.png", headers: dict[str, str] | None = None, **fields: Any
    ) -> Any:
        return self.client.post(
            "/api/v1/documents",
            headers=headers or self.member,
            files={"file": (name, data)},
            data={k: str(v) for k, v in fields.items()},
        )

    def wait(
        self, job_id: str, headers: dict[str, str] | None = None, timeout: float = 90.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.client.get(f"/api/v1/jobs/{job_id}", headers=headers or self.member).json()
            if job["state"] not in ("queued", "running"):
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} still {job['state']} after {timeout} s")


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@contextmanager
def running_api(home: Path, *, run_worker: bool = False, **overrides: Any) -> Iterator[Api]:
    """The app around a fresh context in ``home``, with an admin, a member and a read-only key."""
    from ocrops.api.app import create_app
    from ocrops.services import keys
    from ocrops.services.context import build_context
    from ocrops.settings import load_settings

    isolated = {"database_url": f"sqlite:///{home / 'ocrops.db'}", "storage_url": None, "queue": "embedded"}
    ctx = build_context(load_settings(home=home, **{**isolated, **overrides}))
    admin = keys.ensure_bootstrap_admin(ctx)
    assert admin is not None
    _, member = keys.create_key(ctx, "default", "member", "member")
    _, reader = keys.create_key(ctx, "default", "reader", "read_only")
    app = create_app(ctx, run_worker=run_worker)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Api(client, ctx, bearer(admin), bearer(member), bearer(reader))
    finally:
        ctx.close()


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    assert body["status"] == status
    assert body["type"].startswith("urn:ocrops:problem:")
    assert body["detail"] and "Traceback" not in body["detail"]
    return body


@pytest.fixture(scope="module")
def hello_png(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("docs") / "hello.png"
    docgen.png_image(path, "Invoice total 42.50")
    return path.read_bytes()


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[Api]:
    """An API whose embedded worker runs jobs."""
    with running_api(tmp_path_factory.mktemp("api"), run_worker=True) as running:
        yield running


@pytest.fixture(scope="module")
def idle_api(tmp_path_factory) -> Iterator[Api]:
    """An API without a worker: jobs stay queued (results are not ready); tiny upload and sync limits."""
    with running_api(
        tmp_path_factory.mktemp("idle"), max_upload_bytes=20_000, sync_time_limit_s=0.05
    ) as running:
        yield running


# --------------------------------------------------------------------------- the happy path


def test_submit_poll_and_fetch_every_format(api, hello_png):
    response = api.submit(hello_png, "hello.png", engine="tesseract", formats="md,json", languages="eng")
    assert response.status_code == 202, response.text
    body = response.json()
    job_id, document_id = body["job"]["id"], body["document"]["id"]
    assert response.headers["location"] == f"/api/v1/jobs/{job_id}"
    assert body["created"] is True and body["document"]["media_type"] == "image/png"

    job = api.wait(job_id)
    assert job["state"] == "succeeded" and job["pages_done"] == job["pages_total"] == 1
    assert job["engine"] == "tesseract" and job["finished_at"]

    markdown = api.client.get(f"/api/v1/documents/{document_id}/result", headers=api.reader)
    assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
    assert "Invoice total 42.50" in markdown.text
    as_json = api.client.get(f"/api/v1/documents/{document_id}/result?format=json", headers=api.reader).json()
    words = [
        w["text"] for block in as_json["pages"][0]["blocks"] for line in block["lines"] for w in line["words"]
    ]
    assert words == ["Invoice", "total", "42.50"]
    for fmt, media in (("txt", "text/plain"), ("html", "text/html"), ("csv", "text/csv")):
        result = api.client.get(f"/api/v1/documents/{document_id}/result?format={fmt}", headers=api.reader)
        assert result.status_code == 200 and result.headers["content-type"].startswith(media), fmt
    assert (
        "42.50"
        in api.client.get(f"/api/v1/documents/{document_id}/result?format=txt", headers=api.reader).text
    )

    image = api.client.get(f"/api/v1/documents/{document_id}/pages/1/image", headers=api.reader)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")
    document = api.client.get(f"/api/v1/documents/{document_id}", headers=api.reader).json()
    assert document["state"] == "succeeded" and document["job_id"] == job_id and document["page_count"] == 1


def test_idempotency_key_replays_and_conflicts(api, hello_png):
    headers = {**api.member, "Idempotency-Key": "order-17"}
    first = api.submit(hello_png, "a.png", headers=headers, engine="tesseract")
    again = api.submit(hello_png, "a.png", headers=headers, engine="tesseract")
    assert first.status_code == again.status_code == 202
    assert again.json()["job"]["id"] == first.json()["job"]["id"] and again.json()["created"] is False
    other = api.submit(hello_png, "a.png", headers=headers, engine="rapidocr")
    assert_problem(other, 409)


def test_convert_answers_with_the_result(api, hello_png):
    response = api.client.post(
        "/api/v1/convert?format=txt",
        headers=api.member,
        files={"file": ("hello.png", hello_png)},
        data={"engine": "tesseract"},
    )
    assert response.status_code == 200, response.text
    assert response.text.strip() == "Invoice total 42.50"
    as_json = api.client.post(
        "/api/v1/convert?format=json",
        headers=api.member,
        files={"file": ("hello.png", hello_png)},
        data={"engine": "tesseract"},
    )
    assert json.loads(as_json.text)["pages"][0]["number"] == 1


def test_cancel_retry_delete_and_listing(idle_api, hello_png):
    api = idle_api  # no worker: the job stays queued until cancelled
    submitted = api.submit(hello_png, "c.png", engine="tesseract").json()
    job_id, document_id = submitted["job"]["id"], submitted["document"]["id"]
    cancelled = api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=api.member)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert_problem(api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=api.member), 409)
    retried = api.client.post(f"/api/v1/jobs/{job_id}/retry", headers=api.member)
    assert retried.status_code == 202 and retried.json()["state"] == "queued"
    queued = api.client.get("/api/v1/jobs?state=queued", headers=api.reader).json()["items"]
    assert job_id in [job["id"] for job in queued]

    assert api.client.delete(f"/api/v1/documents/{document_id}", headers=api.member).status_code == 204
    assert_problem(api.client.get(f"/api/v1/documents/{document_id}", headers=api.member), 404)
    listed = api.client.get("/api/v1/documents", headers=api.reader).json()["items"]
    assert document_id not in [doc["id"] for doc in listed]


def test_cursor_pagination_walks_every_job_once(idle_api, hello_png):
    api = idle_api
    for n in range(3):
        api.submit(hello_png, f"p{n}.png", engine="tesseract", pages="1")
    seen: list[str] = []
    cursor = None
    while True:
        query = "/api/v1/jobs?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.client.get(query, headers=api.reader).json()
        assert len(page["items"]) <= 2
        seen += [job["id"] for job in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    total = api.client.get("/api/v1/jobs?limit=200", headers=api.reader).json()["items"]
    assert len(seen) == len(set(seen)) == len(total) >= 3


def test_engines_list_their_option_schemas(api):
    engines = {e["name"]: e for e in api.client.get("/api/v1/engines", headers=api.reader).json()}
    assert {"auto", "tesseract", "rapidocr", "pdftext"} <= engines.keys()
    assert engines["tesseract"]["available"] and engines["tesseract"]["version"]
    assert "properties" in engines["tesseract"]["options"]


def test_keys_over_the_api(api):
    created = api.client.post("/api/v1/keys", headers=api.admin, json={"name": "ci", "role": "read_only"})
    assert created.status_code == 201
    key, secret = created.json()["key"], created.json()["secret"]
    assert key["role"] == "read_only" and secret.startswith("ocr_")
    assert api.client.get("/api/v1/jobs", headers=bearer(secret)).status_code == 200
    assert key["id"] in [k["id"] for k in api.client.get("/api/v1/keys", headers=api.admin).json()]
    assert "secret" not in api.client.get("/api/v1/keys", headers=api.admin).text
    assert_problem(api.client.get("/api/v1/keys", headers=api.member), 403)
    assert api.client.delete(f"/api/v1/keys/{key['id']}", headers=api.admin).status_code == 204
    assert_problem(api.client.get("/api/v1/jobs", headers=bearer(secret)), 401)


def test_health_and_readiness(api):
    assert api.client.get("/health").json() == {"status": "ok"}
    ready = api.client.get("/ready")
    assert ready.status_code == 200
    assert set(ready.json()["checks"]) == {"database", "queue", "storage", "engines"}
    assert api.client.get("/api/v1/ready").status_code == 200


def test_not_ready_is_503_naming_the_check(tmp_path):
    with running_api(tmp_path / "home", default_engine="no-such-engine") as api:
        assert api.client.get("/health").status_code == 200  # alive, but not ready
        ready = api.client.get("/ready")
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert not checks["engines"]["ok"] and "no-such-engine" in checks["engines"]["detail"]
        assert checks["database"]["ok"] and checks["storage"]["ok"]


# --------------------------------------------------------------------------- errors as problem+json


def test_authentication_and_roles(idle_api, hello_png):
    api = idle_api
    body = assert_problem(api.client.get("/api/v1/jobs"), 401)
    assert body["instance"] == "/api/v1/jobs"
    assert api.client.get("/api/v1/jobs").headers["www-authenticate"].startswith("Bearer")
    assert_problem(api.client.get("/api/v1/jobs", headers=bearer("ocr_0000_nope")), 401)
    assert_problem(api.client.get("/api/v1/jobs", headers={"X-API-Key": "garbage"}), 401)
    assert (
        api.client.get("/api/v1/jobs", headers={"X-API-Key": api.reader["Authorization"][7:]}).status_code
        == 200
    )
    assert_problem(api.submit(hello_png, headers=api.reader), 403)
    assert_problem(
        api.client.post("/api/v1/convert", headers=api.reader, files={"file": ("x.png", hello_png)}), 403
    )


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/documents/no-such-doc", 404),
        ("get", "/api/v1/jobs/no-such-job", 404),
        ("post", "/api/v1/jobs/no-such-job/cancel", 404),
        ("get", "/api/v1/no-such-route", 404),
        ("put", "/api/v1/jobs", 405),
        ("get", "/api/v1/jobs?state=sleeping", 422),
        ("get", "/api/v1/jobs?cursor=%%%", 422),
        ("get", "/api/v1/documents?limit=0", 422),
    ],
)
def test_client_errors_are_problems(idle_api, method, path, status):
    assert_problem(getattr(idle_api.client, method)(path, headers=idle_api.member), status)


def test_result_not_ready_is_409(idle_api, hello_png):
    document_id = idle_api.submit(hello_png, "q.png", engine="tesseract").json()["document"]["id"]
    body = assert_problem(
        idle_api.client.get(f"/api/v1/documents/{document_id}/result", headers=idle_api.reader), 409
    )
    assert "queued" in body["detail"]


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"engine_options": "{not json"}, "engine_options"),
        ({"engine_options": "[1, 2]"}, "JSON object"),
        ({"engine": "tesseract", "engine_options": '{"psm": "many"}'}, "psm"),
        ({"engine": "no-such-engine"}, "no-such-engine"),
        ({"formats": "md,docx"}, "docx"),
        ({"pages": "3-1"}, "3-1"),
        ({"priority": "11"}, "priority"),
        ({"webhook_url": "ftp://example.com/hook"}, "webhook_url"),
    ],
)
def test_bad_options_are_422(idle_api, hello_png, fields, fragment):
    body = assert_problem(idle_api.submit(hello_png, **fields), 422)
    assert fragment in body["detail"]


def test_bad_files(idle_api, tmp_path):
    random_file = docgen.random_bytes(tmp_path / "noise.bin")
    assert_problem(idle_api.submit(random_file.read_bytes(), "noise.bin"), 415)
    png = tmp_path / "cut.png"
    docgen.png_image(png)
    truncated = docgen.truncated_copy(png, tmp_path / "half.png", keep=0.3)
    assert_problem(idle_api.submit(truncated.read_bytes(), "half.png"), 422)


def test_uploads_over_the_limit_are_413(idle_api):
    slightly_over = b"\x89PNG" + bytes(25_000)  # the file part is over 20 kB, the body under the cap
    assert_problem(idle_api.submit(slightly_over, "big.png"), 413)
    far_over = bytes(600_000)  # the body itself is over the cap: refused while reading it
    assert_problem(idle_api.submit(far_over, "huge.png"), 413)
    assert_problem(
        idle_api.client.post(
            "/api/v1/convert", headers=idle_api.member, files={"file": ("huge.png", far_over)}
        ),
        413,
    )
    boundary = "ocropsboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="s.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()

    def chunked_body() -> Iterator[bytes]:  # no Content-Length: the cap applies while reading
        yield head
        for _ in range(40):
            yield bytes(16_384)
        yield f"\r\n--{boundary}--\r\n".encode()

    streamed = idle_api.client.post(
        "/api/v1/documents",
        content=chunked_body(),
        headers={**idle_api.member, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert_problem(streamed, 413)


def test_sync_convert_over_its_time_limit_is_504(idle_api, tmp_path):
    pdf = tmp_path / "scan.pdf"
    docgen.scanned_pdf(pdf, pages=2, dpi=100)
    response = idle_api.client.post(
        "/api/v1/convert",
        headers=idle_api.member,
        files={"file": ("scan.pdf", pdf.read_bytes())},
        data={"engine": "tesseract"},
    )
    body = assert_problem(response, 504)
    assert "POST /api/v1/documents" in body["detail"]


def test_rate_limit_is_429_with_retry_after(tmp_path):
    from ocrops.api.ratelimit import TokenBucket

    with running_api(tmp_path / "home") as api:
        api.client.app.state.rate_limiter = TokenBucket(per_minute=3)
        statuses = [api.client.get("/api/v1/jobs", headers=api.reader).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        limited = api.client.get("/api/v1/jobs", headers=api.reader)
        assert_problem(limited, 429)
        assert 1 <= int(limited.headers["retry-after"]) <= 20
        assert api.client.get("/api/v1/jobs", headers=api.member).status_code == 200  # per key


def test_redis_rate_limit_is_shared_through_redis():
    import uuid

    from ocrops.api.ratelimit import RedisWindow

    limiter = RedisWindow(per_minute=2, url="redis://127.0.0.1:6379/15")
    try:
        limiter.client.ping()
    except Exception as exc:
        if os.environ.get("OCROPS_REQUIRE_SERVICES") == "1":
            raise
        pytest.skip(f"Redis is not reachable: {exc}")
    key = uuid.uuid4().hex
    other_process = RedisWindow(per_minute=2, url="redis://127.0.0.1:6379/15")
    assert limiter.wait_time(key) == 0 and other_process.wait_time(key) == 0
    assert 0 < limiter.wait_time(key) <= 60 and 0 < other_process.wait_time(key) <= 60


def test_unexpected_errors_are_500_without_internals(idle_api):
    def explode() -> None:
        raise RuntimeError("database password is hunter2")

    idle_api.client.app.add_api_route("/boom", explode)
    response = idle_api.client.get("/boom", headers={"X-Request-ID": "boom-1"})
    body = assert_problem(response, 500)
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert body["request_id"] == "boom-1" and response.headers["x-request-id"] == "boom-1"


# --------------------------------------------------------------------------- observability


def test_request_ids_are_echoed_or_made(idle_api):
    given = idle_api.client.get("/health", headers={"X-Request-ID": "req-42"})
    assert given.headers["x-request-id"] == "req-42"
    made = idle_api.client.get("/health").headers["x-request-id"]
    assert len(made) == 32 and made != idle_api.client.get("/health").headers["x-request-id"]
    hostile = idle_api.client.get("/health", headers={"X-Request-ID": "a\tb" + "x" * 300})
    assert hostile.headers["x-request-id"] != "a\tb" + "x" * 300


def test_metrics_after_traffic(api, hello_png):
    job_id = api.submit(hello_png, "m.png", engine="tesseract").json()["job"]["id"]
    api.wait(job_id)
    api.client.get("/api/v1/jobs/missing", headers=api.reader)
    text = api.client.get("/metrics").text
    assert (
        'ocrops_http_request_duration_seconds_bucket{le="0.05",method="GET",route="/api/v1/jobs/{job_id}",status="200"}'
        in text
    )
    assert 'route="/api/v1/jobs/{job_id}",status="404"' in text
    assert 'route="/api/v1/documents",status="202"' in text
    assert 'ocrops_jobs{state="succeeded"}' in text and 'ocrops_jobs{state="failed"} 0.0' in text
    assert "ocrops_queue_depth 0.0" in text
    assert 'ocrops_pages_processed_total{engine="tesseract",status="ok"}' in text
    assert 'ocrops_page_duration_seconds_count{engine="tesseract"}' in text
    assert 'ocrops_errors_total{kind="NotFound",source="http"}' in text
