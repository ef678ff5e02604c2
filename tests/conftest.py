"""Shared fixtures. Datasets are read in place from ../shared/datasets."""

from __future__ import annotations

import os
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
