"""Benchmarks end to end: real Tesseract on a tiny dataset (two SROIE receipts + phototest), stored,
resumed, reported, compared and ranked; then the same through the ``ocrops`` CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ocrops.evaluate.compare import leaderboard
from ocrops.evaluate.datasets import Dataset, DatasetInfo, dataset_version, import_dataset
from ocrops.evaluate.datasets.importers.base import copy_files
from ocrops.evaluate.records import RunStatus
from ocrops.evaluate.runs import BenchEvent, run_benchmark
from ocrops.services import bench
from ocrops.settings import load_settings
from ocrops.store import bench as store
from ocrops.store.db import Database
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.datasets

RECEIPTS = ("001", "003")  # small receipts (~450 px wide)


def tiny_dataset(datasets_dir: Path, root: Path, receipts: tuple[str, ...] = RECEIPTS) -> Path:
    """Selected SROIE receipts and phototest, imported by the real importers and copied into ``root``."""
    sroie = import_dataset("sroie", datasets_dir / "sroie", None)
    sroie = sroie.with_samples(s for s in sroie if s.id in receipts)
    copy_files(sroie, root)
    pairs = import_dataset("pairs", datasets_dir / "tesseract-test", None)
    pairs = pairs.with_samples(s for s in pairs if s.id == "phototest")
    copy_files(pairs, root)
    Dataset(root, DatasetInfo(name="tiny"), [*sroie.samples, *pairs.samples]).save(root)
    return root


@pytest.fixture(scope="module")
def env(datasets_dir, tmp_path_factory):
    """One dataset, settings (page cache shared by the module) and database; the good run made once."""
    tmp = tmp_path_factory.mktemp("bench")
    settings = load_settings(home=tmp / "home")
    db = Database(f"sqlite:///{tmp / 'bench.db'}")
    db.upgrade()
    dataset = tiny_dataset(datasets_dir, tmp / "tiny")
    events: list[BenchEvent] = []
    good = run_benchmark(dataset, [("tesseract", {})], settings, db, workers=1, on_progress=events.append)[0]
    yield {"settings": settings, "db": db, "dataset": dataset, "good": good, "events": events, "tmp": tmp}
    db.dispose()


def test_run_scores_and_stores_every_sample(env):
    data = bench.load_run(env["good"], db=env["db"])
    run, results = data.run, {r.sample_id: r for r in data.results}
    assert run.status is RunStatus.completed and run.finished_at is not None
    assert run.engine == "tesseract" and run.engine_version.startswith(("4", "5"))
    assert run.dataset_name == "tiny"
    assert run.dataset_version == dataset_version(Dataset.load(env["dataset"]))
    assert len(run.options_hash) == 20 and run.normalisation == "nfkc+collapse_whitespace+strip"
    assert set(results) == {"phototest", *RECEIPTS}
    photo = results["phototest"]
    assert photo.metrics["cer"] < 0.03  # measured 0.0
    assert photo.metrics["char_total"] == 284 and "quick brown dog" in photo.prediction
    assert photo.page_latencies and all(t > 0 for t in photo.page_latencies)
    for receipt in RECEIPTS:  # case-sensitive CER against upper-case SROIE lines: measured 0.31-0.42
        metrics = results[receipt].metrics
        assert 0.1 < metrics["cer"] < 0.6
        assert 0.0 <= metrics["field_f1"] <= 1.0 and metrics["field_expected"] == 4
        assert metrics["bow_f1"] > 0.2
        assert results[receipt].tags == ["receipt"]
    assert run.totals["samples"] == 3 and run.totals["failures"] == 0 and run.totals["pages"] == 3
    pooled = sum(r.metrics["char_errors"] for r in data.results) / sum(
        r.metrics["char_total"] for r in data.results
    )
    assert run.totals["metrics"]["cer"]["pooled"] == pytest.approx(pooled)
    assert {"cer", "wer", "field_f1", "bow_f1"} <= set(run.metrics)
    kinds = [e.kind for e in env["events"]]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert kinds.count("file_opened") == 3 and kinds.count("sample_done") == 3
    assert env["events"][-1].running_cer == pytest.approx(pooled)


def test_interrupted_run_resumes_without_recomputing(env):
    seen: list[str] = []

    def stop_after_first(event: BenchEvent) -> None:
        seen.append(event.kind)
        if event.kind == "sample_done":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_benchmark(env["dataset"], ["tesseract"], env["settings"], env["db"], on_progress=stop_after_first)
    with env["db"].session() as session:
        run = store.list_runs(session)[0]
        first = store.list_results(session, run.id)
    assert run.status is RunStatus.interrupted and len(first) == 1

    events: list[BenchEvent] = []
    assert run_benchmark(
        env["dataset"], [], env["settings"], env["db"], resume_run_id=run.id[:8], on_progress=events.append
    ) == [run.id]
    assert events[0].samples_skipped == 1 and events[0].samples_total == 2
    assert sum(e.kind == "file_opened" for e in events) == 2  # the stored sample's file was not converted
    resumed = bench.load_run(run.id, db=env["db"])
    assert resumed.run.status is RunStatus.completed
    assert len(resumed.results) == 3
    assert resumed.results[0].model_dump() == first[0].model_dump()  # kept, not recomputed
    assert resumed.run.totals["samples"] == 3


def test_resume_of_a_finished_run_converts_nothing(env):
    events: list[BenchEvent] = []
    run_benchmark(
        env["dataset"], [], env["settings"], env["db"], resume_run_id=env["good"], on_progress=events.append
    )
    assert [e.kind for e in events] == ["run_started", "run_finished"]
    assert bench.load_run(env["good"], db=env["db"]).run.status is RunStatus.completed


def test_report_html_csv_json(env):
    good = bench.load_run(env["good"], db=env["db"])
    html = bench.report([env["good"]], "html", env["tmp"] / "report.html", db=env["db"], worst=2)
    assert (env["tmp"] / "report.html").read_text() == html
    assert html.startswith("<!DOCTYPE html>") and "tesseract" in html
    cer = good.run.totals["metrics"]["cer"]
    assert f"{cer['mean']:.4f}" in html and f"{cer['pooled']:.4f}" in html
    assert html.count("<svg") == 3  # latency, CER, accuracy vs speed
    assert "<del>" in html and "<ins>" in html  # the worst receipts' diffs
    assert "receipt" in html  # the per-tag table
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")  # self-contained
    rows = list(csv.DictReader(io.StringIO(bench.report([env["good"]], "csv", db=env["db"]))))
    assert len(rows) == 1 and rows[0]["engine"] == "tesseract"
    assert float(rows[0]["cer_mean"]) == pytest.approx(cer["mean"])
    payload = json.loads(bench.report([env["good"]], "json", db=env["db"]))
    assert payload["runs"][0]["summary"]["metrics"]["cer"]["pooled"] == pytest.approx(cer["pooled"])
    assert set(payload["runs"][0]["tags"]) == {"receipt", "(untagged)"}


def test_compare_flags_a_degraded_engine_and_leaderboard_ranks_it_last(env):
    worse = run_benchmark(env["dataset"], [("tesseract", {"psm": 10})], env["settings"], env["db"])[0]
    comparison, code = bench.compare(env["good"], worse, db=env["db"])
    assert code == 1 and comparison.regressed
    cer = comparison.delta("cer")
    assert cer is not None and cer.regressed and cer.delta > 0.3 and cer.ci_low > 0
    assert comparison.shared == 3
    same, code = bench.compare(env["good"], env["good"], db=env["db"])
    assert code == 0 and not same.regressed and same.delta("cer").delta == 0
    improved, code = bench.compare(worse, env["good"], db=env["db"])
    assert code == 0 and improved.delta("cer").delta < 0

    rows = leaderboard(env["db"], "tiny")  # the newest completed run per engine + options
    good_hash = bench.get_run(env["good"], db=env["db"]).options_hash
    assert [(r.rank, r.options_hash) for r in rows] == [
        (1, good_hash),
        (2, bench.get_run(worse, db=env["db"]).options_hash),
    ]
    assert rows[-1].run_id == worse and rows[-1].cer > rows[0].cer


# --- the CLI -----------------------------------------------------------------------------


def ocrops(*args: str, home: Path, timeout: int = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "OCROPS_HOME": str(home), "OCROPS_WORKERS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "ocrops", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=REPO_ROOT,
    )


def test_cli_dataset_and_bench_commands(datasets_dir, tmp_path):
    home = tmp_path / "home"
    dataset = tmp_path / "photo"
    proc = ocrops(
        "dataset",
        "import",
        "pairs",
        str(datasets_dir / "tesseract-test"),
        str(dataset),
        "--name",
        "photo",
        home=home,
    )
    assert proc.returncode == 0, proc.stderr
    samples = Dataset.load(dataset)
    samples.with_samples(s for s in samples if s.id == "phototest").save(dataset)  # one page keeps it fast
    assert ocrops("dataset", "validate", str(dataset), home=home).returncode == 0
    version = ocrops("dataset", "lock", str(dataset), home=home).stdout.strip()
    assert len(version) == 64

    proc = ocrops("bench", "run", str(dataset), "-e", "tesseract", "-q", "--json", home=home)
    assert proc.returncode == 0, proc.stderr
    good = json.loads(proc.stdout)[0]
    assert good["status"] == "completed" and good["cer"] < 0.03
    proc = ocrops(
        "bench", "run", str(dataset), "-e", "tesseract", "-O", "tesseract.psm=10", "-q", "--json", home=home
    )
    assert proc.returncode == 0, proc.stderr
    worse = json.loads(proc.stdout)[0]
    assert worse["cer"] > 0.5

    proc = ocrops("bench", "compare", good["run_id"], worse["run_id"], home=home)
    assert proc.returncode == 1, proc.stderr
    assert "REGRESSED" in proc.stdout
    assert ocrops("bench", "compare", worse["run_id"][:8], good["run_id"][:8], home=home).returncode == 0

    board = json.loads(ocrops("bench", "leaderboard", "photo", "--json", home=home).stdout)
    assert [row["run_id"] for row in board] == [good["run_id"], worse["run_id"]]
    listed = json.loads(ocrops("bench", "runs", "--json", home=home).stdout)
    assert {row["run_id"] for row in listed} == {good["run_id"], worse["run_id"]}

    out = tmp_path / "report.html"
    proc = ocrops("bench", "report", good["run_id"], worse["run_id"], "-o", str(out), home=home)
    assert proc.returncode == 0, proc.stderr
    assert "tesseract" in out.read_text() and "<del>" in out.read_text()
    missing = ocrops("bench", "report", "ffffffff", home=home)
    assert missing.returncode == 12 and "no benchmark run" in missing.stderr


@pytest.mark.datasets
def test_bench_run_logs_params_metrics_and_report_to_mlflow(datasets_dir, tmp_path):
    mlflow = pytest.importorskip("mlflow")
    home, dataset, tracking = tmp_path / "home", tmp_path / "photo", tmp_path / "mlruns"
    assert (
        ocrops(
            "dataset", "import", "pairs", str(datasets_dir / "tesseract-test"), str(dataset), home=home
        ).returncode
        == 0
    )
    samples = Dataset.load(dataset)
    samples.with_samples(s for s in samples if s.id == "phototest").save(dataset)
    proc = ocrops(
        "bench",
        "run",
        str(dataset),
        "-e",
        "tesseract",
        "-q",
        "--json",
        "--mlflow",
        "--mlflow-uri",
        str(tracking),
        home=home,
    )
    assert proc.returncode == 0, proc.stderr
    run_id = json.loads(proc.stdout)[0]["run_id"]
    client = mlflow.tracking.MlflowClient(tracking_uri=f"sqlite:///{tracking / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("ocrops-bench")
    (logged,) = client.search_runs([experiment.experiment_id])
    assert logged.data.params["engine"] == "tesseract"
    assert logged.data.metrics["cer_mean"] < 0.03
    assert logged.data.tags["ocrops.run_id"] == run_id
    artifacts = [a.path for a in client.list_artifacts(logged.info.run_id)]
    assert any(path.startswith("report-") and path.endswith(".html") for path in artifacts)
