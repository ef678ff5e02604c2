"""Normalised edit distance as OmniDocBench computes it for text.

``Levenshtein(prediction, ground_truth) / max(len(prediction), len(ground_truth))``, 0
when both are empty, after the caller's explicit normalisation (OmniDocBench cleans both
sides with its ``clean_string``: pass ``normaliser="omnidocbench"``). Lower is better.

Over several pairs :data:`NED` reports the mean of the per-pair values (OmniDocBench's
page average) and, in ``details``, the pooled value ``sum(distances) / sum(max lengths)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from ocrops.evaluate.metrics.base import MetricResult, check_pairs
from ocrops.evaluate.normalise import Compose, normaliser_from_spec

NormaliserLike = Compose | Sequence[str] | str | None


def normalized_edit_distance(reference: str, hypothesis: str, *, normaliser: NormaliserLike = None) -> float:
    norm = normaliser_from_spec(normaliser)
    distance, longest = _distance(norm(reference), norm(hypothesis))
    return distance / longest if longest else 0.0


def _distance(reference: str, hypothesis: str) -> tuple[int, int]:
    return Levenshtein.distance(hypothesis, reference), max(len(reference), len(hypothesis))


@dataclass(frozen=True)
class NormalizedEditDistance:
    name: str = "ned"
    higher_is_better: bool = False

    def __call__(
        self, references: Sequence[str], hypotheses: Sequence[str], *, normaliser: NormaliserLike = None
    ) -> MetricResult:
        check_pairs(references, hypotheses)
        norm = normaliser_from_spec(normaliser)
        pairs = [_distance(norm(ref), norm(hyp)) for ref, hyp in zip(references, hypotheses, strict=True)]
        per_pair = [distance / longest if longest else 0.0 for distance, longest in pairs]
        total_distance = sum(distance for distance, _ in pairs)
        total_length = sum(longest for _, longest in pairs)
        return MetricResult(
            metric=self.name,
            value=sum(per_pair) / len(per_pair) if per_pair else 0.0,
            higher_is_better=False,
            normalisation=norm.spec,
            details={
                "pairs": len(per_pair),
                "distance": total_distance,
                "max_length": total_length,
                "pooled": total_distance / total_length if total_length else 0.0,
            },
        )


NED = NormalizedEditDistance()
