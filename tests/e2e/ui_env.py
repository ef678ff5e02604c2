"""Pieces of the browser tests: ``ocrops serve`` in a subprocess, Debian's Chromium via Playwright.

Chromium is Debian's (``apt-get install chromium``, ``scripts/install.sh --test``), never a
browser downloaded by Playwright. Without it (or without the playwright package) the UI tests
skip, except under ``CI=true`` where they must run.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = Path(os.environ.get("OCROPS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ui"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
KEY_LINE = re.compile(r"^admin API key: (ocr_\S+)$", re.MULTILINE)


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


@dataclass
class Server:
    url: str
    home: Path
    admin_key: str
    env: dict[str, str]
    process: subprocess.Popen[str]
    output: list[str]

    def client(self, key: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {key or self.admin_key}"},
                            timeout=30)

    def ocrops(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run the ocrops CLI against this server's home."""
        return subprocess.run([sys.executable, "-m", "ocrops", *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout, check=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pump(stream: Any, sink: list[str]) -> None:
    for line in stream:
        sink.append(line)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``ocrops serve`` on a free port with a fresh home; its admin key read from its first output."""
    home = tmp_path_factory.mktemp("serve-home")
    port = _free_port()
    env = {**os.environ, "OCROPS_HOME": str(home), "OCROPS_WORKERS": "1", "OCROPS_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "ocrops", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output: list[str] = []
    threading.Thread(target=_pump, args=(process.stdout, output), daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    key = None
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"ocrops serve exited with {process.returncode}:\n{''.join(output)}")
            match = KEY_LINE.search("".join(output))
            key = key or (match.group(1) if match else None)
            if key:
                try:
                    if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
            time.sleep(0.2)
        else:
            pytest.fail(f"ocrops serve did not come up in 60 s:\n{''.join(output)}")
        assert key is not None
        yield Server(url=url, home=home, admin_key=key, env=env, process=process, output=output)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
