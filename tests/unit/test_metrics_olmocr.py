"""olmOCR-bench checks on the olmOCR model's own Markdown for the 13-page sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocrops.evaluate.metrics import get_metric
from ocrops.evaluate.metrics.olmocr import latex_tokens, load_checks, pass_rate, run_check

# Every failure below was reviewed by hand against the page's Markdown and olmOCR-bench's
# definitions; each is a real miss of the model, not an artefact of the port:
FAILING = {
    # the page lists "DOWN BATH" and "Bath" but never "Guest Bath" (best partial ratio 0.80, needs 1.0)
    "building_notes_02",
    # the model wrote "January 15th, 1864"; the check wants "January 10th 1864." exactly (max_diffs 0)
    "lincoln_letter_minediff_00",
    # "Year Ended" landed in the first column; walking up from "1,136" reaches "Jan 29, 2023" instead
    "earnings_table00",
    # the model wrote Gauss's law (\nabla \cdot E = Q/\varepsilon_0), not Faraday's (\nabla \times E = ...)
    "mathfuncs_06",
    # the header line "farbod4ever@gmail.com" is in the output, which the absent check forbids
    "ff3d6e051903fe5ca9bc172ece14964c5632_01a",
}
# Math checks passed through the KaTeX-rendering approximation (equal LaTeX tokens, not equal strings):
# e^{i\pi} + 1 = 0, \int_{a}^{b} f(x) \, dx = ..., a^2 + b^2 = c^2 render as the expected equations.
APPROXIMATED = {"mathfuncs_03", "mathfuncs_04", "mathfuncs_05", "mathfuncs_06"}


def _markdown(root: Path, check: dict) -> str:
    stem = check["pdf"].removesuffix(".pdf")
    return (root / "olmocr_pipeline" / f"{stem}_pg{check['page']}_repeat1.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def bench(datasets_dir: Path) -> tuple[Path, list[dict]]:
    root = datasets_dir / "olmocr-bench"
    return root, load_checks(root / "dataset.jsonl")


@pytest.mark.datasets
def test_checks_on_olmocr_outputs_give_the_pinned_pass_fail(bench: tuple[Path, list[dict]]) -> None:
    root, checks = bench
    assert len(checks) == 44
    results = [run_check(check, _markdown(root, check)) for check in checks]
    assert {r.id for r in results if r.status == "fail"} == FAILING
    assert {r.id for r in results if r.approximated} == APPROXIMATED
    assert not [r for r in results if r.status == "skipped"]
    assert pass_rate(results) == pytest.approx(39 / 44)


@pytest.mark.datasets
def test_registry_entry_reports_pass_rate_by_type(bench: tuple[Path, list[dict]]) -> None:
    root, checks = bench
    pages: dict[tuple[str, int], list[dict]] = {}
    for check in checks:
        pages.setdefault((check["pdf"], check["page"]), []).append(check)
    references = list(pages.values())
    hypotheses = [_markdown(root, page_checks[0]) for page_checks in references]
    result = get_metric("olmocr")(references, hypotheses)
    assert result.value == pytest.approx(39 / 44)
    assert result.details["by_type"] == pytest.approx(
        {"absent": 14 / 15, "math": 3 / 4, "order": 1.0, "present": 12 / 14, "table": 3 / 4}
    )
    assert sorted(result.details["failed"]) == sorted(FAILING)


PAGE = (
    "# Report\n\nThe **quick** brown fox\u2014jumps.\n\n"
    "| Year | 2023 | 2024 |\n|---|---|---|\n| Sales | 10 | 12 |\n"
)


@pytest.mark.parametrize(
    ("check", "passed"),
    [
        ({"type": "present", "text": "quick brown fox-jumps"}, True),  # bold and em dash normalised
        ({"type": "present", "text": "Quick brown"}, False),  # case-sensitive by default
        ({"type": "present", "text": "Quick brown", "case_sensitive": False}, True),
        ({"type": "present", "text": "quick brwn fox", "max_diffs": 1}, True),
        ({"type": "present", "text": "Report", "last_n": 10}, False),
        ({"type": "absent", "text": "Report", "first_n": 10}, False),
        ({"type": "absent", "text": "a sentence far longer than the whole page ever is" * 3}, True),
        ({"type": "order", "before": "Report", "after": "brown fox"}, True),
        ({"type": "order", "before": "brown fox", "after": "Report"}, False),
        ({"type": "table", "cell": "12", "up": "2024", "left": "10", "top_heading": "2024"}, True),
        ({"type": "table", "cell": "12", "left_heading": "Sales"}, True),
        ({"type": "table", "cell": "12", "up": "2023"}, False),
        ({"type": "math", "math": "x^{2}"}, False),
    ],
)
def test_check_definitions(check: dict, passed: bool) -> None:
    assert run_check({"id": "t", **check}, PAGE).passed is passed


def test_html_tables_with_spans() -> None:
    page = (
        "<table><thead><tr><th colspan='2'>Year Ended</th></tr></thead>"
        "<tr><td>2023</td><td>2024</td></tr><tr><td>5</td><td>7</td></tr></table>"
    )
    assert run_check(
        {"id": "t", "type": "table", "cell": "7", "top_heading": "Year Ended", "up": "2024"}, page
    ).passed
    assert not run_check({"id": "t", "type": "table", "cell": "7", "left": "2023"}, page).passed


def test_math_exact_and_approximated() -> None:
    page = r"Euler: \( e^{i\pi} + 1 = 0 \) and $$ \frac{a}{b} $$"
    exact = run_check({"id": "m", "type": "math", "math": r"e^{i\pi} + 1 = 0"}, page)
    assert exact.passed and not exact.approximated
    approximate = run_check({"id": "m", "type": "math", "math": r"e^{i \pi}+1=0"}, page)
    assert approximate.passed and approximate.approximated
    assert latex_tokens(r"\frac{a}{b}\,x") == [r"\frac", "a", "b", "x"]
    assert latex_tokens(r"\pi x") != latex_tokens(r"\pix")


def test_unknown_check_types_are_skipped() -> None:
    result = run_check({"id": "b", "type": "baseline"}, PAGE)
    assert result.status == "skipped"
    assert pass_rate([result]) == 0.0
