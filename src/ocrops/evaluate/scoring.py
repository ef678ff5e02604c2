"""Score one sample's prediction against whatever ground truth the sample has.

=========================  ===================================================================
ground truth               metrics stored (``SampleResult.metrics``)
=========================  ===================================================================
text (or Markdown)         ``cer``, ``wer`` (+ counts ``char_errors``/``char_total``,
                           ``word_errors``/``word_total``), ``ned``, ``char_accuracy``
fields (SROIE)             ``field_precision``/``field_recall``/``field_f1`` of the fields the
                           rule-based extractor (:mod:`ocrops.evaluate.extract`) finds in the
                           text, and ``bow_f1`` (bag of words, SROIE task 2) when there is text
tables (HTML)              ``teds``: each ground-truth table scored against the best predicted
                           table (0 when the engine found none), averaged; ``tables_found``
tests (olmOCR-bench)       ``olmocr_pass_rate``, ``olmocr_passed``, ``olmocr_total`` on the
                           Markdown rendering
=========================  ===================================================================

Text metrics use the run's normaliser (recorded on the run); Markdown ground truth is turned
into text with ``strip_markdown`` first. Metrics come from the registry in
:mod:`ocrops.evaluate.metrics`, one pair at a time.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from ocrops.evaluate.datasets.manifest import Sample
from ocrops.evaluate.normalise import Compose, strip_markdown
from ocrops.model import Table

DEFAULT_NORMALISATION = "nfkc+collapse_whitespace+strip"


@dataclass
class Prediction:
    """What an engine produced for one sample."""

    text: str = ""
    markdown: str = ""
    tables: list[Table] = field(default_factory=list)


def reference_text(sample: Sample) -> str | None:
    """The text the text metrics compare against: the sample's text, else its Markdown as text."""
    if sample.text is not None:
        return sample.text
    if sample.markdown is not None:
        return strip_markdown(sample.markdown)
    return None


def score_sample(sample: Sample, prediction: Prediction, normaliser: Compose) -> dict[str, float | None]:
    metrics: dict[str, float | None] = {}
    reference = reference_text(sample)
    if reference is not None:
        metrics |= text_scores(reference, prediction.text, normaliser)
    if sample.fields is not None:
        metrics |= field_scores(sample.fields, prediction.text)
        if sample.text is not None:
            metrics["bow_f1"] = _metric("bow_f1", sample.text, prediction.text, normaliser).value
    if sample.tables:
        metrics |= table_scores(sample.tables, prediction.tables)
    if sample.tests:
        metrics |= olmocr_scores(sample.tests, prediction.markdown)
    return metrics


def _metric(name: str, reference: Any, hypothesis: Any, normaliser: Compose | None = None) -> Any:
    from ocrops.evaluate.metrics import get_metric

    metric = get_metric(name)
    if normaliser is None:
        return metric([reference], [hypothesis])
    return metric([reference], [hypothesis], normaliser=normaliser)


def text_scores(reference: str, hypothesis: str, normaliser: Compose) -> dict[str, float | None]:
    cer = _metric("cer", reference, hypothesis, normaliser)
    wer = _metric("wer", reference, hypothesis, normaliser)
    return {
        "cer": cer.value,
        "char_errors": float(_errors(cer.details)),
        "char_total": float(cer.details["reference_length"]),
        "wer": wer.value,
        "word_errors": float(_errors(wer.details)),
        "word_total": float(wer.details["reference_length"]),
        "ned": _metric("ned", reference, hypothesis, normaliser).value,
        "char_accuracy": _metric("char_accuracy", reference, hypothesis, normaliser).value,
    }


def _errors(details: dict[str, Any]) -> int:
    return int(details["substitutions"]) + int(details["deletions"]) + int(details["insertions"])


def field_scores(truth: dict[str, str], text: str) -> dict[str, float | None]:
    from ocrops.evaluate.extract import extract_fields

    predicted = extract_fields(text)
    result = _metric("key_field_f1", truth, predicted)
    details = result.details
    return {
        "field_f1": result.value,
        "field_precision": float(details["precision"]),
        "field_recall": float(details["recall"]),
        "field_matched": float(details["matched"]),
        "field_expected": float(details["expected"]),
    }


def table_scores(truth_tables: list[str], predicted: list[Table]) -> dict[str, float | None]:
    predicted_html = [table_html(table) for table in predicted]
    scores = []
    for truth in truth_tables:
        best = max((_metric("teds", truth, candidate).value for candidate in predicted_html), default=0.0)
        scores.append(best)
    return {"teds": sum(scores) / len(scores), "tables_found": float(len(predicted))}


def olmocr_scores(tests: list[dict[str, Any]], markdown: str) -> dict[str, float | None]:
    result = _metric("olmocr", tests, markdown)
    total = int(result.details["checks"]) - int(result.details.get("skipped", 0))
    passed = int(result.details["passed"])
    return {"olmocr_pass_rate": result.value, "olmocr_passed": float(passed), "olmocr_total": float(total)}


def table_html(table: Table) -> str:
    """A document-model table as PubTabNet-style HTML: header rows as ``<td>`` inside ``<thead>``.

    PubTabNet's TEDS compares tags, so ``<th>`` would never match its ground truth's ``<td>``.
    """
    by_row: dict[int, list[Any]] = {}
    for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
        by_row.setdefault(cell.row, []).append(cell)
    head, body = [], []
    for row in range(table.rows):
        cells = by_row.get(row, [])
        tds = []
        for cell in cells:
            spans = (f' rowspan="{cell.row_span}"' if cell.row_span > 1 else "") + (
                f' colspan="{cell.col_span}"' if cell.col_span > 1 else ""
            )
            tds.append(f"<td{spans}>{html.escape(cell.text)}</td>")
        is_header = bool(cells) and all(c.header for c in cells) and not body
        (head if is_header else body).append("<tr>" + "".join(tds) + "</tr>")
    thead = f"<thead>{''.join(head)}</thead>" if head else ""
    return f"<table>{thead}<tbody>{''.join(body)}</tbody></table>"
