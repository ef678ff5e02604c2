"""ISRI / UNLV character and word accuracy, as reported by ocreval's ``accuracy`` and ``wordacc``.

Character accuracy = (n - errors) / n, n = characters of the ground truth, errors = the
Levenshtein distance (insertions + substitutions + deletions) between ground truth and
OCR text. Like ocreval's report it is not clamped: it goes negative when the OCR text
adds more characters than the ground truth has. ocreval prints ``------`` when n is 0;
here, following jiwer's convention for an empty reference, the accuracy is then
``1 - errors`` (1 when both are empty), so that accuracy is always ``1 - rate``. Every
character counts, whitespace included; ocreval finds its errors with a fast heuristic
alignment (``sync``), this module with the exact minimum, so counts can differ slightly
on long texts where ocreval's alignment is not optimal.

Word accuracy = (ground-truth words found in the OCR text in the same order) / (ground-
truth words): the length of the longest common subsequence of the two word sequences.
Words are found as ocreval does, approximately: Unicode word segments (UAX #29) that start
with a letter, digit or connector, after NFC; so ``don't``, ``3.14`` and ``1,000`` are one
word each, punctuation is not a word, and each CJK ideograph or hiragana character is a
word of its own. Case is compared as is: pass ``normaliser="lowercase"`` to ignore it.
Both accuracies are pooled over pairs (sums of counts, then the ratio).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import LCSseq, Levenshtein

from ocrops.evaluate.metrics.base import MetricResult, check_pairs
from ocrops.evaluate.normalise import Compose, normaliser_from_spec

NormaliserLike = Compose | Sequence[str] | str | None

_SINGLE = "\u3040-\u309f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # hiragana, CJK ideographs
_WORD = re.compile(
    rf"[{_SINGLE}]"
    rf"|[^\W{_SINGLE}]+"
    rf"(?:(?:(?<=[^\W\d_])['’.:·](?=[^\W\d_{_SINGLE}])|(?<=\d)[.,;'’](?=\d))[^\W{_SINGLE}]+)*"
)


def isri_words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", text))


def character_accuracy_counts(
    references: Sequence[str] | str, hypotheses: Sequence[str] | str, *, normaliser: NormaliserLike = None
) -> tuple[int, int]:
    """(characters, errors) pooled over pairs."""
    refs, hyps = _as_lists(references, hypotheses)
    norm = normaliser_from_spec(normaliser)
    characters = errors = 0
    for reference, hypothesis in zip(refs, hyps, strict=True):
        reference, hypothesis = norm(reference), norm(hypothesis)
        characters += len(reference)
        errors += Levenshtein.distance(reference, hypothesis)
    return characters, errors


def character_accuracy(
    references: Sequence[str] | str, hypotheses: Sequence[str] | str, *, normaliser: NormaliserLike = None
) -> float:
    characters, errors = character_accuracy_counts(references, hypotheses, normaliser=normaliser)
    return (characters - errors) / characters if characters else 1.0 - errors


def word_accuracy_counts(
    references: Sequence[str] | str, hypotheses: Sequence[str] | str, *, normaliser: NormaliserLike = None
) -> tuple[int, int]:
    """(ground-truth words, words found in order) pooled over pairs."""
    refs, hyps = _as_lists(references, hypotheses)
    norm = normaliser_from_spec(normaliser)
    words = found = 0
    for reference, hypothesis in zip(refs, hyps, strict=True):
        ref_words, hyp_words = isri_words(norm(reference)), isri_words(norm(hypothesis))
        words += len(ref_words)
        found += LCSseq.similarity(ref_words, hyp_words)
    return words, found


def word_accuracy(
    references: Sequence[str] | str, hypotheses: Sequence[str] | str, *, normaliser: NormaliserLike = None
) -> float:
    """Fraction of ground-truth words found in order; 1 when the ground truth has no words."""
    words, found = word_accuracy_counts(references, hypotheses, normaliser=normaliser)
    return found / words if words else 1.0


def _as_lists(
    references: Sequence[str] | str, hypotheses: Sequence[str] | str
) -> tuple[list[str], list[str]]:
    refs = [references] if isinstance(references, str) else list(references)
    hyps = [hypotheses] if isinstance(hypotheses, str) else list(hypotheses)
    check_pairs(refs, hyps)
    return refs, hyps


@dataclass(frozen=True)
class CharacterAccuracy:
    name: str = "char_accuracy"
    higher_is_better: bool = True

    def __call__(
        self, references: Sequence[str], hypotheses: Sequence[str], *, normaliser: NormaliserLike = None
    ) -> MetricResult:
        characters, errors = character_accuracy_counts(references, hypotheses, normaliser=normaliser)
        return MetricResult(
            metric=self.name,
            value=(characters - errors) / characters if characters else 1.0 - errors,
            higher_is_better=True,
            normalisation=normaliser_from_spec(normaliser).spec,
            details={"characters": characters, "errors": errors},
        )


@dataclass(frozen=True)
class WordAccuracy:
    name: str = "word_accuracy"
    higher_is_better: bool = True

    def __call__(
        self, references: Sequence[str], hypotheses: Sequence[str], *, normaliser: NormaliserLike = None
    ) -> MetricResult:
        words, found = word_accuracy_counts(references, hypotheses, normaliser=normaliser)
        return MetricResult(
            metric=self.name,
            value=found / words if words else 1.0,
            higher_is_better=True,
            normalisation=normaliser_from_spec(normaliser).spec,
            details={"words": words, "found": found},
        )


CHAR_ACCURACY = CharacterAccuracy()
WORD_ACCURACY = WordAccuracy()
