"""The routes behind the web UI, over HTTP through the real app: sessions (cookie flags, CSRF,
forged, expired and revoked sessions), the review queue and its datasets, benchmark runs, the
static UI; each with tenant isolation. No browser needed."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import docgen

TEXT = "Invoice total 42.50\nPaid by card"
CSRF = {"X-Requested-With": "ocrops"}


@dataclass
class Web:
    client: TestClient
    ctx: Any
    keys: dict[str, str]  # admin, member, reader (tenant default), other (tenant "other")
    document_id: str

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def sign_in(self, who: str, *, base_url: str = "http://testserver") -> TestClient:
        """A separate client whose session cookie belongs to ``who``."""
        client = TestClient(self.client.app, base_url=base_url)
        response = client.post("/api/v1/session", json={"api_key": self.keys[who]}, headers=CSRF)
        assert response.status_code == 200, response.text
        return client


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    from ocrops.api.app import create_app
    from ocrops.services import keys
    from ocrops.services.context import build_context
    from ocrops.settings import load_settings

    home = tmp_path_factory.mktemp("web-home")
    ctx = build_context(load_settings(home=home, workers=1))
    secrets = {"admin": keys.ensure_bootstrap_admin(ctx)}
    for who, tenant, role in (("member", "default", "member"), ("reader", "default", "read_only"),
                              ("other", "other", "admin")):
        secrets[who] = keys.create_key(ctx, tenant, who, role)[1]
    try:
        with TestClient(create_app(ctx, run_worker=True)) as client:
            image = docgen.png_bytes(docgen.text_image(TEXT, font_size=40))
            submitted = client.post("/api/v1/documents", files={"file": ("invoice.png", image)},
                                    headers={"Authorization": f"Bearer {secrets['member']}"},
                                    data={"engine": "tesseract"})
            assert submitted.status_code == 202, submitted.text
            web = Web(client, ctx, secrets, submitted.json()["document"]["id"])
            _wait(web, submitted.json()["job"]["id"])
            yield web
    finally:
        ctx.close()


def _wait(web: Web, job_id: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = web.client.get(f"/api/v1/jobs/{job_id}", headers=web.auth("member")).json()["state"]
        if state not in ("queued", "running"):
            assert state == "succeeded"
            return
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


# --- sessions -------------------------------------------------------------------------------------


def test_sign_in_sets_a_strict_http_only_cookie_and_sign_out_clears_it(web: Web) -> None:
    client = TestClient(web.client.app)
    problem(client.post("/api/v1/session", json={"api_key": web.keys["member"]}), 403)  # no CSRF header
    problem(client.post("/api/v1/session", json={"api_key": "ocr_0000_wrong"}, headers=CSRF), 401)
    response = client.post("/api/v1/session", json={"api_key": web.keys["member"]}, headers=CSRF)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    assert web.keys["member"] not in cookie
    assert response.json()["role"] == "member" and response.json()["via"] == "session"

    assert client.get("/api/v1/session").json()["via"] == "session"
    assert client.get("/api/v1/documents").status_code == 200  # the cookie alone authenticates
    body = problem(client.post(f"/api/v1/jobs/{'x' * 8}/cancel"), 403)  # a write without the header
    assert "X-Requested-With" in body["detail"]
    problem(client.post(f"/api/v1/jobs/{'x' * 8}/cancel", headers=CSRF), 404)  # with it: on to the route

    assert client.delete("/api/v1/session").status_code == 204
    problem(client.get("/api/v1/session"), 401)


def test_the_cookie_is_secure_over_https(web: Web) -> None:
    client = TestClient(web.client.app, base_url="https://testserver")
    response = client.post("/api/v1/session", json={"api_key": web.keys["reader"]}, headers=CSRF)
    assert "Secure" in response.headers["set-cookie"]


def test_forged_expired_and_revoked_sessions_are_refused(web: Web) -> None:
    from ocrops.api.routes.session import COOKIE_NAME, make_token, read_token
    from ocrops.errors import Unauthorized
    from ocrops.services import keys
    from ocrops.services.context import Principal

    client = web.sign_in("reader")
    token = client.cookies[COOKIE_NAME]
    payload, _, signature = token.partition(".")
    forged = TestClient(web.client.app, cookies={COOKIE_NAME: f"{payload}.{signature[:-2]}xx"})
    assert "invalid session" in problem(forged.get("/api/v1/documents"), 401)["detail"]

    secret = b"s" * 32
    stale = make_token(secret, Principal("default", "key", "member"), expires_at=int(time.time()) - 1)
    with pytest.raises(Unauthorized, match="expired"):
        read_token(secret, stale)

    _, secret_key = keys.create_key(web.ctx, "default", "short-lived", "member")
    web.keys["short-lived"] = secret_key
    client = web.sign_in("short-lived")
    assert client.get("/api/v1/documents").status_code == 200
    key_id = client.get("/api/v1/session").json()["key_id"]
    keys.revoke_key(web.ctx, "default", key_id)
    assert "revoked" in problem(client.get("/api/v1/documents"), 401)["detail"]


# --- the review queue and datasets ----------------------------------------------------------------


def test_low_confidence_lines_corrected_become_a_dataset(web: Web) -> None:
    from PIL import Image

    from ocrops.evaluate.datasets import Dataset

    queue = web.client.get("/api/v1/review", params={"threshold": 1}, headers=web.auth("reader")).json()
    items = [i for i in queue["items"] if i["document_id"] == web.document_id]
    assert queue["documents_scanned"] == 1 and len(items) == 2
    first = items[0]
    assert "42.50" in first["text"] and first["bbox"]["x1"] > first["bbox"]["x0"]
    assert 0 <= first["confidence"] < 1
    nothing = web.client.get("/api/v1/review", params={"threshold": 0}, headers=web.auth("reader")).json()
    assert nothing["items"] == []
    one = web.client.get("/api/v1/review", params={"threshold": 1, "limit": 1}, headers=web.auth("reader"))
    one = one.json()
    assert one["truncated"] and one["items"] == items[:1]

    correction = {"document_id": web.document_id, "page": 1, "line": first["line"],
                  "text": "Invoice total 42.50"}
    problem(web.client.post("/api/v1/review/corrections", json=correction, headers=web.auth("reader")), 403)
    problem(web.client.post("/api/v1/review/corrections", json={**correction, "dataset": "../up"},
                            headers=web.auth("member")), 422)
    problem(web.client.post("/api/v1/review/corrections", json={**correction, "line": 99},
                            headers=web.auth("member")), 404)
    saved = web.client.post("/api/v1/review/corrections", json=correction, headers=web.auth("member"))
    assert saved.status_code == 201, saved.text
    assert saved.json()["samples"] == 1 and saved.json()["dataset"] == "review"

    listing = web.client.get("/api/v1/datasets", headers=web.auth("reader")).json()
    assert [(d["name"], d["samples"]) for d in listing] == [("review", 1)]
    dataset = Dataset.load(listing[0]["path"])  # an ordinary ocrops dataset, ready for `ocrops bench run`
    sample = dataset.samples[0]
    assert sample.text == "Invoice total 42.50" and sample.meta["original"] == first["text"]
    crop = Image.open(dataset.resolve(sample))
    assert crop.width > crop.height * 4  # one line of text, not the page
    served = web.client.get(f"/api/v1/datasets/review/samples/{sample.id}/file", headers=web.auth("reader"))
    assert served.content == dataset.resolve(sample).read_bytes()

    again = web.client.post("/api/v1/review/corrections", headers=web.auth("member"),
                            json={**correction, "text": "Invoice total 42.50 EUR"})
    assert again.json()["samples"] == 1  # the same line corrected twice: replaced, not duplicated
    samples = web.client.get("/api/v1/datasets/review/samples", headers=web.auth("reader")).json()
    assert samples["total"] == 1 and samples["samples"][0]["text"] == "Invoice total 42.50 EUR"

    remaining = web.client.get("/api/v1/review", params={"threshold": 1}, headers=web.auth("reader")).json()
    assert [i["line"] for i in remaining["items"]] == [items[1]["line"]]  # corrected lines leave the queue
    truth = web.client.get("/api/v1/review/ground-truth", params={"document_id": web.document_id},
                           headers=web.auth("reader")).json()
    assert [(g["line"], g["text"]) for g in truth["lines"]] == [(first["line"], "Invoice total 42.50 EUR")]


def invoice_dataset(web: Web) -> Path:
    """A dataset of the tenant holding the uploaded file itself, with its true text."""
    from ocrops.evaluate.datasets import Dataset, DatasetInfo, Sample
    from ocrops.storage import source_key

    root = Path(web.ctx.settings.home) / "datasets" / "default" / "invoices"
    if not root.exists():
        (root / "files").mkdir(parents=True)
        source = web.ctx.storage.get(source_key("default", web.document_id))
        (root / "files" / "invoice.png").write_bytes(source)
        samples = [Sample(id="inv-1", file="files/invoice.png", text=TEXT)]
        Dataset(root, DatasetInfo(name="invoices"), samples).save()
    return root


def test_ground_truth_of_a_whole_file_is_found_by_content(web: Web) -> None:
    invoice_dataset(web)
    truth = web.client.get("/api/v1/review/ground-truth", params={"document_id": web.document_id},
                           headers=web.auth("reader")).json()
    assert [(g["dataset"], g["text"]) for g in truth["documents"]] == [("invoices", TEXT)]


def test_datasets_and_review_are_tenant_isolated(web: Web) -> None:
    other = web.auth("other")
    assert web.client.get("/api/v1/datasets", headers=other).json() == []
    problem(web.client.get("/api/v1/datasets/review/samples", headers=other), 404)
    assert web.client.get("/api/v1/review", params={"threshold": 1}, headers=other).json()["items"] == []
    correction = {"document_id": web.document_id, "page": 1, "line": 0, "text": "stolen"}
    problem(web.client.post("/api/v1/review/corrections", json=correction, headers=other), 404)
    problem(web.client.get("/api/v1/review/ground-truth", params={"document_id": web.document_id},
                           headers=other), 404)


# --- benchmarks -----------------------------------------------------------------------------------


def test_bench_runs_report_and_compare(web: Web) -> None:
    from ocrops.services import bench

    root = invoice_dataset(web)
    run = bench.run_bench(root, [("tesseract", {})], settings=web.ctx.settings, db=web.ctx.db)[0]

    runs = web.client.get("/api/v1/bench/runs", headers=web.auth("reader")).json()
    assert [r["id"] for r in runs] == [run.id] and runs[0]["summary"]["samples"] == 1
    detail = web.client.get(f"/api/v1/bench/runs/{run.id[:8]}", headers=web.auth("reader")).json()
    assert detail["id"] == run.id and detail["dataset_name"] == "invoices"

    report = web.client.get(f"/api/v1/bench/runs/{run.id}/report", headers=web.auth("reader"))
    assert report.headers["content-type"].startswith("text/html")
    assert "sandbox" in report.headers["content-security-policy"] and "Worst documents" in report.text
    as_json = web.client.get(f"/api/v1/bench/runs/{run.id}/report", params={"format": "json"},
                             headers=web.auth("reader"))
    assert as_json.json()
    compared = web.client.get("/api/v1/bench/compare", params={"base": run.id, "new": run.id, "n_boot": 200},
                              headers=web.auth("reader")).json()
    cer = next(d for d in compared["deltas"] if d["metric"] == "cer")
    assert cer["delta"] == 0 and not compared["regressed"] and compared["exit_code"] == 0

    other = web.auth("other")
    assert web.client.get("/api/v1/bench/runs", headers=other).json() == []
    problem(web.client.get(f"/api/v1/bench/runs/{run.id}", headers=other), 404)
    problem(web.client.get(f"/api/v1/bench/runs/{run.id}/report", headers=other), 404)
    both = {"base": run.id, "new": run.id}
    problem(web.client.get("/api/v1/bench/compare", params=both, headers=other), 404)


# --- the static UI --------------------------------------------------------------------------------


def test_the_ui_is_served_with_a_strict_content_security_policy(web: Web) -> None:
    page = web.client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy and "frame-ancestors 'none'" in policy
    assert '<script type="module" src="/ui/js/app.js">' in page.text
    script = web.client.get("/ui/js/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert web.client.get("/ui/../../pyproject.toml").status_code == 404
    assert web.client.get("/ui/js/no-such-module.js").status_code == 404
    assert io.BytesIO(web.client.get("/ui/favicon.svg").content).read(4) == b"<svg"
