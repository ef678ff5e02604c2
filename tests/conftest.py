"""Shared fixtures. Datasets are read in place from ../shared/datasets."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DATASETS_DIR = Path(os.environ.get("OCROPS_DATASETS_DIR", REPO_ROOT.parent / "shared" / "datasets"))


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    """The shared ground-truth datasets; skip when absent, fail in CI when absent."""
    if not DATASETS_DIR.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"datasets folder {DATASETS_DIR} is missing in CI")
        pytest.skip(f"datasets folder {DATASETS_DIR} is absent")
    return DATASETS_DIR


@pytest.fixture
def settings(tmp_path: Path):
    """Settings isolated to a temporary home (cache included)."""
    from ocrops.settings import load_settings

    return load_settings(home=tmp_path / "home")


POSTGRES_SERVER = os.environ.get(
    "OCROPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards.

    Skips when the server is unreachable, unless OCROPS_REQUIRE_SERVICES=1 (CI): then it fails.
    """
    from sqlalchemy import text

    from ocrops.store.db import Database

    server = Database(POSTGRES_SERVER)
    name = f"ocrops_test_{uuid.uuid4().hex[:12]}"
    try:
        with server.engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:
        server.dispose()
        if os.environ.get("OCROPS_REQUIRE_SERVICES") == "1":
            pytest.fail(f"PostgreSQL required but unreachable at {server.safe_url}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {server.safe_url}")
    admin = server.engine.execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
