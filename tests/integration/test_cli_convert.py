"""``ocrops convert`` end to end, through the real console entry point in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "examples" / "sample.pdf"


def ocrops(
    *args: str, home: Path, stdin: bytes | None = None, timeout: int = 240
) -> subprocess.CompletedProcess:
    env = {**os.environ, "OCROPS_HOME": str(home), "OCROPS_WORKERS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "ocrops", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=timeout,
        cwd=REPO_ROOT,
    )


def test_sample_to_markdown_routes_each_page(tmp_path):
    proc = ocrops("convert", str(SAMPLE), "-f", "json", "-q", home=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    doc = json.loads(proc.stdout)
    assert doc["status"] == "succeeded"
    routes = [p["engine"]["route"] for p in doc["pages"]]
    assert routes == ["pdftext", "tesseract"]
    md = ocrops("convert", str(SAMPLE), "-q", home=tmp_path).stdout.decode()
    assert "ocrops sample document" in md
    assert "TOTAL" in md and "139.40" in md


def test_second_run_is_served_from_cache(tmp_path):
    first = json.loads(ocrops("convert", str(SAMPLE), "-f", "json", "-q", home=tmp_path).stdout)
    second = json.loads(ocrops("convert", str(SAMPLE), "-f", "json", "-q", home=tmp_path).stdout)
    uncached = json.loads(
        ocrops("convert", str(SAMPLE), "-f", "json", "-q", "--no-cache", home=tmp_path).stdout
    )
    assert [p["cached"] for p in first["pages"]] == [False, False]
    assert [p["cached"] for p in second["pages"]] == [True, True]
    assert [p["cached"] for p in uncached["pages"]] == [False, False]
    assert [p["blocks"] for p in first["pages"]] == [p["blocks"] for p in second["pages"]]


def test_stdin_to_stdout_and_page_selection(tmp_path):
    proc = ocrops(
        "convert",
        "-",
        "-f",
        "txt",
        "--pages",
        "2",
        "-e",
        "tesseract",
        "-q",
        home=tmp_path,
        stdin=SAMPLE.read_bytes(),
    )
    assert proc.returncode == 0, proc.stderr.decode()
    text = proc.stdout.decode()
    assert "ACME Paper Supplies" in text
    assert "ocrops sample document" not in text


def test_outdir_writes_one_file_per_input_and_summary(tmp_path):
    out = tmp_path / "out"
    proc = ocrops("convert", str(SAMPLE), "-o", str(out), "-f", "html", home=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    html = (out / "sample.html").read_text()
    assert "ocrx_word" in html
    assert "succeeded" in proc.stderr.decode()  # the summary table


def test_batch_continues_past_a_bad_file(tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj <<")
    out = tmp_path / "out"
    proc = ocrops("convert", str(bad), str(SAMPLE), "-o", str(out), "-q", home=tmp_path)
    assert proc.returncode == 11, proc.stderr.decode()
    assert (out / "sample.md").exists()
    assert not (out / "broken.md").exists()


@pytest.mark.parametrize(
    ("args", "content", "code", "message"),
    [
        (["convert", "{f}"], b"", 5, "empty"),
        (["convert", "{f}"], b"\x00\x01garbage" * 100, 3, "unsupported"),
        (["convert", "{f}"], b"%PDF-1.4\n%broken", 4, ""),
        (["convert", "{f}", "--pages", "9"], None, 8, "out of bounds"),
        (["convert", "{f}", "-e", "nope"], None, 2, "unknown engine"),
        (["convert", "{f}", "-e", "tesseract", "-O", "bogus=1"], None, 2, "bogus"),
        (["convert", "{f}", "-f", "docx"], None, 2, "unknown output format"),
        (["convert", "/no/such/file.pdf"], None, 12, "no such file"),
    ],
)
def test_bad_input_gets_one_line_and_a_distinct_code(tmp_path, args, content, code, message):
    target = tmp_path / "input.pdf"
    if content is None:
        target.write_bytes(SAMPLE.read_bytes())
    else:
        target.write_bytes(content)
    proc = ocrops(*[a.replace("{f}", str(target)) for a in args], "-q", home=tmp_path)
    err = proc.stderr.decode()
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0, err
    assert message.lower() in err.lower()


def test_engines_lists_availability(tmp_path):
    proc = ocrops("engines", "--json", home=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    engines = {e["name"]: e for e in json.loads(proc.stdout)}
    assert {"auto", "pdftext", "tesseract", "rapidocr"} <= set(engines)
    assert engines["tesseract"]["available"] and engines["tesseract"]["version"].startswith("5.")
    assert "psm" in engines["tesseract"]["options"]["properties"]


def test_unknown_flag_is_a_usage_error_without_traceback(tmp_path):
    proc = ocrops("convert", str(SAMPLE), "--bogus", home=tmp_path)
    err = proc.stderr.decode()
    assert proc.returncode == 2
    assert "No such option: --bogus" in err
    assert "Traceback" not in err


def test_preprocessing_options_reach_the_pipeline(tmp_path):
    scan = tmp_path / "small.png"
    from tests import docgen

    docgen.text_image("Tiny scanned text", size=(400, 120), font_size=18).save(scan, dpi=(72, 72))
    default = json.loads(
        ocrops("convert", str(scan), "-f", "json", "-q", "-e", "tesseract", home=tmp_path).stdout
    )
    plain = json.loads(
        ocrops(
            "convert", str(scan), "-f", "json", "-q", "-e", "tesseract", "--no-preprocess", home=tmp_path
        ).stdout
    )
    assert any(w["code"] == "upscaled" for w in default["pages"][0]["warnings"])
    assert not any(w["code"] == "upscaled" for w in plain["pages"][0]["warnings"])
    bad = ocrops("convert", str(scan), "-q", "-P", "orientation=sometimes", home=tmp_path)
    assert bad.returncode == 2 and "orientation" in bad.stderr.decode()


def test_an_unexpected_error_is_one_line_without_traceback(tmp_path):
    """A bug of ours still reaches the user as one line with a hint, not a traceback."""
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from ocrops.cli import main; "
            "main._register_commands = lambda: main.app.command('boom')(lambda: 1 / 0); main.run(['boom'])",
        ],
        capture_output=True,
        env={**os.environ, "OCROPS_HOME": str(tmp_path)},
        timeout=60,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 1
    assert "unexpected ZeroDivisionError" in err and "OCROPS_DEBUG" in err
    assert "Traceback" not in err
