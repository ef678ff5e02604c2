"""The metric registry: name -> a pure function over paired references and hypotheses.

Every entry follows :class:`~ocrops.evaluate.metrics.base.Metric`: called as
``metric(references, hypotheses, normaliser=...)`` with one item per document or page, it
returns a :class:`~ocrops.evaluate.metrics.base.MetricResult`. What an item is depends on
the metric:

==================  =================================  ========================================
name                reference / hypothesis item        value
==================  =================================  ========================================
cer, wer, mer, wil  text                               pooled rate (jiwer 4), lower is better
ned                 text                               mean normalised edit distance (OmniDocBench)
char_accuracy       text                               ISRI character accuracy, pooled
word_accuracy       text                               ISRI word accuracy, pooled
bow_f1              text                               bag-of-words F1 (SROIE task 2), pooled
key_field_f1        dict field -> value                key-field F1 (SROIE task 3), pooled
teds                HTML table                         mean TEDS (PubTabNet)
teds_structure      HTML table                         mean structure-only TEDS
reading_order       sequence of block ids              mean 1 - normalised edit distance
olmocr              list of olmOCR-bench checks /      fraction of checks passed
                    the page's Markdown
==================  =================================  ========================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ocrops._registry import LazyRegistry
from ocrops.errors import BadParameter
from ocrops.evaluate.metrics.base import Metric, MetricResult
from ocrops.evaluate.normalise import Compose

__all__ = ["METRICS", "Metric", "MetricResult", "compute_metrics", "get_metric"]

METRICS: LazyRegistry[Metric] = LazyRegistry(
    "metric",
    {
        "cer": "ocrops.evaluate.metrics.text:CER",
        "wer": "ocrops.evaluate.metrics.text:WER",
        "mer": "ocrops.evaluate.metrics.text:MER",
        "wil": "ocrops.evaluate.metrics.text:WIL",
        "ned": "ocrops.evaluate.metrics.ned:NED",
        "char_accuracy": "ocrops.evaluate.metrics.isri:CHAR_ACCURACY",
        "word_accuracy": "ocrops.evaluate.metrics.isri:WORD_ACCURACY",
        "bow_f1": "ocrops.evaluate.metrics.fields:BOW_F1",
        "key_field_f1": "ocrops.evaluate.metrics.fields:KEY_FIELD_F1",
        "teds": "ocrops.evaluate.metrics.teds:TEDS",
        "teds_structure": "ocrops.evaluate.metrics.teds:TEDS_STRUCTURE",
        "reading_order": "ocrops.evaluate.metrics.reading_order:READING_ORDER",
        "olmocr": "ocrops.evaluate.metrics.olmocr:OLMOCR",
    },
)


def get_metric(name: str) -> Metric:
    if name not in METRICS:
        raise BadParameter(f"unknown metric {name!r}; choose from: {', '.join(METRICS.names())}")
    return METRICS.get(name)


def compute_metrics(
    names: Sequence[str],
    references: Sequence[Any],
    hypotheses: Sequence[Any],
    *,
    normaliser: Compose | Sequence[str] | str | None = None,
) -> list[MetricResult]:
    """Each named metric over the same pairs, with the same explicit normaliser."""
    metrics = [get_metric(name) for name in names]  # fail on a bad name before computing anything
    return [metric(references, hypotheses, normaliser=normaliser) for metric in metrics]
