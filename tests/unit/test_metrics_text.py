"""Text metrics: CER/WER/MER/WIL equal jiwer 4's; NED, ISRI accuracies, reading order; normalisations."""

from __future__ import annotations

import jiwer
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocrops.errors import BadParameter
from ocrops.evaluate import (
    NORMALISATIONS,
    Compose,
    compute_metrics,
    normaliser_from_names,
    normaliser_from_spec,
)
from ocrops.evaluate.metrics import METRICS, get_metric
from ocrops.evaluate.metrics.isri import character_accuracy, isri_words, word_accuracy
from ocrops.evaluate.metrics.ned import normalized_edit_distance
from ocrops.evaluate.metrics.reading_order import reading_order_score
from ocrops.evaluate.metrics.text import AlignmentCounts, cer, measure_text, mer, wer, wil
from ocrops.evaluate.normalise import normalise_amount, normalise_date, omnidocbench_clean, strip_markdown

# Small alphabets make substitutions, repeated words and whitespace runs likely.
texts = st.text(alphabet="ab c\n\t.é", max_size=30)
pairs = st.lists(st.tuples(texts, texts), min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(texts, texts)
def test_cer_and_counts_equal_jiwer_on_one_pair(reference: str, hypothesis: str) -> None:
    counts = measure_text(reference, hypothesis, "char")
    expected = jiwer.process_characters(reference, hypothesis)
    assert (counts.hits, counts.substitutions, counts.deletions, counts.insertions) == (
        expected.hits,
        expected.substitutions,
        expected.deletions,
        expected.insertions,
    )
    assert counts.cer == pytest.approx(jiwer.cer(reference, hypothesis), abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(texts, texts)
def test_word_rates_equal_jiwer_on_one_pair(reference: str, hypothesis: str) -> None:
    counts = measure_text(reference, hypothesis, "word")
    expected = jiwer.process_words(reference, hypothesis)
    assert (counts.hits, counts.substitutions, counts.deletions, counts.insertions) == (
        expected.hits,
        expected.substitutions,
        expected.deletions,
        expected.insertions,
    )
    assert counts.wer == pytest.approx(expected.wer, abs=1e-9)
    assert counts.mer == pytest.approx(expected.mer, abs=1e-9)
    assert counts.wil == pytest.approx(expected.wil, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(pairs)
def test_pooled_rates_equal_jiwer_on_lists(pair_list: list[tuple[str, str]]) -> None:
    references, hypotheses = [r for r, _ in pair_list], [h for _, h in pair_list]
    assert cer(references, hypotheses) == pytest.approx(jiwer.cer(references, hypotheses), abs=1e-9)
    expected = jiwer.process_words(references, hypotheses)
    assert wer(references, hypotheses) == pytest.approx(expected.wer, abs=1e-9)
    assert mer(references, hypotheses) == pytest.approx(expected.mer, abs=1e-9)
    assert wil(references, hypotheses) == pytest.approx(expected.wil, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(pairs)
def test_counts_pool_by_addition(pair_list: list[tuple[str, str]]) -> None:
    pooled = measure_text([r for r, _ in pair_list], [h for _, h in pair_list], "word")
    summed = sum((measure_text(r, h, "word") for r, h in pair_list[1:]), measure_text(*pair_list[0], "word"))
    assert summed == pooled


# reference, hypothesis, CER, WER: jiwer 4's own answers, checked against jiwer below.
EDGE_CASES = [
    ("", "", 0.0, 0.0),  # both empty: no error
    ("", "abc", 3.0, 1.0),  # empty reference: the rate is the insertion count
    ("", "a b", 3.0, 2.0),
    ("abc", "", 1.0, 1.0),  # empty hypothesis: everything deleted
    ("   ", "a", 1.0, 1.0),  # whitespace-only reference strips to empty
    ("a b", "a  b", 1 / 3, 0.0),  # CER keeps the extra space; WER merges space runs
    ("a\nb", "a b", 1 / 3, 2.0),  # CER keeps newlines; a single newline does not split words
    (" abc ", "abc", 0.0, 0.0),  # leading/trailing whitespace is stripped
    ("the cat", "the cat", 0.0, 0.0),
    ("kitten", "sitting", 3 / 6, 1.0),
]


@pytest.mark.parametrize(("reference", "hypothesis", "expected_cer", "expected_wer"), EDGE_CASES)
def test_edge_cases(reference: str, hypothesis: str, expected_cer: float, expected_wer: float) -> None:
    assert cer(reference, hypothesis) == pytest.approx(expected_cer)
    assert wer(reference, hypothesis) == pytest.approx(expected_wer)
    assert jiwer.cer(reference, hypothesis) == pytest.approx(expected_cer)
    assert jiwer.wer(reference, hypothesis) == pytest.approx(expected_wer)


def test_empty_reference_mer_and_wil_as_jiwer() -> None:
    assert (mer("", ""), wil("", "")) == (0.0, 0.0)
    assert (mer("", "x"), wil("", "x")) == (1.0, 1.0)
    assert (mer("x", ""), wil("x", "")) == (1.0, 1.0)


def test_normaliser_is_explicit_and_recorded() -> None:
    assert cer("Hello World", "hello world") == pytest.approx(2 / 11)
    counts = measure_text("Hello World", "hello world", "char", normaliser="lowercase")
    assert counts.cer == 0.0
    assert counts.normalisation == ("lowercase",)
    assert wer("a\nb", "a b", normaliser=["collapse_whitespace"]) == 0.0


def test_counts_guard_their_unit_and_inputs() -> None:
    with pytest.raises(BadParameter, match="needs word counts"):
        _ = measure_text("a", "b", "char").wer
    with pytest.raises(BadParameter, match="pair up"):
        measure_text(["a", "b"], ["a"])
    with pytest.raises(BadParameter, match="unit"):
        measure_text("a", "b", "line")  # type: ignore[arg-type]
    with pytest.raises(BadParameter):
        AlignmentCounts("char") + AlignmentCounts("word")


def test_registry_entries_are_named_after_their_key_and_compute() -> None:
    for name in METRICS:
        assert get_metric(name).name == name
    results = compute_metrics(["cer", "wer", "ned"], ["abc def"], ["abd def"], normaliser="lowercase")
    assert [r.metric for r in results] == ["cer", "wer", "ned"]
    assert results[0].value == pytest.approx(1 / 7)
    assert results[1].value == pytest.approx(1 / 2)
    assert results[1].details["substitutions"] == 1
    assert all(r.normalisation == ["lowercase"] for r in results)
    with pytest.raises(BadParameter, match="unknown metric"):
        get_metric("bleu")


# --- normalised edit distance, ISRI, reading order -------------------------------------------


@pytest.mark.parametrize(
    ("reference", "hypothesis", "expected"),
    [("", "", 0.0), ("abc", "", 1.0), ("", "ab", 1.0), ("abcd", "abce", 0.25), ("ab", "abcd", 0.5)],
)
def test_normalized_edit_distance(reference: str, hypothesis: str, expected: float) -> None:
    assert normalized_edit_distance(reference, hypothesis) == pytest.approx(expected)


def test_ned_with_omnidocbench_cleaning_ignores_spaces_and_punctuation() -> None:
    assert normalized_edit_distance("Hello, world!\n", "Hello world", normaliser="omnidocbench") == 0.0
    result = get_metric("ned")(["ab", "abcd"], ["ab", "abce"])
    assert result.value == pytest.approx(0.125)  # mean of 0 and 0.25
    assert result.details["pooled"] == pytest.approx(1 / 6)


def test_isri_character_accuracy_can_go_negative() -> None:
    assert character_accuracy("hello", "helo") == pytest.approx(0.8)
    assert character_accuracy("ab", "abcdefg") == pytest.approx(-1.5)  # 5 insertions on 2 characters
    assert character_accuracy("", "") == 1.0
    assert character_accuracy(["ab", "cd"], ["ab", "xd"]) == pytest.approx(0.75)


def test_isri_word_accuracy_counts_words_found_in_order() -> None:
    assert isri_words("Don't stop: 3.14, 1,000 — 東京") == ["Don't", "stop", "3.14", "1,000", "東", "京"]
    assert word_accuracy("the cat sat down", "the sat cat down") == pytest.approx(3 / 4)
    assert word_accuracy("The cat", "the cat") == pytest.approx(1 / 2)
    assert word_accuracy("The cat", "the cat", normaliser="lowercase") == 1.0
    assert word_accuracy("", "anything") == 1.0


@pytest.mark.parametrize(
    ("reference", "predicted", "expected"),
    [([], [], 1.0), ([1, 2, 3], [1, 2, 3], 1.0), ([1, 2, 3], [1, 3, 2], 1 / 3), (["a", "b"], [], 0.0)],
)
def test_reading_order_score(reference: list, predicted: list, expected: float) -> None:
    assert reading_order_score(reference, predicted) == pytest.approx(expected)


def test_reading_order_refuses_a_text_normaliser() -> None:
    with pytest.raises(BadParameter, match="no text normalisation"):
        get_metric("reading_order")([[1]], [[1]], normaliser="lowercase")


# --- normalisations -----------------------------------------------------------------------------


@pytest.mark.parametrize("names", [[], ["nfkc", "lowercase"], list(NORMALISATIONS)])
def test_normaliser_names_round_trip(names: list[str]) -> None:
    normaliser = normaliser_from_names(names)
    assert normaliser.spec == names
    assert normaliser_from_spec(normaliser.name) == normaliser
    assert normaliser_from_spec(normaliser.spec) == normaliser


def test_normalisers_compose_in_order() -> None:
    normaliser = Compose(["strip_markdown", "collapse_whitespace", "strip", "casefold", "remove_punctuation"])
    assert normaliser("# Title\n\n**Bold**, [link](http://x)!") == "title bold link"
    assert normaliser_from_names(["nfkc"])("ﬁ①") == "fi1"
    with pytest.raises(BadParameter, match="unknown normalisation"):
        normaliser_from_names(["nope"])


def test_strip_markdown_keeps_table_and_code_text() -> None:
    markdown = "| a | b |\n|---|:-:|\n| 1 | 2 |\n\n```py\nx_y = 1\n```\n![img](p.png) <b>x</b><br>y"
    assert strip_markdown(markdown).split() == ["a", "b", "1", "2", "x_y", "=", "1", "x", "y"]


def test_omnidocbench_clean_matches_its_definition() -> None:
    assert omnidocbench_clean("Hello, world!\\n 你好。 a_b\t3.5") == "Helloworld你好a_b35"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("RM 9.00", "9.00"), ("$8.2", "8.20"), ("1,234.5", "1234.50"), ("12,50", "12.50"), ("TOTAL", "TOTAL")],
)
def test_amount_normalisation(text: str, expected: str) -> None:
    assert normalise_amount(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25/12/2018", "2018-12-25"),
        ("12/28/2017", "2017-12-28"),  # month first only because day 28 month 12 fails the other way
        ("01-03-18", "2018-03-01"),
        ("03 MAR 2018", "2018-03-03"),
        ("Date: 18.03.2018 10:22", "2018-03-18"),
        ("Mar 5, 2018", "2018-03-05"),
        ("2018-03-23", "2018-03-23"),
        ("no date", "no date"),
    ],
)
def test_date_normalisation(text: str, expected: str) -> None:
    assert normalise_date(text) == expected
