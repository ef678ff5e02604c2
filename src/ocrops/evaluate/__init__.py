"""Evaluation: explicit normalisations and pure metric functions.

``ocrops.evaluate.normalise`` holds the named normalisation steps;
``ocrops.evaluate.metrics`` the metric registry and one module per family of metrics
(text rates, normalised edit distance, ISRI accuracies, SROIE fields, TEDS, olmOCR-bench
checks, reading order). Metrics never normalise on their own: the caller passes a
normaliser and its spec is recorded with every result.
"""

from __future__ import annotations

from ocrops.evaluate.metrics import METRICS, compute_metrics, get_metric
from ocrops.evaluate.metrics.base import Metric, MetricResult
from ocrops.evaluate.normalise import (
    IDENTITY,
    NORMALISATIONS,
    Compose,
    normaliser_from_names,
    normaliser_from_spec,
    register_normalisation,
)

__all__ = [
    "IDENTITY",
    "METRICS",
    "NORMALISATIONS",
    "Compose",
    "Metric",
    "MetricResult",
    "compute_metrics",
    "get_metric",
    "normaliser_from_names",
    "normaliser_from_spec",
    "register_normalisation",
]
