"""Scale-out with Celery: ``ocrops worker`` processes on real Redis / RabbitMQ brokers and PostgreSQL.

End to end with Tesseract (jobs submitted before any worker runs: they wait in the broker),
``kill -9`` of a worker's pool process and of a whole worker in the middle of jobs (every job
still succeeds, every page once in its result, checkpointed pages not recognised again),
priorities, lost messages re-sent, the RabbitMQ broker, and the compose.yaml deployment.

Workers import ``tests.integration.celery_plugin`` (``OCROPS_PLUGINS``): the ``recorded``
engine logs which process recognised which page. Each test gets its own queue name (its Redis
keys are deleted afterwards) in a dedicated Redis database, and the session's fresh PostgreSQL
database. Without Redis, RabbitMQ or PostgreSQL the tests skip, unless OCROPS_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from ocrops.jobs.embedded import EmbeddedQueue
from ocrops.model import Document
from ocrops.services import documents, jobs
from ocrops.services.context import ServiceContext
from ocrops.services.schemas import SubmitOptions
from ocrops.store import service as store
from tests import docgen
from tests.integration.celery_plugin import RECORD_ENV, read_record
from tests.integration.service_env import empty_service_tables, free_port, make_ctx, principal_for

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("OCROPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")  # a db of its own
AMQP_URL = os.environ.get("OCROPS_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
STALE_AFTER_S = 6.0
FINISHED = {"succeeded", "partial", "failed", "cancelled"}

pytestmark = pytest.mark.slow


# --- services ---------------------------------------------------------------------------------


def _require(name: str, url: str) -> None:
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port), timeout=2).close()
    except OSError as exc:
        if os.environ.get("OCROPS_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{name} required but unreachable at {parsed.hostname}:{parsed.port}: {exc}")
        pytest.skip(f"{name} unreachable at {parsed.hostname}:{parsed.port}")


@pytest.fixture
def queue_name() -> str:
    return f"ocrops-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def redis_broker(queue_name: str) -> Iterator[str]:
    _require("Redis", REDIS_URL)
    yield REDIS_URL
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"*{queue_name}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def amqp_broker(queue_name: str) -> Iterator[str]:
    _require("RabbitMQ", AMQP_URL)
    yield AMQP_URL
    from kombu import Connection

    with Connection(AMQP_URL) as connection:
        channel = connection.channel()
        channel.queue_delete(queue_name)
        for exchange in (
            queue_name,
            f"{queue_name}.pidbox",
            f"reply.{queue_name}.pidbox",
            f"{queue_name}.events",
        ):
            channel.exchange_delete(exchange)  # no error when it does not exist
        channel.close()


class Cluster:
    """The test's service context (it submits) and ``ocrops worker`` processes sharing its settings."""

    def __init__(self, home: Path, database_url: str, broker_url: str, queue: str) -> None:
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        self.record = home / "record.txt"
        self.settings_env = {
            "OCROPS_HOME": str(home),
            "OCROPS_DATABASE_URL": database_url,
            "OCROPS_STORAGE_URL": f"file://{home / 'blobs'}",
            "OCROPS_QUEUE": "celery",
            "OCROPS_BROKER_URL": broker_url,
            "OCROPS_CELERY_QUEUE": queue,
            "OCROPS_CACHE": "false",
            "OCROPS_JOB_STALE_AFTER_S": str(STALE_AFTER_S),
            "OCROPS_JOB_HEARTBEAT_S": "1",
            "OCROPS_JOB_RETRY_BASE_S": "0.5",
            "OCROPS_PLUGINS": "tests.integration.celery_plugin",
        }
        overrides = {name.removeprefix("OCROPS_").lower(): value for name, value in self.settings_env.items()}
        overrides.pop("home"), overrides.pop("database_url"), overrides.pop("cache")
        self.ctx: ServiceContext = make_ctx(home, database_url, **overrides)
        self.principal, _ = principal_for(self.ctx, f"tenant-{uuid.uuid4().hex[:8]}")
        self.workers: list[subprocess.Popen[bytes]] = []

    def start_worker(self, concurrency: int = 1, **env: str) -> subprocess.Popen[bytes]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("OCROPS_")}
        pythonpath = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
        log = self.home / f"worker-{len(self.workers)}.log"
        with log.open("wb") as err:
            process = subprocess.Popen(
                [sys.executable, "-m", "ocrops", "worker", "--concurrency", str(concurrency)],
                env={
                    **inherited,
                    **self.settings_env,
                    RECORD_ENV: str(self.record),
                    "PYTHONPATH": pythonpath,
                    **env,
                },
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,  # its own process group: kill -9 takes the pool with it
            )
        self.workers.append(process)
        wait_until(lambda: process.poll() is not None or " ready." in log.read_text(), 60, "worker ready")
        assert process.poll() is None, f"worker exited:\n{log.read_text()[-3000:]}"
        return process

    def pool_pids(self, worker: subprocess.Popen[bytes]) -> set[int]:
        """The worker's pool processes (its children), from /proc."""
        children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
        if children.exists():
            return {int(pid) for pid in children.read_text().split()}
        pids = set()
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                if f"\nPPid:\t{worker.pid}\n" in status.read_text():
                    pids.add(int(status.parent.name))
            except OSError:
                continue
        return pids

    def submit(self, pdf: bytes, tag: str, *, priority: int = 0, delay_s: float = 0.0, ctx=None) -> str:
        options = SubmitOptions(
            engine="recorded", engine_options={"tag": tag, "delay_s": delay_s}, priority=priority
        )
        return documents.submit_document(ctx or self.ctx, self.principal, f"{tag}.pdf", pdf, options).job.id

    def job(self, job_id: str):
        return jobs.get_job(self.ctx, self.principal, job_id)

    def wait_finished(self, job_ids: list[str], timeout: float) -> dict[str, str]:
        def states() -> dict[str, str]:
            with self.ctx.db.session() as session:
                return {job_id: store.job_by_id(session, job_id).state for job_id in job_ids}

        wait_until(lambda: set(states().values()) <= FINISHED, timeout, "all jobs finished", self.logs)
        return states()

    def result(self, job_id: str) -> Document:
        job = self.job(job_id)
        text, _ = documents.get_result(self.ctx, self.principal, job.document_id, "json")
        return Document.model_validate_json(text)

    def logs(self) -> str:
        return "\n".join(path.read_text()[-4000:] for path in sorted(self.home.glob("worker-*.log")))

    def close(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        empty_service_tables(self.ctx.db)
        self.ctx.close()


def wait_until(
    predicate: Callable[[], object], timeout: float, what: str, context: Callable[[], str] | None = None
) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s\n{context() if context else ''}")


@pytest.fixture
def redis_cluster(tmp_path, postgres_url, redis_broker, queue_name) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path / "home", postgres_url, redis_broker, queue_name)
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def three_page_scan(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("scan") / "scan.pdf"
    docgen.scanned_pdf(path, pages=3, dpi=100)
    return path.read_bytes()


# --- end to end -------------------------------------------------------------------------------


def test_worker_runs_queued_jobs_with_tesseract_and_serves_metrics(redis_cluster: Cluster, tmp_path):
    path = tmp_path / "scan.pdf"
    texts = docgen.scanned_pdf(path, pages=2)
    options = SubmitOptions(engine="tesseract", formats=["md", "json"])
    submission = documents.submit_document(
        redis_cluster.ctx, redis_cluster.principal, "scan.pdf", path.read_bytes(), options
    )
    assert submission.job.state == "queued"  # no worker yet: the message waits in Redis

    metrics_port = free_port()
    redis_cluster.start_worker(OCROPS_WORKER_METRICS_PORT=str(metrics_port))
    states = redis_cluster.wait_finished([submission.job.id], 120)
    assert states[submission.job.id] == "succeeded", redis_cluster.logs()

    markdown, media_type = documents.get_result(
        redis_cluster.ctx, redis_cluster.principal, submission.document.id, "md"
    )
    assert media_type.startswith("text/markdown")
    for text in texts:
        for line in text.splitlines():
            assert line in markdown, (line, markdown)
    job = redis_cluster.job(submission.job.id)
    assert job.pages_done == job.pages_total == 2

    metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    assert 'ocrops_pages_processed_total{engine="tesseract",status="ok"} 2.0' in metrics, metrics


# --- crash ------------------------------------------------------------------------------------


def _running_on(cluster: Cluster, pool: Callable[[], set[int]], skip: set[str]):
    """A job running in one of ``pool``'s processes with at least one checkpointed page:
    (job id, pid, checkpointed pages), or None."""
    with cluster.ctx.db.session() as session:
        running = store.list_jobs(
            session, cluster.principal.tenant_id, after=None, limit=100, state="running"
        )
        for row in running:
            pid = int((row.worker_id or "0:0").split(":")[1])
            done = set(store.done_pages(session, row.id))
            if row.id not in skip and pid in pool() and 1 <= len(done) < 3:
                return row.id, pid, done
    return None


def test_kill_9_in_the_middle_of_jobs_loses_nothing_and_redoes_nothing(
    redis_cluster: Cluster, three_page_scan: bytes
):
    cluster = redis_cluster
    first, second = cluster.start_worker(), cluster.start_worker()
    tags = {cluster.submit(three_page_scan, f"job{n}", delay_s=0.3): f"job{n}" for n in range(20)}

    # 1. the pool process running a job on the first worker: Celery sees it die, puts the message
    #    back; the job is taken over once its heartbeat is stale, from its checkpoints
    found = wait_until(
        lambda: _running_on(cluster, lambda: cluster.pool_pids(first), set()), 120, "a job on worker 1"
    )
    killed_child_job, pid, done_at_first_kill = found
    os.kill(pid, signal.SIGKILL)

    # 2. the whole second worker (main process and pool): its message stays unacknowledged in
    #    Redis; the first worker's maintenance re-queues the stale job and sends it again
    found = wait_until(
        lambda: _running_on(cluster, lambda: cluster.pool_pids(second), {killed_child_job}),
        120,
        "a job on worker 2",
    )
    killed_worker_job, _, done_at_second_kill = found
    os.killpg(second.pid, signal.SIGKILL)
    second.wait()

    states = cluster.wait_finished(list(tags), 240)
    assert set(states.values()) == {"succeeded"}, (states, cluster.logs())

    for job_id, tag in tags.items():
        document = cluster.result(job_id)
        assert [page.number for page in document.pages] == [1, 2, 3]
        for page in document.pages:
            assert page.text.startswith(f"Recorded page {page.number} of {tag}"), page.text

    calls = Counter((tag, page) for tag, page, _ in read_record(cluster.record))
    killed = {tags[killed_child_job]: done_at_first_kill, tags[killed_worker_job]: done_at_second_kill}
    for tag in tags.values():
        for page in (1, 2, 3):
            if tag in killed and page not in killed[tag]:
                assert 1 <= calls[(tag, page)] <= 2, (tag, page, calls)  # the page in flight is redone
            else:
                assert calls[(tag, page)] == 1, (tag, page, calls)  # checkpointed pages are not
    for job_id in (killed_child_job, killed_worker_job):
        assert cluster.job(job_id).attempts == 2
    assert first.poll() is None  # the first worker lived on, with a new pool process


# --- priorities and lost messages -------------------------------------------------------------


def test_priorities_order_the_redis_queue_and_lost_messages_are_sent_again(
    redis_cluster: Cluster, three_page_scan: bytes
):
    cluster = redis_cluster
    by_priority = {cluster.submit(three_page_scan, f"p{p}", priority=p): p for p in (0, 9, 3, 7, 5)}
    # a job committed without a message (as if the broker lost it): only the maintenance finds it
    silent = ServiceContext(
        cluster.ctx.settings, cluster.ctx.db, cluster.ctx.storage, EmbeddedQueue(cluster.ctx.db)
    )
    lost = cluster.submit(three_page_scan, "lost", priority=9, ctx=silent)

    cluster.start_worker()
    states = cluster.wait_finished([*by_priority, lost], 90)
    assert set(states.values()) == {"succeeded"}, cluster.logs()
    first_pages = [tag for tag, page, _ in read_record(cluster.record) if page == 1]
    assert first_pages[:5] == ["p9", "p7", "p5", "p3", "p0"]
    assert first_pages[5] == "lost"  # sent again once the queue was empty and it stayed due
    assert "worker.resending_lost" in cluster.logs()


# --- RabbitMQ ---------------------------------------------------------------------------------


def test_rabbitmq_broker_runs_jobs_by_priority(
    tmp_path, postgres_url, amqp_broker, queue_name, three_page_scan
):
    cluster = Cluster(tmp_path / "home", postgres_url, amqp_broker, queue_name)
    try:
        submitted = {cluster.submit(three_page_scan, f"r{p}", priority=p): p for p in (1, 8, 4)}
        cluster.start_worker()
        states = cluster.wait_finished(list(submitted), 90)
        assert set(states.values()) == {"succeeded"}, cluster.logs()
        first_pages = [tag for tag, page, _ in read_record(cluster.record) if page == 1]
        assert first_pages == ["r8", "r4", "r1"]
        document = cluster.result(next(iter(submitted)))
        assert [page.text.split(" w")[0] for page in document.pages] == [
            f"Recorded page {n} of r1" for n in (1, 2, 3)
        ]
    finally:
        cluster.close()


# --- the compose deployment -------------------------------------------------------------------


def test_compose_file_describes_the_scale_out_deployment():
    import yaml

    from ocrops.settings import Settings

    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    assert {"api", "worker", "postgres", "redis", "minio"} <= set(services)

    def env(service: str) -> dict[str, str]:
        return {k: str(v) for k, v in services[service]["environment"].items()}

    api, worker = env("api"), env("worker")
    for values in (api, worker):
        assert values["OCROPS_QUEUE"] == "celery"
        assert values["OCROPS_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert "@postgres:5432/" in values["OCROPS_DATABASE_URL"]
        assert values["OCROPS_BROKER_URL"].startswith("redis://redis:6379/")
        assert values["OCROPS_STORAGE_URL"].startswith("s3://")
        assert values["OCROPS_S3_ENDPOINT_URL"] == "http://minio:9000"
        unknown = {
            name
            for name in values
            if name.startswith("OCROPS_")
            and name.removeprefix("OCROPS_").lower() not in Settings.model_fields
        }
        assert not unknown, f"compose.yaml sets variables ocrops does not read: {unknown}"
        settings = Settings(
            **{k.removeprefix("OCROPS_").lower(): v for k, v in values.items() if k.startswith("OCROPS_")}
        )
        assert settings.queue == "celery"
    assert services["api"]["command"][:2] == ["ocrops", "serve"]
    assert "0.0.0.0" in services["api"]["command"]
    assert services["worker"]["command"][:2] == ["ocrops", "worker"]
    assert {"postgres", "redis", "minio-bucket"} <= set(services["api"]["depends_on"])
    assert "api" in services["worker"]["depends_on"]  # the API migrates the database first

    dockerfile = (REPO / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    for package in ("tesseract-ocr-eng", "tesseract-ocr-osd"):
        assert package in dockerfile
    assert "pip install" in dockerfile
    assert services["api"]["build"] or services["worker"]["build"]
