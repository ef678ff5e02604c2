"""Pure parts of benchmarking: receipt field rules, summaries, paired comparison, reports, CLI options."""

from __future__ import annotations

import json

import pytest

from ocrops.errors import BadParameter
from ocrops.evaluate.compare import compare_runs
from ocrops.evaluate.extract import extract_fields
from ocrops.evaluate.records import BenchRun, RunData, RunStatus, SampleResult
from ocrops.evaluate.report import build_report, char_diff_html
from ocrops.evaluate.summary import summarise

RECEIPT = """tan woon yann
INDAH GIFT & HOME DECO SDN BHD
(742016-W)
27, JALAN DEDAP 13,
TAMAN JOHOR JAYA,
TEL:07-3507405
19/10/2018 20:49:59 #01
SUB TOTAL 55.90
Total Qty 2
TOTAL AMT ........ RM 60,31
ROUNDED TOTAL RM 60.30
CASH 70.30
"""


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            RECEIPT,
            {
                "company": "INDAH GIFT & HOME DECO SDN BHD",
                "address": "27, JALAN DEDAP 13, TAMAN JOHOR JAYA,",
                "date": "19/10/2018",
                "total": "60.30",
            },
        ),
        (
            "SAM SAM TRADING CO\n67,JLN MEWAH 25/63\n40400 SHAH ALAM.\nGST NO: 0010\n"
            "29-12-2017\nTOTAL\n14.10\n",
            {
                "company": "SAM SAM TRADING CO",
                "address": "67,JLN MEWAH 25/63 40400 SHAH ALAM.",
                "date": "29-12-2017",
                "total": "14.10",
            },
        ),
        (
            "AIK HUAT HARDWARE\nENTERPRISE (SETIA ALAM) SDN BHD\nNO. 17, JALAN\nDate: 5 JAN 2018\n"
            "GRAND TOTAL 1,234.50\n",
            {
                "company": "AIK HUAT HARDWARE ENTERPRISE (SETIA ALAM) SDN BHD",
                "address": "NO. 17, JALAN",
                "date": "5 JAN 2018",
                "total": "1234.50",
            },
        ),
        ("", {}),
        ("12345\n---\nTOTAL QTY 3.00\n", {}),  # quantities are not totals; no wordy line, no company
    ],
)
def test_receipt_field_rules(text, expected):
    assert extract_fields(text) == expected


def _run(**changes) -> BenchRun:
    return BenchRun(
        **(
            {
                "dataset_name": "tiny",
                "engine": "tesseract",
                "status": RunStatus.completed,
                "normalisation": "strip",
            }
            | changes
        )
    )


def _result(
    run: BenchRun,
    sample_id: str,
    errors: float,
    total: float = 100.0,
    f1: float | None = None,
    latency: float = 1.0,
    error: str | None = None,
    tags: list[str] | None = None,
) -> SampleResult:
    metrics: dict[str, float | None] = {"cer": errors / total, "char_errors": errors, "char_total": total}
    if f1 is not None:
        metrics["field_f1"] = f1
    return SampleResult(
        run_id=run.id,
        sample_id=sample_id,
        file=f"{sample_id}.png",
        reference="hello world",
        prediction="hallo world",
        metrics=metrics,
        page_latencies=[latency],
        error=error,
        tags=tags or [],
    )


def test_summary_means_medians_pooled_and_latency():
    run = _run()
    results = [
        _result(run, "a", 1, 10, latency=1.0),
        _result(run, "b", 10, 90, latency=3.0),
        _result(run, "c", 0, 100, latency=2.0, error="boom"),
    ]
    summary = summarise(results, wall_seconds=4.0)
    cer = summary["metrics"]["cer"]
    assert cer["mean"] == pytest.approx((0.1 + 10 / 90 + 0) / 3)
    assert cer["median"] == pytest.approx(0.1)
    assert cer["pooled"] == pytest.approx(11 / 200)
    assert summary["failures"] == 1 and summary["pages"] == 3
    assert summary["latency"]["p50"] == pytest.approx(2.0)
    assert summary["pages_per_second"] == pytest.approx(3 / 6.0)
    assert "field_f1" not in summary["metrics"]


def _pair(base_errors: list[float], new_errors: list[float], base_f1: float = 0.8, new_f1: float = 0.8):
    base_run, new_run = _run(), _run()
    base = RunData(base_run, [_result(base_run, f"s{i}", e, f1=base_f1) for i, e in enumerate(base_errors)])
    new = RunData(new_run, [_result(new_run, f"s{i}", e, f1=new_f1) for i, e in enumerate(new_errors)])
    return base, new


@pytest.mark.parametrize(
    "base_errors, new_errors, new_f1, regressed",
    [
        ([2, 3, 4, 5], [2, 3, 4, 5], 0.8, False),  # identical
        ([2, 3, 4, 5], [2, 3, 4, 7], 0.8, False),  # +2/400 = 0.005: at the limit, not beyond
        ([2, 3, 4, 5], [2, 3, 4, 8], 0.8, True),  # +3/400 = 0.0075 CER
        ([2, 3, 4, 5], [1, 1, 1, 1], 0.8, False),  # better
        ([2, 3, 4, 5], [2, 3, 4, 5], 0.78, True),  # field F1 dropped by 0.02 > 0.01
    ],
)
def test_regression_gate_uses_the_point_estimate(base_errors, new_errors, new_f1, regressed):
    base, new = _pair(base_errors, new_errors, new_f1=new_f1)
    comparison = compare_runs(base, new)
    assert comparison.regressed is regressed
    cer = comparison.delta("cer")
    expected = (sum(new_errors) - sum(base_errors)) / 400
    assert cer.delta == pytest.approx(expected)
    assert cer.ci_low - 1e-12 <= cer.delta <= cer.ci_high + 1e-12


def test_bootstrap_is_seeded_and_pairs_only_shared_samples():
    base, new = _pair([1, 2, 3, 4, 5, 6], [2, 2, 5, 4, 9, 6])
    new.results = [*new.results[:4], _result(new.run, "extra", 50)]
    first, again = compare_runs(base, new, seed=3), compare_runs(base, new, seed=3)
    assert first.shared == 4 and first.only_base == 2 and first.only_new == 1
    assert first.delta("cer").samples == 4
    assert first.delta("cer").delta == pytest.approx((13 - 10) / 400)
    assert (first.delta("cer").ci_low, first.delta("cer").ci_high) == (
        again.delta("cer").ci_low,
        again.delta("cer").ci_high,
    )
    assert json.loads(json.dumps(first.to_dict()))["regressed"] is True


def test_no_shared_samples_is_a_warning_not_a_regression():
    base, new = _pair([1], [1])
    new.results[0].sample_id = "other"
    comparison = compare_runs(base, new)
    assert comparison.deltas == [] and not comparison.regressed
    assert "share no sample" in comparison.warnings[-1]


def test_char_diff_marks_and_escapes():
    assert char_diff_html("a<b", "a<c") == "a&lt;<del>b</del><ins>c</ins>"
    assert char_diff_html("abc", "abxc") == "ab<ins>x</ins>c"
    assert char_diff_html("abc", "ac") == "a<del>b</del>c"


def test_report_formats_on_stored_style_results():
    base, new = _pair([1, 2], [3, 4])
    new.results[0].tags = ["language:en"]
    new.results[1].prediction = "<script>alert(1)</script>"
    html = build_report([base, new], "html", worst=1)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "language:en" in html and html.count("<svg") == 3
    csv_text = build_report([base, new], "csv")
    assert csv_text.splitlines()[0].startswith("run_id,label,engine")
    assert len(csv_text.splitlines()) == 3
    with pytest.raises(BadParameter):
        build_report([base], "pdf")
    with pytest.raises(BadParameter):
        build_report([], "html")


@pytest.mark.parametrize(
    "engines, options, expected",
    [
        (["tesseract"], ["psm=6"], [("tesseract", {"psm": 6})]),
        (
            ["Tesseract", "rapidocr"],
            ["tesseract.psm=6", "rapidocr.use_cls=true"],
            [("tesseract", {"psm": 6}), ("rapidocr", {"use_cls": True})],
        ),
        (["tesseract"], ['tesseract.config={"a": "b"}'], [("tesseract", {"config": {"a": "b"}})]),
        ([], None, []),
    ],
)
def test_cli_engine_options(engines, options, expected):
    from ocrops.cli.bench import engine_specs

    assert engine_specs(engines, options) == expected


def test_cli_engine_option_without_engine_is_ambiguous():
    from ocrops.cli.bench import engine_specs

    with pytest.raises(BadParameter, match="must name its engine"):
        engine_specs(["tesseract", "rapidocr"], ["psm=6"])


def test_mlflow_is_optional_with_a_clear_install_hint():
    import importlib.util

    from ocrops.errors import ConfigError
    from ocrops.evaluate.tracking import flat_metrics, require_mlflow

    if importlib.util.find_spec("mlflow") is None:
        with pytest.raises(ConfigError, match="pip install mlflow"):
            require_mlflow()
    run = _run()
    totals = summarise([_result(run, "a", 1, 10, latency=2.0)], wall_seconds=3.0)
    flat = flat_metrics(totals)
    assert flat["cer_mean"] == pytest.approx(0.1) and flat["cer_pooled"] == pytest.approx(0.1)
    assert flat["latency_p95"] == pytest.approx(2.0) and flat["wall_seconds"] == 3.0
    assert all(isinstance(v, float) for v in flat.values())
