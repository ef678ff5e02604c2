"""A conversion killed with SIGKILL (the OOM killer) leaves no page processes behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests import docgen


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_page_processes_exit_when_their_parent_is_killed(tmp_path):
    pdf = tmp_path / "scan.pdf"
    docgen.scanned_pdf(pdf, pages=12, dpi=150)
    env = {**os.environ, "OCROPS_HOME": str(tmp_path / "home"), "OCROPS_CACHE": "false"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ocrops",
            "convert",
            str(pdf),
            "-w",
            "2",
            "-e",
            "tesseract",
            "-q",
            "-o",
            str(tmp_path / "out"),
        ],
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 2:
            workers = {
                pid
                for pid in _children(proc.pid)
                if "spawn_main"
                in (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace")
            }
            time.sleep(0.1)
        assert len(workers) >= 2, "the page processes did not start"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in workers), "orphaned page processes are still running"
    finally:
        if proc.poll() is None:
            proc.kill()
