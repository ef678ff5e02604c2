"""Service benchmarks (issue: the service). Prints a Markdown table of what one run measured.

    .venv/bin/python benchmarks/bench_service.py [--jobs 1000] [--duration 60] [--clients 50]
        [--e2e-pages 20] [--skip-queue] [--skip-celery] [--skip-http] [--skip-e2e]

1. queue overhead: ``--jobs`` one-page jobs through a no-op engine (``noop_engine.py``), submitted
   first, then drained: embedded worker (SQLite, the default deployment; and PostgreSQL) and Celery
   (``ocrops worker`` processes, Redis broker, PostgreSQL). Submit ms/job is the API side (upload
   stored, rows written, message sent); drain ms/job is first job started -> last job finished,
   divided by the jobs (target <= 10 ms).
2. HTTP: ``--clients`` concurrent clients (a closed loop: each waits for its answer) polling job
   status and fetching Markdown results for ``--duration`` s against ``ocrops serve`` on loopback;
   p50 / p95 / p99 latency and errors (target p95 <= 50 ms, 0 errors), server RSS before / after.
3. end to end: a ``--e2e-pages`` scan through the API (upload -> job -> Markdown) vs
   ``ocrops convert`` on the same file (target <= 1.15x).

Needs Redis at 127.0.0.1:6379 and PostgreSQL at 127.0.0.1:5432 for the Celery and PostgreSQL rows
(OCROPS_BENCH_REDIS_URL, OCROPS_BENCH_POSTGRES_URL); they are skipped when unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import noop_engine  # noqa: E402,F401  (registers the "noop" engine in this process)
from _common import DATASETS, image_pdf, scanned_page_images  # noqa: E402

REDIS_URL = os.environ.get("OCROPS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
POSTGRES_SERVER = os.environ.get(
    "OCROPS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
KEY_LINE = re.compile(r"^admin API key: (ocr_\S+)$", re.MULTILINE)
Row = tuple[str, str, str, str]


# --- helpers ----------------------------------------------------------------------------------


def reachable(url: str, default_port: int) -> bool:
    from urllib.parse import urlparse

    parsed = urlparse(url.replace("postgresql+psycopg", "postgresql"))
    try:
        socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2
        ).close()
        return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(**settings: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("OCROPS_")}
    pythonpath = os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH")) if p)
    return {**inherited, "PYTHONPATH": pythonpath, **settings}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def tiny_pngs(count: int) -> Iterator[bytes]:
    """Distinct 32x32 images (distinct content: no deduplication between jobs)."""
    from PIL import Image

    for n in range(count):
        image = Image.new("L", (32, 32), 255)
        for bit in range(20):  # n, in black and white pixels along the first row
            image.putpixel((bit, 0), 0 if n >> bit & 1 else 255)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        yield buffer.getvalue()


@contextmanager
def postgres_database() -> Iterator[str]:
    from sqlalchemy import text

    from ocrops.store.db import Database

    server = Database(POSTGRES_SERVER)
    name = f"ocrops_bench_{uuid.uuid4().hex[:10]}"
    admin = server.engine.execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


# --- 1. queue overhead -------------------------------------------------------------------------


def submit_all(ctx, count: int) -> float:
    """Submit ``count`` one-page jobs on the noop engine; seconds per job."""
    from ocrops.services import documents, keys
    from ocrops.services.schemas import Role, SubmitOptions

    _, secret = keys.create_key(ctx, "bench", "bench", Role.member)
    principal = keys.authenticate(ctx, secret)
    options = SubmitOptions(engine="noop")
    images = list(tiny_pngs(count))
    start = time.perf_counter()
    for n, data in enumerate(images):
        documents.submit_document(ctx, principal, f"{n}.png", data, options)
    return (time.perf_counter() - start) / count


def drain_seconds(ctx, count: int, timeout: float) -> float:
    """Wait for every job to finish; first started -> last finished, from the job rows."""
    from sqlalchemy import func, select

    from ocrops.store import service as store
    from ocrops.store.tables import JobRow

    deadline = time.monotonic() + timeout
    while True:
        with ctx.db.session() as session:
            by_state = store.count_jobs_by_state(session)
        if by_state.get("succeeded", 0) >= count:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"jobs not done in {timeout} s: {by_state}")
        time.sleep(0.5)
    with ctx.db.session() as session:
        first, last = session.execute(select(func.min(JobRow.started_at), func.max(JobRow.finished_at))).one()
    return (last - first).total_seconds()


def bench_embedded(count: int, database_url: str | None, threads: int, label: str) -> Row:
    from ocrops.jobs.embedded import EmbeddedWorker
    from ocrops.services.context import build_context
    from ocrops.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="ocrops-bench-") as home:
        settings = load_settings(
            home=home, database_url=database_url, cache=False, embedded_workers=threads, plugins="noop_engine"
        )  # the plugin: the worker's page processes need the engine too
        ctx = build_context(settings)
        try:
            submit = submit_all(ctx, count)
            worker = EmbeddedWorker(ctx, threads=threads)
            worker.start()
            try:
                drain = drain_seconds(ctx, count, timeout=count * 1.0)
            finally:
                worker.stop()
        finally:
            ctx.close()
    per_job = drain / count * 1000
    return (
        f"queue overhead: embedded, {label}, {threads} thread(s), {count} jobs",
        f"submit {submit * 1000:.1f} ms/job; drain {drain:.1f} s",
        f"{per_job:.1f} ms/job",
        "<= 10 ms",
    )


def bench_celery(count: int, concurrency: int, max_tasks_per_child: int | None = None) -> Row:
    from ocrops.services.context import build_context
    from ocrops.settings import load_settings

    queue = f"ocrops-bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="ocrops-bench-") as home, postgres_database() as database_url:
        env = {
            "OCROPS_HOME": home,
            "OCROPS_DATABASE_URL": database_url,
            "OCROPS_STORAGE_URL": f"file://{home}/blobs",
            "OCROPS_QUEUE": "celery",
            "OCROPS_BROKER_URL": REDIS_URL,
            "OCROPS_CELERY_QUEUE": queue,
            "OCROPS_CACHE": "false",
            "OCROPS_PLUGINS": "noop_engine",
            "OCROPS_LOG_LEVEL": "WARNING",
        }
        if max_tasks_per_child is not None:
            env["OCROPS_WORKER_MAX_TASKS_PER_CHILD"] = str(max_tasks_per_child)
        settings = load_settings(**{k.removeprefix("OCROPS_").lower(): v for k, v in env.items()})
        ctx = build_context(settings)
        worker = None
        try:
            submit = submit_all(ctx, count)
            with (Path(home) / "worker.log").open("wb") as log:
                worker = subprocess.Popen(
                    [sys.executable, "-m", "ocrops", "worker", "--concurrency", str(concurrency)],
                    env=child_env(**env),
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    start_new_session=True,
                )
            drain = drain_seconds(ctx, count, timeout=count * 1.0 + 60)
        finally:
            if worker is not None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=60)
            ctx.close()
            _delete_redis_keys(queue)
    per_job = drain / count * 1000
    recycling = settings.worker_max_tasks_per_child
    recycled = f"processes recycled every {recycling} tasks" if recycling else "processes never recycled"
    return (
        f"queue overhead: Celery (Redis, PostgreSQL), 1 worker x {concurrency} processes, "
        f"{count} jobs, {recycled}",
        f"submit {submit * 1000:.1f} ms/job; drain {drain:.1f} s",
        f"{per_job:.1f} ms/job",
        "<= 10 ms",
    )


def _delete_redis_keys(queue: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"*{queue}*"):
        client.delete(key)
    client.close()


# --- 2. and 3.: ocrops serve ---------------------------------------------------------------------


class Server:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.out = home / "serve.out"
        env = child_env(OCROPS_HOME=str(home), OCROPS_CACHE="false", OCROPS_LOG_LEVEL="WARNING")
        home.mkdir(parents=True, exist_ok=True)
        with self.out.open("wb") as out, (home / "serve.err").open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ocrops", "serve", "--port", str(self.port)],
                env=env,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    def wait_ready(self) -> str:
        import httpx

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    match = KEY_LINE.search(self.out.read_text())
                    assert match, "no admin key printed"
                    return match.group(1)
            except httpx.TransportError:
                time.sleep(0.3)
        raise RuntimeError((self.home / "serve.err").read_text()[-3000:])

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


def submit_and_wait(client, filename: str, data: bytes, media_type: str, timeout: float = 600) -> dict:
    response = client.post("/api/v1/documents", files={"file": (filename, data, media_type)})
    response.raise_for_status()
    job_id = response.json()["job"]["id"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise RuntimeError(f"job {job_id} not done in {timeout} s")


def text_pdf(label: str) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, f"Invoice {label}: total due 1,250.00 EUR, payment within 30 days.")
    pdf.save()
    return buffer.getvalue()


async def _load(
    url: str, key: str, targets: list[tuple[str, str]], clients: int, duration: float, think: float
):
    import httpx

    latencies: dict[str, list[float]] = {"status": [], "result": []}
    errors: list[str] = []
    deadline = time.monotonic() + duration
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as client:

        async def one_client(seed: int) -> None:
            rng = random.Random(seed)
            poll = True
            while time.monotonic() < deadline:
                job_id, document_id = rng.choice(targets)
                path = f"/api/v1/jobs/{job_id}" if poll else f"/api/v1/documents/{document_id}/result"
                poll = not poll
                start = time.perf_counter()
                try:
                    response = await client.get(path, params=None if "jobs" in path else {"format": "md"})
                    if response.status_code != 200:
                        errors.append(f"HTTP {response.status_code}")
                except httpx.HTTPError as exc:
                    errors.append(type(exc).__name__)
                latencies["status" if "jobs" in path else "result"].append(time.perf_counter() - start)
                if think:
                    await asyncio.sleep(rng.uniform(0.5, 1.5) * think)

        await asyncio.gather(*(one_client(n) for n in range(clients)))
    return latencies, errors


def bench_http(work: Path, clients: int, duration: float, thinks: list[float]) -> list[Row]:
    import httpx

    server = Server(work / "http-home")
    try:
        key = server.wait_ready()
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60
        ) as client:
            targets = []
            for n in range(20):
                job = submit_and_wait(client, f"invoice-{n}.pdf", text_pdf(str(n)), "application/pdf")
                assert job["state"] == "succeeded", job
                targets.append((job["id"], job["document_id"]))
        before = rss_mb(server.process.pid)
        rows = [_http_row(server.url, key, targets, clients, duration, think) for think in thinks]
        after = rss_mb(server.process.pid)
    finally:
        server.stop()
    rows.append(
        (
            "HTTP: server RSS before / after the load",
            f"{before:.0f} MB / {after:.0f} MB",
            f"{after / before:.2f}x",
            "(no growth)",
        )
    )
    return rows


def _http_row(
    url: str, key: str, targets: list[tuple[str, str]], clients: int, duration: float, think: float
) -> Row:
    latencies, errors = asyncio.run(_load(url, key, targets, clients, duration, think))
    every = latencies["status"] + latencies["result"]
    q = statistics.quantiles(every, n=100)
    by_route = "; ".join(
        f"{route} p50 {statistics.median(values) * 1000:.1f} / p95 "
        f"{statistics.quantiles(values, n=100)[94] * 1000:.1f} ms"
        for route, values in latencies.items()
    )
    loop = f"{think:g} s between a client's requests" if think else "closed loop"
    return (
        f"HTTP: {clients} clients polling status + fetching results, {duration:g} s ({loop})",
        f"{len(every)} requests ({len(every) / duration:.0f}/s); p50 {q[49] * 1000:.1f} ms, "
        f"p99 {q[98] * 1000:.1f} ms; {len(errors)} errors ({by_route})",
        f"p95 {q[94] * 1000:.1f} ms",
        "p95 <= 50 ms, 0 errors",
    )


def scan_pdf(work: Path, pages: int) -> Path:
    """Real scans (tesseract-test and SROIE), repeated to ``pages`` pages, as an image-only PDF."""
    if not DATASETS.is_dir():
        sys.exit(f"datasets folder {DATASETS} is missing (set OCROPS_DATASETS_DIR)")
    images = scanned_page_images()
    return image_pdf([images[n % len(images)] for n in range(pages)], work / "scan.pdf", dpi=200)


def bench_e2e(work: Path, pages: int) -> list[Row]:
    import httpx

    pdf = scan_pdf(work, pages)
    server = Server(work / "e2e-home")
    try:
        key = server.wait_ready()
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=600
        ) as client:
            start = time.perf_counter()
            job = submit_and_wait(client, "scan.pdf", pdf.read_bytes(), "application/pdf")
            result = client.get(f"/api/v1/documents/{job['document_id']}/result", params={"format": "md"})
            api = time.perf_counter() - start
            assert job["state"] == "succeeded" and result.status_code == 200, job
    finally:
        server.stop()
    rows = []
    for workers, label in ((1, "1 worker, like one service job"), (0, "default: one worker per core")):
        command = [sys.executable, "-m", "ocrops", "convert", str(pdf), "-o", str(work / "out"), "-q"]
        command += ["--workers", str(workers)] if workers else []
        env = child_env(OCROPS_HOME=str(work / "cli-home"), OCROPS_CACHE="false")
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        cli = time.perf_counter() - start
        rows.append(
            (
                f"end to end: {pages}-page scan through the API / ocrops convert ({label})",
                f"{api:.1f} s / {cli:.1f} s",
                f"{api / cli:.2f}x",
                "<= 1.15x",
            )
        )
    return rows


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--celery-concurrency", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of HTTP load")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--think",
        type=float,
        action="append",
        help="mean seconds a client waits between requests (repeatable; default: 0 = closed loop, and 0.5)",
    )
    parser.add_argument("--e2e-pages", type=int, default=20)
    for part in ("queue", "celery", "http", "e2e"):
        parser.add_argument(f"--skip-{part}", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    from ocrops.logs import configure_logging

    configure_logging("WARNING")
    rows: list[Row] = []
    postgres, redis = reachable(POSTGRES_SERVER, 5432), reachable(REDIS_URL, 6379)
    if not args.skip_queue:
        rows.append(bench_embedded(args.jobs, None, 1, "SQLite"))
        if postgres:
            with postgres_database() as url:
                rows.append(bench_embedded(args.jobs, url, 1, "PostgreSQL"))
        if not args.skip_celery and postgres and redis:
            rows.append(bench_celery(args.jobs, args.celery_concurrency))
            rows.append(bench_celery(args.jobs, args.celery_concurrency, max_tasks_per_child=0))
    with tempfile.TemporaryDirectory(prefix="ocrops-bench-") as tmp:
        if not args.skip_http:
            rows += bench_http(Path(tmp), args.clients, args.duration, args.think or [0.0, 0.5])
        if not args.skip_e2e:
            rows += bench_e2e(Path(tmp), args.e2e_pages)
    print(f"\n{' '.join([Path(sys.executable).name, *sys.argv])}\n{os.cpu_count()} cores\n")
    print("| measure | values | result | target |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
