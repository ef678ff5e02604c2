"""Reproducible subsets and split assignment, both driven by hashes of sample ids.

Every sample gets a rank ``sha256(f"{seed}:{id}")``; ``sample`` keeps the ``n`` lowest ranks.
So the same seed gives the same ids whatever the manifest order, and a grown dataset keeps most
of an earlier subset.

Stratified sampling (``stratify=``) groups samples into strata by tag, then gives each stratum a
share of ``n`` proportional to its size (largest-remainder rounding, ties to the larger stratum
then by name) and takes the lowest ranks inside each stratum:

- ``stratify="language"`` or ``"language:"``: the stratum is the sample's first (sorted) tag
  starting with ``language:``; samples without one form the stratum ``""``;
- ``stratify="receipt"`` (an exact tag, when no tag starts with ``receipt:``): two strata,
  samples with the tag and samples without.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping

from ocrops.errors import BadParameter
from ocrops.evaluate.datasets.manifest import Dataset, Sample


def rank(sample_id: str, seed: int, salt: str = "") -> int:
    """A 128-bit pseudo-random number fixed by the id and seed."""
    key = f"{salt}{seed}:{sample_id}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:16], "big")


def sample(
    dataset: Dataset, n: int, stratify: str | None = None, seed: int = 0, split: str | None = None
) -> Dataset:
    """``n`` samples of ``dataset`` (of ``split`` only, when given), in manifest order."""
    if n < 0:
        raise BadParameter(f"sample size must be >= 0, not {n}")
    candidates = [s for s in dataset if split is None or s.split == split]
    if stratify:
        chosen = _stratified(candidates, n, stratum_of(candidates, stratify), seed)
    else:
        chosen = _lowest_ranks(candidates, n, seed)
    ids = {id(s) for s in chosen}
    name = f"{dataset.info.name}-sample{n}-seed{seed}" if dataset.info.name else ""
    return dataset.with_samples((s for s in candidates if id(s) in ids), name=name)


def stratum_of(samples: list[Sample], stratify: str) -> Callable[[Sample], str]:
    """A function giving a sample's stratum for ``stratify`` (a tag prefix or an exact tag)."""
    prefix = stratify if stratify.endswith(":") else f"{stratify}:"
    if stratify.endswith(":") or any(t.startswith(prefix) for s in samples for t in s.tags):
        return lambda s: min((t for t in s.tags if t.startswith(prefix)), default="")
    return lambda s: stratify if stratify in s.tags else ""


def allocate(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """Proportional allocation of ``n`` over strata of ``sizes`` (largest remainder)."""
    total = sum(sizes.values())
    n = min(n, total)
    if total == 0:
        return {name: 0 for name in sizes}
    quotas = {name: n * size / total for name, size in sizes.items()}
    counts = {name: math.floor(quota) for name, quota in quotas.items()}
    by_remainder = sorted(sizes, key=lambda name: (-(quotas[name] - counts[name]), -sizes[name], name))
    for name in by_remainder[: n - sum(counts.values())]:
        counts[name] += 1
    return counts


def _lowest_ranks(samples: list[Sample], n: int, seed: int) -> list[Sample]:
    return sorted(samples, key=lambda s: (rank(s.id, seed), s.id))[:n]


def _stratified(samples: list[Sample], n: int, stratum: Callable[[Sample], str], seed: int) -> list[Sample]:
    strata: dict[str, list[Sample]] = {}
    for s in samples:
        strata.setdefault(stratum(s), []).append(s)
    counts = allocate({name: len(members) for name, members in strata.items()}, n)
    return [s for name, members in strata.items() for s in _lowest_ranks(members, counts[name], seed)]


def assign_splits(dataset: Dataset, fractions: Mapping[str, float], seed: int = 0) -> Dataset:
    """A copy of ``dataset`` with each sample's ``split`` drawn from ``fractions`` by its id hash.

    Deterministic per id (a sample keeps its split when others are added or removed); the
    counts follow the fractions only approximately on small datasets.
    """
    if (
        not fractions
        or any(f < 0 for f in fractions.values())
        or not math.isclose(sum(fractions.values()), 1.0)
    ):
        raise BadParameter(f"split fractions must be >= 0 and sum to 1, not {dict(fractions)}")
    bounds, cumulative = [], 0.0
    for name, fraction in fractions.items():
        cumulative += fraction
        bounds.append((cumulative, name))
    scale = 1 << 128

    def split_of(sample_id: str) -> str:
        position = rank(sample_id, seed, salt="split:") / scale
        return next((name for bound, name in bounds if position < bound), bounds[-1][1])

    return dataset.with_samples(s.model_copy(update={"split": split_of(s.id)}) for s in dataset)
