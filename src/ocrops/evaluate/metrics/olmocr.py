"""olmOCR-bench checks on a page's Markdown: present, absent, order, table, math.

The definitions are those of allenai/olmocr ``olmocr/bench/tests.py`` (Apache-2.0):

* text is compared after olmOCR's ``normalize_text`` (the ``olmocr`` normalisation);
* ``present`` / ``absent``: rapidfuzz ``partial_ratio`` of the text against the page (or
  its ``first_n`` / ``last_n`` characters), case-folded unless ``case_sensitive``;
  threshold ``1 - max_diffs / len(text)``; a page shorter than ``len(text) - max_diffs``
  fails ``present`` and passes ``absent``;
* ``order``: fuzzysearch ``find_near_matches`` with ``max_l_dist = max_diffs`` finds both
  texts; passes when some match of ``before`` starts before some match of ``after``;
* ``table``: Markdown and HTML tables become cell graphs; passes when a cell matching
  ``cell`` (``fuzz.ratio`` >= max(0.5, 1 - max_diffs / len)) has the expected ``up``,
  ``down``, ``left``, ``right``, ``top_heading`` and ``left_heading`` neighbours;
* ``math``: equations are taken from ``\\(..\\)``, ``\\[..\\]``, ``$$..$$`` and ``$..$``;
  one equal to the expected LaTeX passes. Otherwise olmOCR-bench renders both with KaTeX
  in a headless browser and compares the renderings; that cannot run here, so the
  comparison is approximated by comparing LaTeX token sequences with whitespace, spacing
  commands (``\\,`` ``\\;`` ``\\quad``...) and braces around single tokens removed
  (``a^{2}`` = ``a^2``). Such results carry ``approximated=True``.

``baseline``, ``format`` and ``footnote`` checks are reported as ``skipped``. A run over
a page's checks gives a pass rate over the checks not skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ocrops.errors import BadParameter
from ocrops.evaluate.metrics.base import MetricResult, check_pairs, no_normaliser
from ocrops.evaluate.normalise import Compose, olmocr_normalize

Status = Literal["pass", "fail", "skipped"]
CHECK_TYPES = ("present", "absent", "order", "table", "math")


@dataclass(frozen=True)
class CheckResult:
    id: str
    type: str
    status: Status
    explanation: str = ""
    approximated: bool = False

    @property
    def passed(self) -> bool:
        return self.status == "pass"


def load_checks(path: str | Path) -> list[dict[str, Any]]:
    """The checks of an olmOCR-bench ``.jsonl`` file, one dict per line."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def run_check(check: Mapping[str, Any], markdown: str) -> CheckResult:
    check_id, check_type = str(check.get("id", "")), str(check.get("type", ""))
    runner = _RUNNERS.get(check_type)
    if runner is None:
        return CheckResult(check_id, check_type, "skipped", f"check type {check_type!r} is not supported")
    max_diffs = check.get("max_diffs", 0)
    if not isinstance(max_diffs, int) or max_diffs < 0:
        raise BadParameter(f"check {check_id}: max_diffs must be a non-negative integer")
    status, explanation, approximated = runner(check, markdown, max_diffs)
    return CheckResult(check_id, check_type, "pass" if status else "fail", explanation, approximated)


def run_checks(checks: Iterable[Mapping[str, Any]], markdown: str) -> list[CheckResult]:
    return [run_check(check, markdown) for check in checks]


def pass_rate(results: Sequence[CheckResult]) -> float:
    scored = [result for result in results if result.status != "skipped"]
    return sum(result.passed for result in scored) / len(scored) if scored else 0.0


def _required_text(check: Mapping[str, Any], key: str) -> str:
    text = olmocr_normalize(str(check.get(key) or ""))
    if not text.strip():
        raise BadParameter(f"check {check.get('id')}: {key!r} cannot be empty")
    return text


def _presence(check: Mapping[str, Any], markdown: str, max_diffs: int) -> tuple[bool, str, bool]:
    from rapidfuzz import fuzz

    query, content = _required_text(check, "text"), olmocr_normalize(markdown)
    if not check.get("case_sensitive", True):
        query, content = query.lower(), content.lower()
    first_n, last_n = check.get("first_n"), check.get("last_n")
    if first_n and last_n:
        content = content[:first_n] + content[-last_n:]
    elif first_n:
        content = content[:first_n]
    elif last_n:
        content = content[-last_n:]
    want_present = check["type"] == "present"
    if len(content) < len(query) - max_diffs:  # partial_ratio would compare the other way round
        return (False, "page too short to contain the text", False) if want_present else (True, "", False)
    threshold = 1.0 - max_diffs / (len(query) or 1)
    ratio = fuzz.partial_ratio(query, content) / 100.0
    found = ratio >= threshold
    if found == want_present:
        return True, "", False
    verb = "expected" if want_present else "expected absence of"
    return False, f"{verb} {query[:40]!r}: best match ratio {ratio:.3f}, threshold {threshold:.3f}", False


def _order(check: Mapping[str, Any], markdown: str, max_diffs: int) -> tuple[bool, str, bool]:
    from fuzzysearch import find_near_matches

    before, after = _required_text(check, "before"), _required_text(check, "after")
    if max_diffs > len(before) // 2 or max_diffs > len(after) // 2:
        raise BadParameter(f"check {check.get('id')}: max_diffs exceeds half of a search text")
    content = olmocr_normalize(markdown)
    before_matches = find_near_matches(before, content, max_l_dist=max_diffs)
    after_matches = find_near_matches(after, content, max_l_dist=max_diffs)
    if not before_matches:
        return False, f"'before' text {before[:40]!r} not found", False
    if not after_matches:
        return False, f"'after' text {after[:40]!r} not found", False
    if any(b.start < a.start for b in before_matches for a in after_matches):
        return True, "", False
    return False, f"{before[:40]!r} does not appear before {after[:40]!r}", False


def _table(check: Mapping[str, Any], markdown: str, max_diffs: int) -> tuple[bool, str, bool]:
    from rapidfuzz import fuzz

    from ocrops.evaluate.metrics._olmocr_tables import parse_html_tables, parse_markdown_tables

    cell = olmocr_normalize(str(check.get("cell") or ""))
    expected = {key: olmocr_normalize(str(check.get(key) or "")) for key in _RELATIONS}
    tables = [] if check.get("ignore_markdown_tables") else parse_markdown_tables(markdown)
    tables += parse_html_tables(markdown)
    if not tables:
        return False, "no tables found", False

    def similar(wanted: str, text: str) -> bool:
        threshold = max(0.5, 1.0 - max_diffs / (len(wanted) or 1))
        return fuzz.ratio(wanted, olmocr_normalize(text)) / 100.0 >= threshold

    reasons = []
    for table in tables:
        for position, text in table.cell_text.items():
            if not similar(cell, text):
                continue
            missing = [
                key
                for key, wanted in expected.items()
                if wanted
                and not any(similar(wanted, table.cell_text[n]) for n in _RELATIONS[key](table, position))
            ]
            if not missing:
                return True, "", False
            reasons.append(f"cell at {position} lacks {', '.join(missing)}")
    if not reasons:
        return False, f"no cell matching {cell!r}", False
    return False, f"cells matching {cell!r} found, but: {'; '.join(reasons)}", False


_RELATIONS: dict[str, Any] = {
    "up": lambda table, position: table.up_relations[position],
    "down": lambda table, position: table.down_relations[position],
    "left": lambda table, position: table.left_relations[position],
    "right": lambda table, position: table.right_relations[position],
    "left_heading": lambda table, position: table.left_heading_relations(*position),
    "top_heading": lambda table, position: table.top_heading_relations(*position),
}

_EQUATION_PATTERNS = [r"\\\((.+?)\\\)", r"\\\[(.+?)\\\]", r"\$\$(.+?)\$\$", r"\$(.+?)\$"]
_LATEX_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.DOTALL)
_LATEX_SPACING = {"\\,", "\\;", "\\:", "\\!", "\\ ", "\\quad", "\\qquad", "\\thinspace", "\\medspace", "~"}


def _equations(content: str, include_dollars: bool = True) -> list[str]:
    found: list[str] = []
    patterns = _EQUATION_PATTERNS if include_dollars else _EQUATION_PATTERNS[:2]
    for pattern in patterns:
        found += [equation.strip() for equation in re.findall(pattern, content, re.DOTALL)]
        content = re.sub(pattern, "", content, flags=re.DOTALL)
    return found


def latex_tokens(latex: str) -> list[str]:
    """LaTeX as tokens with whitespace, spacing commands and single-token braces dropped."""
    tokens = [t for t in _LATEX_TOKEN.findall(latex) if not t.isspace() and t not in _LATEX_SPACING]
    simplified: list[str] = []
    index = 0
    while index < len(tokens):
        if tokens[index] == "{" and index + 2 < len(tokens) and tokens[index + 2] == "}":
            simplified.append(tokens[index + 1])
            index += 3
            continue
        simplified.append(tokens[index])
        index += 1
    return simplified


def _math(check: Mapping[str, Any], markdown: str, max_diffs: int) -> tuple[bool, str, bool]:
    expected = str(check.get("math") or "")
    if not expected.strip():
        raise BadParameter(f"check {check.get('id')}: math expression cannot be empty")
    equations = _equations(markdown, not check.get("ignore_dollar_delimited", False))
    if expected in equations:
        return True, "", False
    wanted = latex_tokens(expected)
    if any(latex_tokens(equation) == wanted for equation in equations):
        return True, "equal LaTeX tokens (KaTeX rendering approximated)", True
    return False, f"no equation matching {expected!r} (KaTeX rendering approximated)", True


_RUNNERS = {"present": _presence, "absent": _presence, "order": _order, "table": _table, "math": _math}


@dataclass(frozen=True)
class OlmocrChecks:
    """Registry entry: references are the checks of each page, hypotheses its Markdown."""

    name: str = "olmocr"
    higher_is_better: bool = True

    def __call__(
        self,
        references: Sequence[Sequence[Mapping[str, Any]]],
        hypotheses: Sequence[str],
        *,
        normaliser: Compose | Sequence[str] | str | None = None,
    ) -> MetricResult:
        no_normaliser(self.name, normaliser)  # olmOCR-bench normalises by its own definition
        check_pairs(references, hypotheses)
        results = [
            r for checks, md in zip(references, hypotheses, strict=True) for r in run_checks(checks, md)
        ]
        by_type: dict[str, list[int]] = {}
        for result in results:
            if result.status != "skipped":
                by_type.setdefault(result.type, []).append(int(result.passed))
        return MetricResult(
            metric=self.name,
            value=pass_rate(results),
            higher_is_better=True,
            normalisation=["olmocr"],
            details={
                "checks": len(results),
                "passed": sum(r.passed for r in results),
                "skipped": sum(r.status == "skipped" for r in results),
                "approximated": sum(r.approximated for r in results),
                "by_type": {kind: sum(v) / len(v) for kind, v in sorted(by_type.items())},
                "failed": [r.id for r in results if r.status == "fail"],
            },
        )


OLMOCR = OlmocrChecks()
