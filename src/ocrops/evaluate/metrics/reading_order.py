"""Reading-order score: 1 - normalised edit distance between block-id sequences.

The reference and the prediction are the page's block ids (any hashable: ints, strings)
in reading order; the score is ``1 - Levenshtein(pred, ref) / max(len(pred), len(ref))``,
1 when both are empty. Higher is better; over several pages :data:`READING_ORDER`
reports the mean.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from ocrops.evaluate.metrics.base import MetricResult, check_pairs, no_normaliser
from ocrops.evaluate.normalise import Compose


def reading_order_score(reference_ids: Sequence[Hashable], predicted_ids: Sequence[Hashable]) -> float:
    longest = max(len(reference_ids), len(predicted_ids))
    if longest == 0:
        return 1.0
    return 1.0 - Levenshtein.distance(list(predicted_ids), list(reference_ids)) / longest


@dataclass(frozen=True)
class ReadingOrder:
    name: str = "reading_order"
    higher_is_better: bool = True

    def __call__(
        self,
        references: Sequence[Sequence[Hashable]],
        hypotheses: Sequence[Sequence[Hashable]],
        *,
        normaliser: Compose | Sequence[str] | str | None = None,
    ) -> MetricResult:
        no_normaliser(self.name, normaliser)
        check_pairs(references, hypotheses)
        scores = [reading_order_score(ref, hyp) for ref, hyp in zip(references, hypotheses, strict=True)]
        return MetricResult(
            metric=self.name,
            value=sum(scores) / len(scores) if scores else 1.0,
            higher_is_better=True,
            details={"pages": len(scores), "min": min(scores, default=1.0)},
        )


READING_ORDER = ReadingOrder()
