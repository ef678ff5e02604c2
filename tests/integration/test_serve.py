"""``ocrops serve`` as a real process on a free port, driven over HTTP with httpx.

End to end on a SROIE receipt (content checked against its ground truth), restart with queued
jobs, JSON logs with request ids, and keys made by the CLI against the running server.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocrops.evaluate.metrics.text import measure_text
from tests import docgen

KEY_LINE = re.compile(r"^admin API key: (ocr_\S+)$", re.MULTILINE)
SROIE_MAX_CER = 0.25  # measured 0.186 with the default engine (auto -> tesseract)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One ``ocrops serve`` process; ``start()`` again after ``stop()`` restarts it on the same home."""

    def __init__(self, home: Path, **env: str) -> None:
        self.home = home
        inherited = {name: value for name, value in os.environ.items() if not name.startswith("OCROPS_")}
        self.env = {**inherited, "OCROPS_HOME": str(home), **env}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def stdout(self) -> str:
        return (self.home / f"stdout.{self.starts}").read_text()

    @property
    def stderr(self) -> str:
        return (self.home / f"stderr.{self.starts}").read_text()

    def start(self) -> Server:
        self.home.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        with (
            (self.home / f"stdout.{self.starts}").open("wb") as out,
            (self.home / f"stderr.{self.starts}").open("wb") as err,
        ):
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ocrops", "serve", "--port", str(self.port)],
                stdout=out,
                stderr=err,
                env=self.env,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"serve exited early:\n{self.stderr}"
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"serve did not answer within 60 s:\n{self.stderr}")

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=90)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def admin_key(self) -> str:
        match = KEY_LINE.search(self.stdout)
        assert match, f"no admin key printed:\n{self.stdout}"
        return match.group(1)


def wait_for(client: httpx.Client, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s: {job}")


@pytest.fixture
def server(tmp_path) -> Iterator[Server]:
    server = Server(tmp_path / "home")
    try:
        yield server.start()
    finally:
        server.kill()


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


def _sroie_reference(root: Path, stem: str) -> str:
    rows = (root / "sroie/box" / f"{stem}.csv").read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(row.split(",", 8)[8] for row in rows if row.count(",") >= 8)


@pytest.mark.datasets
@pytest.mark.slow
def test_sroie_receipt_end_to_end(server, datasets_dir):
    key = json.loads((datasets_dir / "sroie/key/000.json").read_text())
    receipt = (datasets_dir / "sroie/img/000.jpg").read_bytes()
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {server.admin_key()}"}, timeout=30
    ) as client:
        submitted = client.post(
            "/api/v1/documents",
            files={"file": ("000.jpg", receipt, "image/jpeg")},
            data={"formats": "md,json"},
            headers={"X-Request-ID": "e2e-upload"},
        )
        assert submitted.status_code == 202, submitted.text
        assert submitted.headers["x-request-id"] == "e2e-upload"
        job = wait_for(client, submitted.json()["job"]["id"])
        assert job["state"] == "succeeded", job
        document_id = job["document_id"]

        markdown = client.get(f"/api/v1/documents/{document_id}/result", params={"format": "md"})
        assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
        assert key["total"] in markdown.text
        cer = measure_text([_flat(_sroie_reference(datasets_dir, "000"))], [_flat(markdown.text)]).cer
        assert cer < SROIE_MAX_CER, cer

        document = client.get(f"/api/v1/documents/{document_id}/result", params={"format": "json"}).json()
        words = [
            w for block in document["pages"][0]["blocks"] for line in block["lines"] for w in line["words"]
        ]
        assert key["total"] in {w["text"] for w in words}
        assert all(w["bbox"] is not None and 0 <= w["confidence"] <= 1 for w in words)
        assert "date" in key and key["date"] in markdown.text

        metrics = httpx.get(f"{server.url}/metrics").text
        assert 'route="/api/v1/documents/{document_id}/result",status="200"' in metrics
        assert 'ocrops_jobs{state="succeeded"} 1.0' in metrics
        assert re.search(r'ocrops_pages_processed_total\{engine="\w+",status="ok"\} 1\.0', metrics)

    assert server.stop() == 0
    lines = [json.loads(line) for line in server.stderr.splitlines() if line.strip()]  # every line is JSON
    upload_lines = [line for line in lines if line.get("request_id") == "e2e-upload"]
    assert {"document.submitted", "request"} <= {line["event"] for line in upload_lines}
    assert all("request_id" in line for line in lines if line["event"] == "request")
    assert any(line["event"] == "worker.stopped" for line in lines)


@pytest.mark.slow
def test_restart_completes_queued_jobs(tmp_path):
    pdf = tmp_path / "scan.pdf"
    docgen.scanned_pdf(pdf, pages=3, dpi=100)
    server = Server(tmp_path / "home", OCROPS_EMBEDDED_WORKERS="1")
    try:
        server.start()
        auth = {"Authorization": f"Bearer {server.admin_key()}"}
        with httpx.Client(base_url=server.url, headers=auth, timeout=30) as client:
            job_ids = [
                client.post(
                    "/api/v1/documents",
                    files={"file": (f"scan{n}.pdf", pdf.read_bytes())},
                    data={"engine": "tesseract", "languages": f"eng{'+eng' * n}"},
                ).json()["job"]["id"]
                for n in range(3)  # different options: no deduplication between them
            ]
        assert server.stop() == 0  # graceful: the running job goes back to the queue
        assert _unfinished(server.home) >= 2, "the jobs finished before the stop: nothing to resume"

        server.start()
        assert not KEY_LINE.search(server.stdout), "the admin key is printed on the first start only"
        with httpx.Client(base_url=server.url, headers=auth, timeout=30) as client:
            for job_id in job_ids:
                job = wait_for(client, job_id)
                assert job["state"] == "succeeded" and job["pages_done"] == job["pages_total"] == 3, job
                result = client.get(f"/api/v1/documents/{job['document_id']}/result?format=json").json()
                assert [page["number"] for page in result["pages"]] == [1, 2, 3]
                assert "Scanned page 3" in client.get(f"/api/v1/documents/{job['document_id']}/result").text
        assert server.stop() == 0
    finally:
        server.kill()


@pytest.mark.slow
def test_cli_keys_work_against_the_running_server(server):
    env = server.env
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "ocrops",
            "keys",
            "create",
            "--tenant",
            "acme",
            "--role",
            "read_only",
            "--name",
            "dashboard",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    secret = created.stdout.strip()
    auth = {"X-API-Key": secret}
    assert httpx.get(f"{server.url}/api/v1/documents", headers=auth).json() == {
        "items": [],
        "next_cursor": None,
    }
    refused = httpx.post(f"{server.url}/api/v1/documents", headers=auth, files={"file": ("x.txt", b"hello")})
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"

    listed = subprocess.run(
        [sys.executable, "-m", "ocrops", "keys", "list", "--tenant", "acme", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    (key,) = json.loads(listed.stdout)
    assert key["name"] == "dashboard" and key["role"] == "read_only" and secret not in listed.stdout
    subprocess.run(
        [sys.executable, "-m", "ocrops", "keys", "revoke", key["id"], "--tenant", "acme"],
        env=env,
        capture_output=True,
        check=True,
    )
    assert httpx.get(f"{server.url}/api/v1/documents", headers=auth).status_code == 401


def _unfinished(home: Path) -> int:
    from ocrops.services.context import build_context
    from ocrops.services.schemas import JobState
    from ocrops.settings import load_settings
    from ocrops.store import service as store

    ctx = build_context(load_settings(home=home))
    try:
        with ctx.db.session() as session:
            counts = store.count_jobs_by_state(session)
    finally:
        ctx.close()
    return counts.get(JobState.queued.value, 0) + counts.get(JobState.running.value, 0)
