"""Evaluation datasets: a manifest of samples with ground truth, importers, checks, subsets, versions.

The functions below are the service-level API (the CLI and API call them); the modules hold
the logic: ``manifest`` (Sample, Dataset), ``importers`` (one per public format), ``validate``,
``sample`` and ``version``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocrops.evaluate.datasets.importers import IMPORTERS
from ocrops.evaluate.datasets.importers import import_dataset as _import
from ocrops.evaluate.datasets.manifest import Dataset, DatasetInfo, Sample, UnsafePath

# The functions ``sample.sample`` and ``validate.validate`` are not re-exported: they would hide
# their modules of the same name.
from ocrops.evaluate.datasets.sample import assign_splits
from ocrops.evaluate.datasets.sample import sample as _sample
from ocrops.evaluate.datasets.validate import ValidationReport, format_report, print_report
from ocrops.evaluate.datasets.validate import validate as _validate
from ocrops.evaluate.datasets.version import (
    LockCheck,
    dataset_version,
    read_lock,
    verify_lock,
    write_lock,
)


def import_dataset(
    format: str,
    source: str | Path,
    dest: str | Path | None,
    *,
    copy: bool = False,
    overwrite: bool = False,
    **opts: Any,
) -> Dataset:
    """Import the folder ``source`` in ``format`` (see ``IMPORTERS``) into a dataset at ``dest``.

    Files stay where they are (the manifest points at them) unless ``copy``."""
    return _import(format, source, dest, copy=copy, overwrite=overwrite, **opts)


def validate_dataset(path: str | Path) -> ValidationReport:
    return _validate(Dataset.load(path))


def sample_dataset(
    path: str | Path,
    n: int,
    stratify: str | None = None,
    seed: int = 0,
    dest: str | Path | None = None,
    *,
    split: str | None = None,
    overwrite: bool = False,
) -> Dataset:
    """A reproducible subset of the dataset at ``path``, saved to ``dest`` when given."""
    subset = _sample(Dataset.load(path), n, stratify=stratify, seed=seed, split=split)
    if dest is not None:
        subset.save(dest, overwrite=overwrite)
    return subset


def lock_dataset(path: str | Path) -> str:
    """Write ``dataset.lock.json`` for the dataset at ``path``; returns its version."""
    return write_lock(Dataset.load(path)).version


def verify_dataset(path: str | Path) -> LockCheck:
    """Compare the dataset at ``path`` with its ``dataset.lock.json``."""
    return verify_lock(Dataset.load(path))


__all__ = [
    "IMPORTERS",
    "Dataset",
    "DatasetInfo",
    "LockCheck",
    "Sample",
    "UnsafePath",
    "ValidationReport",
    "assign_splits",
    "dataset_version",
    "format_report",
    "import_dataset",
    "lock_dataset",
    "print_report",
    "read_lock",
    "sample_dataset",
    "validate_dataset",
    "verify_dataset",
    "verify_lock",
    "write_lock",
]
