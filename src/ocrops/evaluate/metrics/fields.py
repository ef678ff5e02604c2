"""Information-extraction scores as in ICDAR 2019 SROIE.

Bag of words (task 2): each text is a multiset of whitespace-separated words; matched
words = the multiset intersection; precision = matched / predicted words, recall =
matched / ground-truth words, F1 their harmonic mean.

Key fields (task 3): a document is a mapping field name -> value. A predicted field is
correct only when the ground truth has the same field name and the two values are equal
after that field's normalisation (named steps, recorded in the result). Empty values
count as absent. Precision = correct / predicted fields, recall = correct / ground-truth
fields.

Both are pooled (micro-averaged) over documents, as SROIE scores: counts are summed
first. Edge cases: with nothing predicted, precision is 1 if nothing was expected and 0
otherwise; with nothing expected, recall is 1; F1 is 0 when precision + recall is 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ocrops.evaluate.metrics.base import MetricResult, check_pairs
from ocrops.evaluate.normalise import Compose, normaliser_from_spec

NormaliserLike = Compose | Sequence[str] | str | None

#: Per-field normalisation for SROIE's four fields; other fields use the default.
SROIE_FIELD_NORMALISERS: dict[str, Compose] = {
    "total": Compose(["amount"]),
    "date": Compose(["date"]),
    "company": Compose(["collapse_whitespace", "strip", "casefold"]),
    "address": Compose(["collapse_whitespace", "strip", "casefold"]),
}
DEFAULT_FIELD_NORMALISER = Compose(["collapse_whitespace", "strip", "casefold"])


@dataclass(frozen=True)
class PRF:
    """Matched, predicted and expected counts; precision, recall and F1 derive from them."""

    matched: int = 0
    predicted: int = 0
    expected: int = 0
    per_field: dict[str, PRF] = field(default_factory=dict)

    def __add__(self, other: PRF) -> PRF:
        per_field = dict(self.per_field)
        for name, counts in other.per_field.items():
            per_field[name] = per_field.get(name, PRF()) + counts
        return PRF(
            self.matched + other.matched,
            self.predicted + other.predicted,
            self.expected + other.expected,
            per_field,
        )

    @property
    def precision(self) -> float:
        if self.predicted == 0:
            return 1.0 if self.expected == 0 else 0.0
        return self.matched / self.predicted

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        precision, recall = self.precision, self.recall
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "matched": self.matched,
            "predicted": self.predicted,
            "expected": self.expected,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }
        if self.per_field:
            data["per_field"] = {name: counts.to_dict() for name, counts in sorted(self.per_field.items())}
        return data


def bag_of_words(
    references: Sequence[str] | str, hypotheses: Sequence[str] | str, *, normaliser: NormaliserLike = None
) -> PRF:
    refs = [references] if isinstance(references, str) else list(references)
    hyps = [hypotheses] if isinstance(hypotheses, str) else list(hypotheses)
    check_pairs(refs, hyps)
    norm = normaliser_from_spec(normaliser)
    total = PRF()
    for reference, hypothesis in zip(refs, hyps, strict=True):
        expected, predicted = Counter(norm(reference).split()), Counter(norm(hypothesis).split())
        total += PRF(sum((expected & predicted).values()), predicted.total(), expected.total())
    return total


def key_fields(
    references: Sequence[Mapping[str, str | None]] | Mapping[str, str | None],
    hypotheses: Sequence[Mapping[str, str | None]] | Mapping[str, str | None],
    *,
    field_normalisers: Mapping[str, Compose] | None = None,
    default: NormaliserLike = None,
) -> PRF:
    """Key-field counts; ``field_normalisers`` defaults to :data:`SROIE_FIELD_NORMALISERS`,
    ``default`` (for other fields) to :data:`DEFAULT_FIELD_NORMALISER`."""
    refs = [references] if isinstance(references, Mapping) else list(references)
    hyps = [hypotheses] if isinstance(hypotheses, Mapping) else list(hypotheses)
    check_pairs(refs, hyps)
    normalisers = SROIE_FIELD_NORMALISERS if field_normalisers is None else field_normalisers
    fallback = DEFAULT_FIELD_NORMALISER if default is None else normaliser_from_spec(default)
    total = PRF()
    for reference, hypothesis in zip(refs, hyps, strict=True):
        total += _document_fields(reference, hypothesis, normalisers, fallback)
    return total


def _document_fields(
    reference: Mapping[str, str | None],
    hypothesis: Mapping[str, str | None],
    normalisers: Mapping[str, Compose],
    fallback: Compose,
) -> PRF:
    def present(document: Mapping[str, str | None]) -> dict[str, str]:
        values = {name: normalisers.get(name, fallback)(value or "") for name, value in document.items()}
        return {name: value for name, value in values.items() if value.strip()}

    expected, predicted = present(reference), present(hypothesis)
    per_field = {
        name: PRF(
            int(name in expected and expected[name] == predicted.get(name)),
            int(name in predicted),
            int(name in expected),
        )
        for name in expected.keys() | predicted.keys()
    }
    return PRF(sum(c.matched for c in per_field.values()), len(predicted), len(expected), per_field)


@dataclass(frozen=True)
class BagOfWordsF1:
    name: str = "bow_f1"
    higher_is_better: bool = True

    def __call__(
        self, references: Sequence[str], hypotheses: Sequence[str], *, normaliser: NormaliserLike = None
    ) -> MetricResult:
        counts = bag_of_words(references, hypotheses, normaliser=normaliser)
        return MetricResult(
            self.name, counts.f1, True, normaliser_from_spec(normaliser).spec, counts.to_dict()
        )


@dataclass(frozen=True)
class KeyFieldF1:
    """Registry entry; ``normaliser`` (if given) replaces the default for fields without their own."""

    name: str = "key_field_f1"
    higher_is_better: bool = True

    def __call__(
        self,
        references: Sequence[Mapping[str, str | None]],
        hypotheses: Sequence[Mapping[str, str | None]],
        *,
        normaliser: NormaliserLike = None,
    ) -> MetricResult:
        fallback = DEFAULT_FIELD_NORMALISER if normaliser is None else normaliser_from_spec(normaliser)
        counts = key_fields(references, hypotheses, default=fallback)
        details = counts.to_dict()
        details["field_normalisation"] = {name: norm.spec for name, norm in SROIE_FIELD_NORMALISERS.items()}
        return MetricResult(self.name, counts.f1, True, fallback.spec, details)


BOW_F1 = BagOfWordsF1()
KEY_FIELD_F1 = KeyFieldF1()
