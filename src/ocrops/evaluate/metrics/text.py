"""CER, WER, MER and WIL, defined exactly as in jiwer 4.

One alignment pass per pair (rapidfuzz ``Levenshtein.editops``, the alignment jiwer
itself uses) gives hits, substitutions, deletions and insertions; the counts are summed
over all pairs ("pooled") and every rate is derived from the sums:

* error rate (CER over characters, WER over words) = (S + D + I) / (H + S + D)
* MER = (S + D + I) / (H + S + D + I)
* WIL = 1 - WIP, WIP = (H / reference length) * (H / hypothesis length)

Empty references, as in jiwer 4: when the pooled reference is empty the error rate is
the number of insertions (0 when the hypothesis is empty too), MER is 1 (0 if both are
empty) and WIL is 1 (0 if both are empty). An empty hypothesis against a non-empty
reference gives error rate 1, MER 1, WIL 1.

Tokenisation is jiwer's default, so the numbers match ``jiwer.cer``/``jiwer.wer``:

* characters (jiwer ``cer_default``): the text stripped of leading and trailing
  whitespace, then every character, spaces and newlines included, is a token;
* words (jiwer ``wer_default``): runs of two or more whitespace characters become one
  space, the text is stripped and split on ``" "``. A single newline or tab between two
  words does not split them (jiwer's behaviour); compose ``collapse_whitespace`` into the
  normaliser to split on every kind of whitespace.

Any other normalisation (case, punctuation, Unicode forms...) is the caller's explicit
``normaliser``, applied to both sides and recorded in the result.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from rapidfuzz.distance import Levenshtein

from ocrops.errors import BadParameter
from ocrops.evaluate.metrics.base import MetricResult, check_pairs
from ocrops.evaluate.normalise import Compose, normaliser_from_spec

Unit = Literal["char", "word"]
NormaliserLike = Compose | Sequence[str] | str | None

_MULTIPLE_SPACES = re.compile(r"\s\s+")


@dataclass(frozen=True, slots=True)
class AlignmentCounts:
    """Edit-operation counts of one or more aligned pairs; all rates derive from these."""

    unit: Unit
    hits: int = 0
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0
    reference_length: int = 0  # H + S + D
    hypothesis_length: int = 0  # H + S + I
    pairs: int = 0
    normalisation: tuple[str, ...] = ()

    def __add__(self, other: AlignmentCounts) -> AlignmentCounts:
        if (self.unit, self.normalisation) != (other.unit, other.normalisation):
            raise BadParameter("cannot pool counts of different units or normalisations")
        return replace(
            self,
            hits=self.hits + other.hits,
            substitutions=self.substitutions + other.substitutions,
            deletions=self.deletions + other.deletions,
            insertions=self.insertions + other.insertions,
            reference_length=self.reference_length + other.reference_length,
            hypothesis_length=self.hypothesis_length + other.hypothesis_length,
            pairs=self.pairs + other.pairs,
        )

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def error_rate(self) -> float:
        """(S + D + I) / (H + S + D); the insertion count when the reference is empty."""
        if self.reference_length == 0:
            return float(self.insertions)
        return self.errors / self.reference_length

    @property
    def cer(self) -> float:
        self._require("char", "cer")
        return self.error_rate

    @property
    def wer(self) -> float:
        self._require("word", "wer")
        return self.error_rate

    @property
    def mer(self) -> float:
        if self.reference_length == 0:
            return 0.0 if self.hypothesis_length == 0 else 1.0
        return self.errors / (self.hits + self.substitutions + self.deletions + self.insertions)

    @property
    def wip(self) -> float:
        if self.reference_length == 0:
            return 1.0 if self.hypothesis_length == 0 else 0.0
        if self.hypothesis_length == 0:
            return 0.0
        return (self.hits / self.reference_length) * (self.hits / self.hypothesis_length)

    @property
    def wil(self) -> float:
        return 1 - self.wip

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["normalisation"] = list(self.normalisation)
        data.update(error_rate=self.error_rate, mer=self.mer, wil=self.wil, wip=self.wip)
        return data

    def _require(self, unit: Unit, rate: str) -> None:
        if self.unit != unit:
            raise BadParameter(f"{rate} needs {unit} counts; these counts are over {self.unit}s")


def jiwer_words(text: str) -> list[str]:
    """jiwer's ``wer_default``: RemoveMultipleSpaces, Strip, split on single spaces."""
    return [word for word in _MULTIPLE_SPACES.sub(" ", text).strip().split(" ") if word]


def _words_as_chars(reference: list[str], hypothesis: list[str]) -> tuple[str, str]:
    """Each distinct word -> one code point, so rapidfuzz aligns plain strings (fast)."""
    ids: dict[str, str] = {}
    ref = "".join(ids.setdefault(word, chr(len(ids))) for word in reference)
    hyp = "".join(ids.setdefault(word, chr(len(ids))) for word in hypothesis)
    return ref, hyp


def _align(reference: str, hypothesis: str) -> tuple[int, int, int]:
    """(substitutions, deletions, insertions) of rapidfuzz's Levenshtein alignment."""
    substitutions = deletions = insertions = 0
    for tag, _, _ in Levenshtein.editops(reference, hypothesis):
        if tag == "replace":
            substitutions += 1
        elif tag == "delete":
            deletions += 1
        else:
            insertions += 1
    return substitutions, deletions, insertions


def _tokens(text: str, unit: Unit) -> str | list[str]:
    return text.strip() if unit == "char" else jiwer_words(text)


def measure_text(
    references: Sequence[str] | str,
    hypotheses: Sequence[str] | str,
    unit: Unit = "char",
    *,
    normaliser: NormaliserLike = None,
) -> AlignmentCounts:
    """Pooled alignment counts over paired texts (a single pair may be given as two strings)."""
    if unit not in ("char", "word"):
        raise BadParameter(f"unit must be 'char' or 'word', not {unit!r}")
    references, hypotheses = _as_lists(references, hypotheses)
    norm = normaliser_from_spec(normaliser)
    subs = dels = ins = ref_len = hyp_len = 0
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        ref_tokens, hyp_tokens = _tokens(norm(reference), unit), _tokens(norm(hypothesis), unit)
        ref_len += len(ref_tokens)
        hyp_len += len(hyp_tokens)
        if isinstance(ref_tokens, list):
            ref_tokens, hyp_tokens = _words_as_chars(ref_tokens, hyp_tokens)  # type: ignore[arg-type]
        s, d, i = _align(ref_tokens, hyp_tokens)  # type: ignore[arg-type]
        subs, dels, ins = subs + s, dels + d, ins + i
    return AlignmentCounts(
        unit=unit,
        hits=ref_len - subs - dels,
        substitutions=subs,
        deletions=dels,
        insertions=ins,
        reference_length=ref_len,
        hypothesis_length=hyp_len,
        pairs=len(references),
        normalisation=tuple(norm.spec),
    )


def _as_lists(
    references: Sequence[str] | str, hypotheses: Sequence[str] | str
) -> tuple[list[str], list[str]]:
    if isinstance(references, str) != isinstance(hypotheses, str):
        raise BadParameter("give two strings or two sequences of strings, not one of each")
    refs = [references] if isinstance(references, str) else list(references)
    hyps = [hypotheses] if isinstance(hypotheses, str) else list(hypotheses)
    check_pairs(refs, hyps)
    return refs, hyps


def cer(
    reference: Sequence[str] | str, hypothesis: Sequence[str] | str, *, normaliser: NormaliserLike = None
) -> float:
    return measure_text(reference, hypothesis, "char", normaliser=normaliser).error_rate


def wer(
    reference: Sequence[str] | str, hypothesis: Sequence[str] | str, *, normaliser: NormaliserLike = None
) -> float:
    return measure_text(reference, hypothesis, "word", normaliser=normaliser).error_rate


def mer(
    reference: Sequence[str] | str, hypothesis: Sequence[str] | str, *, normaliser: NormaliserLike = None
) -> float:
    return measure_text(reference, hypothesis, "word", normaliser=normaliser).mer


def wil(
    reference: Sequence[str] | str, hypothesis: Sequence[str] | str, *, normaliser: NormaliserLike = None
) -> float:
    return measure_text(reference, hypothesis, "word", normaliser=normaliser).wil


@dataclass(frozen=True)
class TextRate:
    """A registry entry: one rate of :func:`measure_text` over a unit."""

    name: str
    unit: Unit
    rate: str
    higher_is_better: bool = False

    def __call__(
        self, references: Sequence[str], hypotheses: Sequence[str], *, normaliser: NormaliserLike = None
    ) -> MetricResult:
        counts = measure_text(references, hypotheses, self.unit, normaliser=normaliser)
        return MetricResult(
            metric=self.name,
            value=getattr(counts, self.rate),
            higher_is_better=self.higher_is_better,
            normalisation=list(counts.normalisation),
            details=counts.to_dict(),
        )


CER = TextRate("cer", "char", "error_rate")
WER = TextRate("wer", "word", "error_rate")
MER = TextRate("mer", "word", "mer")
WIL = TextRate("wil", "word", "wil")
