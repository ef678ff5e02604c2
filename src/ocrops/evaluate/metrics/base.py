"""What every metric returns, and the shape of a metric in the registry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ocrops.errors import BadParameter
from ocrops.evaluate.normalise import IDENTITY, Compose, normaliser_from_spec


@dataclass(frozen=True)
class MetricResult:
    """One metric's value over a set of (reference, hypothesis) pairs.

    ``normalisation`` is the spec of the normaliser applied to both sides before scoring
    (``[]`` when none); ``details`` holds the counts the value was derived from.
    """

    metric: str
    value: float
    higher_is_better: bool
    normalisation: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "value": self.value,
            "higher_is_better": self.higher_is_better,
            "normalisation": list(self.normalisation),
            "details": dict(self.details),
        }


@runtime_checkable
class Metric(Protocol):
    """A pure function over paired references and hypotheses (one item per document or page)."""

    name: str
    higher_is_better: bool

    def __call__(
        self,
        references: Sequence[Any],
        hypotheses: Sequence[Any],
        *,
        normaliser: Compose | Sequence[str] | str | None = None,
    ) -> MetricResult: ...


def check_pairs(references: Sequence[Any], hypotheses: Sequence[Any]) -> None:
    if len(references) != len(hypotheses):
        raise BadParameter(
            f"{len(references)} references but {len(hypotheses)} hypotheses: they must pair up"
        )


def no_normaliser(metric: str, normaliser: Compose | Sequence[str] | str | None) -> None:
    """For metrics whose inputs are not free text (trees, id sequences): refuse a normaliser."""
    if normaliser_from_spec(normaliser) != IDENTITY:
        raise BadParameter(f"metric {metric!r} takes no text normalisation")
