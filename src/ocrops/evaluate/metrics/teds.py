"""TEDS: tree-edit-distance-based similarity of HTML tables (PubTabNet).

``TEDS = 1 - TED(prediction, ground truth) / max(nodes(prediction), nodes(ground truth))``
where the trees are the ``<table>`` elements found at ``body/table`` (lxml's HTML parser,
comments removed), every element below a ``<td>`` folds into the cell's content, and the
edit costs are PubTabNet's: insert and delete 1; rename 1 when tag, colspan or rowspan
differ, otherwise for two cells the normalised Levenshtein distance of their content
tokens (each character, plus ``<b>``/``</b>``-style tokens for inline tags), else 0. The
node count is the number of elements below ``<table>``, inline tags in cells included.
Structure-only TEDS ignores cell content. A missing or empty input, or HTML without a
``body/table``, scores 0, as in the reference; two tables with no elements below
``<table>`` (where the reference divides by zero) score 1. Unlike the reference, a bare
``<table>...</table>`` fragment is accepted and scored as if wrapped in
``<html><body>`` (the reference scores it 0). Header cells are not special: a ``<th>``
is a different tag from ``<td>`` and its text is not compared, exactly as in the
reference, so convert ``th`` to ``td`` (PubTabNet puts header cells in ``<thead>`` as
``<td>``) before scoring tables from sources that use ``<th>``.

Scores are identical to PubTabNet's reference implementation (``src/metric.py``): the
same parsing, tokens and APTED tree edit distance. It is faster because the rename cost
of every pair of distinct node labels is computed once, in C (rapidfuzz ``cdist`` on the
cell contents, each token mapped to one code point), instead of with the pure-Python
``distance`` package on every call APTED makes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ocrops.evaluate.metrics.base import MetricResult, check_pairs, no_normaliser
from ocrops.evaluate.normalise import Compose


class _Node:
    __slots__ = ("children", "label")

    def __init__(self, label: int) -> None:
        self.label = label
        self.children: list[_Node] = []


class _Labels:
    """Interns node labels (tag, colspan, rowspan, content) shared by both trees."""

    def __init__(self) -> None:
        self.index: dict[tuple[str, int | None, int | None, tuple[str, ...] | None], int] = {}

    def of(self, tag: str, colspan: int | None, rowspan: int | None, content: tuple[str, ...] | None) -> int:
        return self.index.setdefault((tag, colspan, rowspan, content), len(self.index))


def _cell_tokens(cell: Any) -> list[str]:
    """PubTabNet's ``tokenize`` of a ``<td>``, without the cell's own opening/closing tag."""
    tokens: list[str] = []

    def walk(node: Any, is_cell: bool) -> None:
        tokens.append(f"<{node.tag}>")
        if node.text is not None:
            tokens.extend(node.text)
        for child in node:
            walk(child, False)
        if node.tag != "unk":
            tokens.append(f"</{node.tag}>")
        if not is_cell and node.tail is not None:
            tokens.extend(node.tail)

    walk(cell, True)
    return tokens[1:-1]


def _build_tree(element: Any, labels: _Labels, structure_only: bool) -> _Node:
    if element.tag == "td":
        content = () if structure_only else tuple(_cell_tokens(element))
        colspan, rowspan = int(element.attrib.get("colspan", "1")), int(element.attrib.get("rowspan", "1"))
        return _Node(labels.of("td", colspan, rowspan, content))
    node = _Node(labels.of(element.tag, None, None, None))
    node.children = [_build_tree(child, labels, structure_only) for child in element]
    return node


def _rename_costs(labels: _Labels) -> list[list[float]]:
    """The rename cost of every pair of labels, as PubTabNet's ``CustomConfig.rename``."""
    import numpy as np
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import cdist

    keys = list(labels.index)
    size = len(keys)
    costs = np.ones((size, size))
    for position, key in enumerate(keys):  # a non-cell label is its tag alone: 0 only against itself
        if key[0] != "td":
            costs[position, position] = 0.0
    cells = [i for i, key in enumerate(keys) if key[0] == "td"]
    if cells:
        strings = _as_strings([keys[i][3] or () for i in cells])
        distances = cdist(strings, strings, scorer=Levenshtein.distance, dtype=np.int64)
        lengths = np.array([len(s) for s in strings])
        longest = np.maximum(lengths[:, None], lengths[None, :])
        normalised = np.divide(distances, longest, out=np.zeros(distances.shape), where=longest > 0)
        spans = [keys[i][1:3] for i in cells]
        same_spans = np.array([[a == b for b in spans] for a in spans])
        costs[np.ix_(cells, cells)] = np.where(same_spans, normalised, 1.0)
    return costs.tolist()


def _as_strings(contents: Sequence[tuple[str, ...]]) -> list[str]:
    """Token sequences -> strings with one code point per token (multi-character tokens such
    as ``<b>`` get private code points absent from the text), preserving edit distances."""
    used = {token for content in contents for token in content if len(token) == 1}
    codes: dict[str, str] = {}
    next_code = 0xF0000
    for token in sorted({token for content in contents for token in content if len(token) != 1}):
        while chr(next_code) in used:
            next_code += 1
        codes[token] = chr(next_code)
        next_code += 1
    return ["".join(codes.get(token, token) for token in content) for content in contents]


def _apted_distance(tree1: _Node, tree2: _Node, costs: list[list[float]]) -> float:
    from apted import APTED, Config

    class _Costs(Config):
        def rename(self, node1: _Node, node2: _Node) -> float:
            return costs[node1.label][node2.label]

        def children(self, node: _Node) -> list[_Node]:
            return node.children

    return APTED(tree1, tree2, _Costs()).compute_edit_distance()


def _table(html_text: str) -> Any | None:
    from lxml import html

    parser = html.HTMLParser(remove_comments=True, encoding="utf-8")
    root = html.fromstring(html_text, parser=parser)
    if root.tag == "table":  # a bare <table> fragment, as OmniDocBench and renderers give
        return root
    tables = root.xpath("body/table")
    return tables[0] if tables else None


def _count_elements(table: Any) -> int:
    from lxml import etree

    return sum(1 for _ in table.iterdescendants(etree.Element))


def teds(
    reference_html: str,
    hypothesis_html: str,
    *,
    structure_only: bool = False,
    ignore_nodes: Iterable[str] | None = None,
) -> float:
    """TEDS of a predicted table against the ground truth (both full HTML with ``body/table``)."""
    from lxml import etree

    if not hypothesis_html or not reference_html:
        return 0.0
    predicted, truth = _table(hypothesis_html), _table(reference_html)
    if predicted is None or truth is None:
        return 0.0
    if ignore_nodes:
        etree.strip_tags(predicted, *ignore_nodes)
        etree.strip_tags(truth, *ignore_nodes)
    nodes = max(_count_elements(predicted), _count_elements(truth))
    if nodes == 0:
        return 1.0
    labels = _Labels()
    tree_predicted = _build_tree(predicted, labels, structure_only)
    tree_truth = _build_tree(truth, labels, structure_only)
    distance = _apted_distance(tree_predicted, tree_truth, _rename_costs(labels))
    return 1.0 - float(distance) / nodes


@dataclass(frozen=True)
class TreeEditSimilarity:
    name: str = "teds"
    structure_only: bool = False
    higher_is_better: bool = True

    def __call__(
        self,
        references: Sequence[str],
        hypotheses: Sequence[str],
        *,
        normaliser: Compose | Sequence[str] | str | None = None,
    ) -> MetricResult:
        no_normaliser(self.name, normaliser)
        check_pairs(references, hypotheses)
        scores = [
            teds(ref, hyp, structure_only=self.structure_only)
            for ref, hyp in zip(references, hypotheses, strict=True)
        ]
        return MetricResult(
            metric=self.name,
            value=sum(scores) / len(scores) if scores else 0.0,
            higher_is_better=True,
            details={"tables": len(scores), "scores": scores},
        )


TEDS = TreeEditSimilarity()
TEDS_STRUCTURE = TreeEditSimilarity(name="teds_structure", structure_only=True)
