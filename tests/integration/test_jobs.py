"""Jobs on real databases with real threads and a real HTTP receiver: the embedded worker end to end
(Tesseract on a SROIE receipt), atomic claims, checkpoint resume, cancellation, retries with backoff
to the dead letter, restart recovery, graceful stop, priorities, and signed webhooks; and pages run
on a pool of spawned processes (the embedded worker's page pool), with the same checkpoints,
cancellation and retries.

The counting engine lives in this process only: tests that use it give the embedded worker one
page worker (no pool). The pool tests use engines that worker processes import as plugins
(``recorded`` from celery_plugin.py, ``crashing`` from page_pool_plugin.py)."""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections import Counter
from concurrent.futures import Executor
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import update

from ocrops.jobs.embedded import EmbeddedWorker
from ocrops.jobs.tasks import process_job
from ocrops.jobs.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from ocrops.model import Page
from ocrops.pipeline.executor import make_executor
from ocrops.services import documents, jobs, keys
from ocrops.services.schemas import SubmitOptions
from ocrops.settings import load_settings
from ocrops.store import service as store
from ocrops.store.tables import JobRow
from tests.integration import page_pool_plugin  # noqa: F401  (registers "crashing" here too)
from tests.integration.celery_plugin import RECORD_ENV, read_record
from tests.integration.service_env import make_ctx, pdf_bytes, principal_for, wait_for

OPTIONS = SubmitOptions(engine="counting")
PLUGINS = "tests.integration.celery_plugin,tests.integration.page_pool_plugin"


def job_state(ctx, principal, job_id: str):
    return jobs.get_job(ctx, principal, job_id)


@pytest.fixture
def worker(ctx):
    started: list[EmbeddedWorker] = []

    def start(threads: int = 1) -> EmbeddedWorker:
        w = EmbeddedWorker(ctx, threads=threads, page_workers=1)
        w.start()
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop(timeout=10)


# --- end to end ------------------------------------------------------------------------------


@pytest.mark.datasets
def test_embedded_worker_converts_a_receipt_with_tesseract(datasets_dir: Path, tmp_path: Path):
    key = json.loads((datasets_dir / "sroie/key/003.json").read_text())
    ctx = make_ctx(tmp_path / "home", default_engine="auto")
    alice, _ = principal_for(ctx, "acme")
    worker = EmbeddedWorker(ctx, threads=1, page_workers=2)  # the page pool, with real Tesseract
    worker.start()
    try:
        data = (datasets_dir / "sroie/img/003.jpg").read_bytes()
        submission = documents.submit_document(ctx, alice, "003.jpg", data, SubmitOptions(engine="tesseract"))
        done = wait_for(lambda: (j := job_state(ctx, alice, submission.job.id)).finished and j, timeout=60)
    finally:
        worker.stop()
    assert (done.state, done.pages_done, done.pages_total, done.attempts) == ("succeeded", 1, 1, 1)
    assert done.timings["run_s"] > 0
    markdown, _ = documents.get_result(ctx, alice, submission.document.id, "md")
    assert key["total"] in markdown  # the receipt total, as printed
    assert key["company"] in markdown  # YONGFATT ENTERPRISE
    result = documents.get_result_document(ctx, alice, submission.document.id)
    engine = result.pages[0].engine
    assert engine.name == "tesseract" and engine.version and engine.options_hash
    assert result.metadata["preprocess_version"]
    ctx.close()


# --- claims and checkpoints --------------------------------------------------------------------


def test_two_workers_claiming_one_job_exactly_one_wins(any_ctx):
    alice, _ = principal_for(any_ctx, "acme")
    job_ids = [
        documents.submit_document(any_ctx, alice, f"{n}.pdf", pdf_bytes(1), OPTIONS).job.id for n in range(6)
    ]

    def claim(job_id: str, worker_id: str, barrier: threading.Barrier, wins: list[str]) -> None:
        barrier.wait()
        with any_ctx.db.session() as session:
            if store.claim_job(session, job_id, worker_id):
                wins.append(worker_id)

    for job_id in job_ids:
        barrier, wins = threading.Barrier(2), []
        threads = [threading.Thread(target=claim, args=(job_id, f"w{i}", barrier, wins)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(wins) == 1, wins
        job = jobs.get_job(any_ctx, alice, job_id)
        assert (job.state, job.attempts) == ("running", 1)


def test_a_restarted_job_skips_checkpointed_pages(any_ctx, counting):
    alice, _ = principal_for(any_ctx, "acme")
    submission = documents.submit_document(any_ctx, alice, "a.pdf", pdf_bytes(4), OPTIONS)
    job_id = submission.job.id
    checkpoint = Page(number=2, width=10, height=10, blocks=[])
    with any_ctx.db.session() as session:  # as if a dead worker had finished pages 1 and 2
        for number in (1, 2):
            store.save_page(
                session,
                "acme",
                job_id,
                number,
                "ok",
                checkpoint.model_copy(update={"number": number}).model_dump(mode="json"),
            )
    assert jobs.get_job(any_ctx, alice, job_id).pages_done == 2
    assert process_job(any_ctx, job_id) == "succeeded"
    assert counting.pages() == [3, 4]
    result = documents.get_result_document(any_ctx, alice, submission.document.id)
    assert [p.number for p in result.pages] == [1, 2, 3, 4]
    assert "Counted page 3 here." in result.text and "Counted page 1" not in result.text
    assert jobs.get_job(any_ctx, alice, job_id).pages_done == 4


def test_cancel_stops_a_running_job_before_its_next_page(ctx, counting):
    alice, _ = principal_for(ctx, "acme")
    submission = documents.submit_document(ctx, alice, "a.pdf", pdf_bytes(5), OPTIONS)

    def cancel_on_page_two(number: int) -> None:
        if number == 2:
            assert jobs.cancel_job(ctx, alice, submission.job.id).cancel_requested

    counting.hook = cancel_on_page_two
    assert process_job(ctx, submission.job.id) == "cancelled"
    job = jobs.get_job(ctx, alice, submission.job.id)
    assert counting.pages() == [1, 2] and (job.state, job.pages_done) == ("cancelled", 2)
    with pytest.raises(Exception, match="already cancelled"):
        jobs.cancel_job(ctx, alice, job.id)
    counting.hook = None  # a retry resumes from the checkpoints
    jobs.retry_job(ctx, alice, job.id)
    assert process_job(ctx, job.id) == "succeeded"
    assert counting.pages() == [1, 2, 3, 4, 5]


def test_transient_errors_retry_with_backoff_then_dead_letter(ctx, counting, worker):
    alice, _ = principal_for(ctx, "acme")
    options = SubmitOptions(engine="counting", engine_options={"fail": "oserror"})
    submission = documents.submit_document(ctx, alice, "a.pdf", pdf_bytes(1), options)
    worker()
    job = wait_for(lambda: (j := job_state(ctx, alice, submission.job.id)).finished and j, timeout=20)
    assert (job.state, job.attempts) == ("failed", 3)
    assert "gave up after 3 attempts" in job.error and "simulated I/O error" in job.error
    times = [t for _, t in counting.calls]
    assert len(times) == 3
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps[0] >= 0.2 * 0.9 and gaps[1] >= 0.4 * 0.9  # base 0.2 s, doubling
    assert gaps[1] > gaps[0]
    with pytest.raises(Exception, match="without a result"):
        documents.get_result(ctx, alice, submission.document.id, "md")


def test_page_errors_make_a_partial_job_not_a_retry(ctx, counting):
    alice, _ = principal_for(ctx, "acme")
    submission = documents.submit_document(ctx, alice, "a.pdf", pdf_bytes(3), OPTIONS)

    def break_page_two(number: int) -> None:
        if number == 2:
            raise ValueError("engine bug on this page")

    counting.hook = break_page_two
    assert process_job(ctx, submission.job.id) == "partial"
    job = jobs.get_job(ctx, alice, submission.job.id)
    assert job.attempts == 1 and "page 2: ValueError: engine bug on this page" in job.error
    markdown, _ = documents.get_result(ctx, alice, submission.document.id, "md")
    assert "Counted page 3 here." in markdown
    counting.hook = None
    jobs.retry_job(ctx, alice, job.id)  # only the page in error runs again
    assert process_job(ctx, job.id) == "succeeded"
    assert counting.pages() == [1, 2, 3, 2]


def test_time_limit_fails_the_job_between_pages(tmp_path, counting):
    ctx = make_ctx(tmp_path / "home", job_time_limit_s=0.3)
    alice, _ = principal_for(ctx, "acme")
    submission = documents.submit_document(ctx, alice, "a.pdf", pdf_bytes(4), OPTIONS)
    counting.hook = lambda _n: time.sleep(0.2)
    assert process_job(ctx, submission.job.id) == "failed"
    job = jobs.get_job(ctx, alice, submission.job.id)
    assert "time limit of 0.3 s exceeded" in job.error and 1 <= job.pages_done < 4
    ctx.close()


# --- the embedded worker ----------------------------------------------------------------------


def test_restart_recovery_requeues_jobs_of_a_dead_worker(ctx, counting, worker):
    alice, _ = principal_for(ctx, "acme")
    submission = documents.submit_document(ctx, alice, "a.pdf", pdf_bytes(2), OPTIONS)
    with ctx.db.session() as session:  # a worker claimed it, then died an hour ago
        session.execute(
            update(JobRow)
            .where(JobRow.id == submission.job.id)
            .values(
                state="running",
                attempts=1,
                worker_id="dead-host:1:w",
                heartbeat_at=store.utcnow() - timedelta(hours=1),
            )
        )
    worker()
    job = wait_for(lambda: (j := job_state(ctx, alice, submission.job.id)).finished and j)
    assert (job.state, job.attempts) == ("succeeded", 2)
    assert sorted(counting.pages()) == [1, 2]


def test_a_job_whose_workers_keep_dying_goes_to_the_dead_letter(ctx, counting, worker):
    alice, _ = principal_for(ctx, "acme")
    submission = documents.submit_document(ctx, alice, "a.pdf", pdf_bytes(1), OPTIONS)
    with ctx.db.session() as session:  # its third attempt died too
        session.execute(
            update(JobRow)
            .where(JobRow.id == submission.job.id)
            .values(
                state="running", attempts=3, worker_id="x", heartbeat_at=store.utcnow() - timedelta(hours=1)
            )
        )
    worker()
    job = wait_for(lambda: (j := job_state(ctx, alice, submission.job.id)).finished and j)
    assert job.state == "failed" and "gave up after 3 attempts; last error: worker lost" in job.error
    assert counting.calls == []


def test_takeover_only_of_a_stale_running_job(ctx, counting):
    alice, _ = principal_for(ctx, "acme")
    submission = documents.submit_document(ctx, alice, "a.pdf", pdf_bytes(1), OPTIONS)
    job_id = submission.job.id
    with ctx.db.session() as session:
        assert store.claim_job(session, job_id, "first-worker")
    assert process_job(ctx, job_id, takeover_stale=True) is None  # its heartbeat is fresh: still alive
    with ctx.db.session() as session:
        session.execute(
            update(JobRow)
            .where(JobRow.id == job_id)
            .values(heartbeat_at=store.utcnow() - timedelta(minutes=5))
        )
    assert process_job(ctx, job_id) is None  # a plain delivery never takes a running job
    assert process_job(ctx, job_id, takeover_stale=True) == "succeeded"
    assert jobs.get_job(ctx, alice, job_id).attempts == 2


def test_a_retrying_job_is_not_claimed_before_its_backoff_ends(any_ctx, counting):
    alice, _ = principal_for(any_ctx, "acme")
    job_id = documents.submit_document(any_ctx, alice, "a.pdf", pdf_bytes(1), OPTIONS).job.id
    with any_ctx.db.session() as session:
        store.schedule_retry(session, job_id, "retrying", store.utcnow() + timedelta(minutes=5))
    with any_ctx.db.session() as session:
        assert not store.claim_job(session, job_id, "early")  # a duplicate message, say
    assert process_job(any_ctx, job_id) is None and counting.calls == []
    assert jobs.get_job(any_ctx, alice, job_id).state == "queued"
    with any_ctx.db.session() as session:
        store.schedule_retry(session, job_id, "retrying", store.utcnow() - timedelta(seconds=1))
    assert process_job(any_ctx, job_id) == "succeeded"
    assert jobs.get_job(any_ctx, alice, job_id).attempts == 1


def test_a_worker_that_lost_its_job_does_not_overwrite_the_new_owner(ctx, counting):
    alice, _ = principal_for(ctx, "acme")
    submission = documents.submit_document(ctx, alice, "a.pdf", pdf_bytes(1), OPTIONS)

    def taken_over(_number: int) -> None:  # looked dead: recovered and claimed by another worker
        with ctx.db.session() as session:
            session.execute(
                update(JobRow).where(JobRow.id == submission.job.id).values(worker_id="new-owner")
            )

    counting.hook = taken_over
    assert process_job(ctx, submission.job.id) is None
    job = jobs.get_job(ctx, alice, submission.job.id)
    assert job.state == "running" and job.finished_at is None


def test_heartbeat_beats_during_a_long_page(tmp_path, counting):
    ctx = make_ctx(tmp_path / "home", job_heartbeat_s=0.05)
    alice, _ = principal_for(ctx, "acme")
    submission = documents.submit_document(ctx, alice, "a.pdf", pdf_bytes(1), OPTIONS)
    beats = []

    def slow_page(_number: int) -> None:
        for _ in range(2):
            with ctx.db.session() as session:
                beats.append(store.job_by_id(session, submission.job.id).heartbeat_at)
            time.sleep(0.3)

    counting.hook = slow_page
    assert process_job(ctx, submission.job.id) == "succeeded"
    assert beats[1] > beats[0]  # stamped while the engine was busy on the page
    ctx.close()


def test_graceful_stop_hands_jobs_back_and_a_new_worker_finishes_them(any_ctx, counting):
    alice, _ = principal_for(any_ctx, "acme")
    ids = [
        documents.submit_document(any_ctx, alice, f"{n}.pdf", pdf_bytes(3), OPTIONS).job.id for n in range(2)
    ]
    counting.hook = lambda _n: time.sleep(0.1)
    first = EmbeddedWorker(any_ctx, threads=1, page_workers=1)
    first.start()
    wait_for(lambda: counting.calls)
    first.stop()
    states = {jobs.get_job(any_ctx, alice, i).state for i in ids}
    assert states <= {"queued", "succeeded"} and "queued" in states
    done_before = len(counting.calls)
    second = EmbeddedWorker(any_ctx, threads=2, page_workers=1)
    second.start()
    try:
        for job_id in ids:
            job = wait_for(lambda: (j := job_state(any_ctx, alice, job_id)).finished and j)  # noqa: B023
            assert (job.state, job.pages_done, job.attempts) == ("succeeded", 3, 1)
    finally:
        second.stop()
    assert len(counting.calls) == 6 and done_before < 6  # every page exactly once across both workers


def test_higher_priority_and_due_jobs_first(ctx, counting):
    alice, _ = principal_for(ctx, "acme")
    low = documents.submit_document(ctx, alice, "low.pdf", pdf_bytes(1), SubmitOptions(engine="counting"))
    high = documents.submit_document(
        ctx, alice, "high.pdf", pdf_bytes(1), SubmitOptions(engine="counting", priority=9)
    )
    later = documents.submit_document(
        ctx, alice, "later.pdf", pdf_bytes(1), SubmitOptions(engine="counting", priority=9)
    )
    with ctx.db.session() as session:
        store.schedule_retry(session, later.job.id, "retrying", store.utcnow() + timedelta(minutes=5))
        assert store.due_job_ids(session) == [high.job.id, low.job.id]


def test_the_worker_wakes_at_once_on_enqueue(tmp_path, counting):
    ctx = make_ctx(tmp_path / "home", worker_poll_s=30.0)  # polling alone would take far too long
    alice, _ = principal_for(ctx, "acme")
    worker = EmbeddedWorker(ctx, page_workers=1)
    worker.start()
    try:
        time.sleep(0.2)  # the worker is idle, waiting
        started = time.monotonic()
        submission = documents.submit_document(ctx, alice, "a.pdf", pdf_bytes(1), OPTIONS)
        wait_for(lambda: job_state(ctx, alice, submission.job.id).finished, timeout=5)
        assert time.monotonic() - started < 3
    finally:
        worker.stop()
        ctx.close()


# --- webhooks ----------------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(500 if len(type(self).received) == 1 else 204)  # fail the first attempt
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver():
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/ocrops", _Receiver.received
    server.shutdown()
    server.server_close()


def test_webhook_is_signed_retried_and_every_attempt_recorded(ctx, counting, worker, receiver):
    url, received = receiver
    alice, _ = principal_for(ctx, "acme")
    secret = keys.webhook_secret(ctx, "acme")
    submission = documents.submit_document(
        ctx, alice, "a.pdf", pdf_bytes(1), SubmitOptions(engine="counting", webhook_url=url)
    )
    worker()
    wait_for(lambda: len(received) >= 2 and len(jobs.list_deliveries(ctx, alice, submission.job.id)) >= 2)
    deliveries = wait_for(
        lambda: (d := jobs.list_deliveries(ctx, alice, submission.job.id))[-1]["state"] == "delivered" and d
    )
    assert [(d["attempt"], d["status_code"], d["state"]) for d in deliveries] == [
        (1, 500, "failed"),
        (2, 204, "delivered"),
    ]
    assert deliveries[1]["attempted_at"] - deliveries[0]["attempted_at"] >= timedelta(seconds=0.18)
    headers, body = received[1]
    payload = json.loads(body)
    assert payload["event"] == "job.succeeded" and payload["job_id"] == submission.job.id
    assert payload["state"] == "succeeded" and payload["pages_done"] == 1
    assert verify_signature(secret, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert not verify_signature(secret, headers[TIMESTAMP_HEADER], body + b" ", headers[SIGNATURE_HEADER])
    assert not verify_signature("whsec_other", headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert not verify_signature(
        secret,
        headers[TIMESTAMP_HEADER],
        body,
        headers[SIGNATURE_HEADER],
        now=int(headers[TIMESTAMP_HEADER]) + 3600,
    )  # a replay, an hour later
    assert received[0][1] == body  # the retry sends the same payload


# --- pages on a process pool ------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_pool(tmp_path_factory) -> Executor:
    """Two spawned page processes (plugins imported at their start), shared by the tests below;
    the ``recorded`` engine appends ``tag page pid`` to ``RECORD_ENV`` for each page it reads."""
    folder = tmp_path_factory.mktemp("pool")
    env = pytest.MonkeyPatch()
    env.setenv(RECORD_ENV, str(folder / "record.txt"))  # before the processes start: they inherit it
    pool = make_executor(load_settings(home=folder, cache=False, plugins=PLUGINS), 2)
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)
    env.undo()


@pytest.fixture
def pool_ctx(tmp_path, page_pool):
    context = make_ctx(tmp_path / "home", default_engine="recorded", plugins=PLUGINS)
    yield context
    context.close()


def recorded(tag: str) -> list[tuple[int, int]]:
    """(page, pid) of each page the ``recorded`` engine read for the job tagged ``tag``."""
    return [(page, pid) for t, page, pid in read_record(os.environ[RECORD_ENV]) if t == tag]


def recorded_options(tag: str, delay_s: float = 0.0) -> SubmitOptions:
    return SubmitOptions(engine="recorded", engine_options={"tag": tag, "delay_s": delay_s})


def result_lines(ctx, principal, document_id: str) -> list[str]:
    result = documents.get_result_document(ctx, principal, document_id)
    return [line.text for page in result.pages for block in page.blocks for line in block.lines]


def test_an_embedded_worker_runs_a_jobs_pages_on_its_page_processes(pool_ctx, page_pool):
    alice, _ = principal_for(pool_ctx, "acme")
    submission = documents.submit_document(
        pool_ctx, alice, "a.pdf", pdf_bytes(6), recorded_options("e2e", delay_s=0.2)
    )
    worker = EmbeddedWorker(pool_ctx, threads=1, page_workers=2)
    worker.start()
    try:
        job = wait_for(
            lambda: (j := job_state(pool_ctx, alice, submission.job.id)).finished and j, timeout=60
        )
    finally:
        worker.stop()
    assert (job.state, job.pages_done, job.attempts) == ("succeeded", 6, 1)
    calls = recorded("e2e")
    assert sorted(page for page, _ in calls) == [1, 2, 3, 4, 5, 6]  # every page exactly once
    pids = {pid for _, pid in calls}
    assert len(pids) == 2 and os.getpid() not in pids  # both page processes, not the job thread
    lines = result_lines(pool_ctx, alice, submission.document.id)  # "Recorded page N of e2e w<width>"
    assert [line.rsplit(" ", 1)[0] for line in lines] == [f"Recorded page {n} of e2e" for n in range(1, 7)]


def test_checkpointed_pages_are_skipped_on_the_page_pool(pool_ctx, page_pool):
    alice, _ = principal_for(pool_ctx, "acme")
    submission = documents.submit_document(pool_ctx, alice, "a.pdf", pdf_bytes(5), recorded_options("resume"))
    job_id = submission.job.id
    with pool_ctx.db.session() as session:  # as if a dead worker had finished pages 1 and 3
        for number in (1, 3):
            page = Page(number=number, width=10, height=10, blocks=[])
            store.save_page(session, "acme", job_id, number, "ok", page.model_dump(mode="json"))
    assert process_job(pool_ctx, job_id, pages=page_pool) == "succeeded"
    assert sorted(page for page, _ in recorded("resume")) == [2, 4, 5]
    result = documents.get_result_document(pool_ctx, alice, submission.document.id)
    assert [p.number for p in result.pages] == [1, 2, 3, 4, 5]
    assert "Recorded page 2 of resume" in result.text and "Recorded page 1" not in result.text
    assert jobs.get_job(pool_ctx, alice, job_id).pages_done == 5


def test_cancel_lands_within_about_a_page_on_the_page_pool(pool_ctx, page_pool):
    alice, _ = principal_for(pool_ctx, "acme")
    delay = 0.5
    submission = documents.submit_document(
        pool_ctx, alice, "a.pdf", pdf_bytes(12), recorded_options("cancel", delay_s=delay)
    )
    outcome: list[str | None] = []
    runner = threading.Thread(
        target=lambda: outcome.append(process_job(pool_ctx, submission.job.id, pages=page_pool))
    )
    runner.start()
    wait_for(lambda: len(recorded("cancel")) >= 2, timeout=30)  # both processes busy on the job
    asked = time.monotonic()
    jobs.cancel_job(pool_ctx, alice, submission.job.id)
    runner.join(timeout=30)
    landed = time.monotonic() - asked
    assert outcome == ["cancelled"] and landed < 2 * delay  # at the next page to finish
    job = jobs.get_job(pool_ctx, alice, submission.job.id)
    assert job.state == "cancelled" and 1 <= job.pages_done <= 4
    time.sleep(3 * delay)  # pages already handed to the processes finish; no new ones start
    read = Counter(page for page, _ in recorded("cancel"))
    assert max(read.values()) == 1 and len(read) <= 6, read
    jobs.retry_job(pool_ctx, alice, job.id)  # resumes from its checkpoints
    assert process_job(pool_ctx, job.id, pages=page_pool) == "succeeded"
    again = Counter(page for page, _ in recorded("cancel"))
    assert sorted(again) == list(range(1, 13)) and sum(again.values()) <= 12 + 4


def test_a_page_process_that_dies_retries_the_job_on_a_new_pool(pool_ctx, tmp_path):
    alice, _ = principal_for(pool_ctx, "acme")
    marker = tmp_path / "crashed-once"
    options = SubmitOptions(engine="crashing", engine_options={"marker": str(marker)})
    submission = documents.submit_document(pool_ctx, alice, "a.pdf", pdf_bytes(3), options)
    worker = EmbeddedWorker(pool_ctx, threads=1, page_workers=2)
    worker.start()
    try:
        job = wait_for(
            lambda: (j := job_state(pool_ctx, alice, submission.job.id)).finished and j, timeout=90
        )
    finally:
        worker.stop()
    assert marker.exists()  # a page process did die
    assert (job.state, job.attempts, job.pages_done) == ("succeeded", 2, 3)
    assert result_lines(pool_ctx, alice, submission.document.id) == ["survived1", "survived2", "survived3"]
