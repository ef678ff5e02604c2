"""Shared pieces of the service tests: databases (SQLite, PostgreSQL), contexts, a counting engine.

The counting engine is a real ``Engine`` registered in ``ENGINES`` (the same mechanism a plugin
uses): it records which pages it was asked for, can fail with a transient I/O error, and can run
a hook per page (to cancel a job mid-way, for instance).
"""

from __future__ import annotations

import errno
import io
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar, Literal

import pytest
from sqlalchemy import text

from ocrops.engines import ENGINES, Engine, EngineOptions, EngineOutput, EngineStatus, PageInput
from ocrops.model import BBox, Line, Word
from ocrops.services import keys
from ocrops.services.context import Principal, ServiceContext, build_context
from ocrops.services.schemas import Role
from ocrops.settings import load_settings
from ocrops.store.db import Database

SERVICE_TABLES = ("webhook_deliveries", "job_pages", "jobs", "documents", "api_keys", "tenants")


# --- the counting engine -------------------------------------------------------------------


class CountingOptions(EngineOptions):
    fail: Literal["none", "oserror"] = "none"
    tag: str = ""  # different tags: different options keys (no deduplication between them)


class CountingEngine(Engine):
    name = "counting"
    description = "Test engine: says 'Counted page N here.', counts calls."
    Options = CountingOptions
    calls: ClassVar[list[tuple[int, float]]] = []
    hook: ClassVar[Callable[[int], None] | None] = None
    lock = threading.Lock()

    @classmethod
    def probe(cls, settings: object) -> EngineStatus:
        return EngineStatus(name=cls.name, available=True, version="1.0")

    @classmethod
    def reset(cls) -> None:
        cls.calls, cls.hook = [], None

    @classmethod
    def pages(cls) -> list[int]:
        return [page for page, _ in cls.calls]

    def recognise(self, page: PageInput) -> EngineOutput:
        with self.lock:
            type(self).calls.append((page.number, time.monotonic()))
        if self.options.fail == "oserror":
            raise OSError(errno.EIO, "simulated I/O error")
        if type(self).hook is not None:
            type(self).hook(page.number)
        texts = ["Counted", "page", str(page.number), "here."]
        words = [
            Word(text=t, bbox=BBox(x0=100 + 60 * i, y0=400, x1=150 + 60 * i, y1=420))
            for i, t in enumerate(texts)
        ]
        return EngineOutput(lines=[Line(words=words)])


@pytest.fixture
def counting() -> Iterator[type[CountingEngine]]:
    ENGINES.register("counting", CountingEngine)
    CountingEngine.reset()
    yield CountingEngine
    CountingEngine.reset()
    ENGINES.unregister("counting")


# --- documents -----------------------------------------------------------------------------


def pdf_bytes(pages: int, label: str = "") -> bytes:
    """A small PDF with ``pages`` pages (blank images; the label makes the content unique)."""
    from PIL import Image, ImageDraw

    images = []
    for n in range(pages):
        image = Image.new("RGB", (200, 260), "white")
        ImageDraw.Draw(image).text((10, 10), f"{label} {n + 1} {uuid.uuid4().hex}", fill="black")
        images.append(image)
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=72)
    return buffer.getvalue()


# --- S3 (moto's server over real HTTP) -------------------------------------------------------

BUCKET = "ocrops-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port, with a bucket."""
    from moto.server import ThreadedMotoServer

    mp = pytest.MonkeyPatch()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        mp.setenv(name, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    import boto3

    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()
    mp.undo()


# --- databases -----------------------------------------------------------------------------


def make_ctx(home: Path, database_url: str | None = None, **overrides: object) -> ServiceContext:
    values: dict[str, object] = dict(
        home=home,
        cache=False,
        worker_poll_s=0.05,
        job_retry_base_s=0.2,
        webhook_retry_base_s=0.2,
        webhook_timeout_s=5.0,
        default_engine="counting",
    )
    values.update(overrides)
    settings = load_settings(database_url=database_url, **values)
    return build_context(settings)


def empty_service_tables(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SERVICE_TABLES)} CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def any_ctx(request: pytest.FixtureRequest, tmp_path: Path, counting) -> Iterator[ServiceContext]:
    """A context on SQLite and on PostgreSQL (tables emptied after each test)."""
    url = None if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    ctx = make_ctx(tmp_path / "home", url)
    yield ctx
    if request.param == "postgresql":
        empty_service_tables(ctx.db)
    ctx.close()


@pytest.fixture
def ctx(tmp_path: Path, counting) -> Iterator[ServiceContext]:
    """A context on SQLite in a temporary home, with the counting engine as default."""
    context = make_ctx(tmp_path / "home")
    yield context
    context.close()


def principal_for(ctx: ServiceContext, tenant: str, role: Role = Role.member) -> tuple[Principal, str]:
    """A key for ``tenant`` (created if needed), authenticated: (principal, secret)."""
    _, secret = keys.create_key(ctx, tenant, f"{tenant}-{role.value}", role)
    return keys.authenticate(ctx, secret), secret


def wait_for(predicate: Callable[[], object], timeout: float = 20.0, interval: float = 0.05) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
