"""SROIE-style scores: bag-of-words and key-field precision/recall/F1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocrops.evaluate import Compose
from ocrops.evaluate.metrics import get_metric
from ocrops.evaluate.metrics.fields import PRF, bag_of_words, key_fields

GROUND_TRUTH = {
    "company": "BOOK TA .K (TAMAN DAYA) SDN BHD",
    "date": "25/12/2018",
    "total": "9.00",
    "address": "",
}


def test_amount_and_date_normalisation_make_fields_match() -> None:
    predicted = {"company": "book ta .k  (taman daya) sdn bhd", "date": "25-12-18", "total": "RM 9.00"}
    counts = key_fields(GROUND_TRUTH, predicted)
    assert (counts.matched, counts.predicted, counts.expected) == (3, 3, 3)  # empty address is absent
    assert counts.f1 == 1.0


def test_a_field_needs_both_name_and_value() -> None:
    predicted = {
        "company": "BOOK TA .K (TAMAN DAYA) SDN BHD",
        "total": "9.10",
        "date": "",
        "store": "25/12/2018",
    }
    counts = key_fields(GROUND_TRUTH, predicted)
    assert (counts.matched, counts.predicted, counts.expected) == (1, 3, 3)
    assert counts.precision == pytest.approx(1 / 3)
    assert counts.recall == pytest.approx(1 / 3)
    assert counts.per_field["total"].to_dict()["matched"] == 0
    assert counts.per_field["store"].predicted == 1


def test_without_the_amount_normalisation_currency_marks_count() -> None:
    counts = key_fields(GROUND_TRUTH, {"total": "RM 9.00"}, field_normalisers={"total": Compose(["strip"])})
    assert counts.matched == 0


def test_key_fields_pool_over_documents() -> None:
    references = [{"total": "1.00", "date": "01/01/2019"}, {"total": "2.00"}]
    hypotheses = [{"total": "1.00"}, {"total": "2.50", "date": "02/01/2019"}]
    counts = key_fields(references, hypotheses)
    assert (counts.matched, counts.predicted, counts.expected) == (1, 3, 3)
    result = get_metric("key_field_f1")(references, hypotheses)
    assert result.value == pytest.approx(1 / 3)
    assert result.details["field_normalisation"]["total"] == ["amount"]


def test_bag_of_words_is_a_multiset_match() -> None:
    counts = bag_of_words("TOTAL 9.00 9.00 CASH", "total 9.00 CASH CASH extra")
    assert (counts.matched, counts.predicted, counts.expected) == (2, 5, 4)  # one 9.00, one CASH
    assert counts.f1 == pytest.approx(2 * 0.4 * 0.5 / 0.9)
    assert bag_of_words("TOTAL", "total", normaliser="lowercase").f1 == 1.0


@pytest.mark.parametrize(
    ("counts", "precision", "recall", "f1"),
    [
        (PRF(0, 0, 0), 1.0, 1.0, 1.0),  # nothing expected, nothing predicted
        (PRF(0, 0, 2), 0.0, 0.0, 0.0),  # nothing predicted
        (PRF(0, 2, 0), 0.0, 1.0, 0.0),  # nothing expected
        (PRF(1, 2, 4), 0.5, 0.25, 1 / 3),
    ],
)
def test_prf_edge_cases(counts: PRF, precision: float, recall: float, f1: float) -> None:
    assert (counts.precision, counts.recall) == (precision, recall)
    assert counts.f1 == pytest.approx(f1)


@pytest.mark.datasets
def test_sroie_ground_truth_matches_its_own_box_text(datasets_dir: Path) -> None:
    """Each receipt's total and date, searched in its own OCR lines, match under the normalisations."""
    folder = datasets_dir / "sroie"
    references, hypotheses = [], []
    for key_file in sorted((folder / "key").glob("*.json"))[:20]:
        key = json.loads(key_file.read_text(encoding="utf-8"))
        lines = [
            line.split(",", 8)[8]
            for line in (folder / "box" / f"{key_file.stem}.csv").read_text(encoding="utf-8").splitlines()
            if line.count(",") >= 8
        ]
        references.append({"date": key["date"]})
        hypotheses.append({"date": next((line for line in lines if key["date"] in line), "")})
    counts = key_fields(references, hypotheses)
    assert counts.expected == 20
    assert counts.recall == counts.precision == 1.0
