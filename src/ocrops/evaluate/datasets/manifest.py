"""A dataset: ``manifest.jsonl`` (one :class:`Sample` per line) + ``dataset.json`` + the files.

Layout of a dataset folder (the *root*)::

    root/manifest.jsonl       one Sample per line
    root/dataset.json         DatasetInfo: name, description, license, source, format, base
    root/dataset.lock.json    optional, written by ``version.write_lock``

Sample files are paths relative to the *base* folder, ``DatasetInfo.base``: ``"."`` (the
root itself) when files were copied in, or the source folder an importer read from (relative
to the root, or absolute), so imported datasets reference their files in place.

Tags are plain strings; the convention is ``key:value`` (``language:english``), so
``sample(..., stratify="language")`` can group on them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ocrops.errors import BadParameter, Conflict, InputError, NotFound

MANIFEST_NAME = "manifest.jsonl"
INFO_NAME = "dataset.json"

GROUND_TRUTH_FIELDS = ("text", "markdown", "fields", "tables", "tests")


class UnsafePath(BadParameter):
    """A sample file path that leaves the dataset's base folder."""

    title = "Unsafe dataset path"


class Sample(BaseModel):
    """One unit of evaluation: a file (or one page of it) and its ground truth."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    file: str = Field(min_length=1, description="Path relative to the dataset base folder, '/' separated.")
    page: int | None = Field(None, ge=1, description="1-based page; None means the whole file.")
    text: str | None = None
    markdown: str | None = None
    fields: dict[str, str] | None = None
    tables: list[str] | None = Field(None, description="HTML tables.")
    tests: list[dict[str, Any]] | None = Field(None, description="olmOCR-bench style test dicts.")
    tags: list[str] = Field(default_factory=list)
    split: str = "test"
    meta: dict[str, Any] = Field(default_factory=dict, description="Importer extras (e.g. real image size).")

    @field_validator("file")
    @classmethod
    def _posix(cls, value: str) -> str:
        return value.replace("\\", "/")

    def ground_truth_kinds(self) -> list[str]:
        """The kinds of ground truth present (an empty string or list counts as present)."""
        return [name for name in GROUND_TRUTH_FIELDS if getattr(self, name) is not None]

    @property
    def has_ground_truth(self) -> bool:
        return bool(self.ground_truth_kinds())


class DatasetInfo(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str = ""
    description: str = ""
    license: str = ""
    source: str = Field("", description="Where the data comes from (upstream project or URL).")
    imported_from: str = Field("", description="The folder the importer read.")
    format: str = Field("", description="The importer that produced the manifest.")
    base: str = Field(
        ".", description="Folder sample files are relative to: relative to the root, or absolute."
    )


def check_relative(file: str) -> PurePosixPath:
    """``file`` as a relative path with no ``..``; :class:`UnsafePath` otherwise. Backslashes
    count as separators (manifests may come from Windows)."""
    path = PurePosixPath(file.replace("\\", "/"))
    if path.is_absolute() or PureWindowsPath(file).drive or ".." in path.parts or not path.parts:
        raise UnsafePath(f"sample file {file!r} is not a relative path inside the dataset")
    return path


class Dataset:
    """Samples plus where their files live. ``Dataset.load(root)`` / ``dataset.save(root)``."""

    def __init__(self, root: Path, info: DatasetInfo, samples: Iterable[Sample]) -> None:
        self.root = Path(root)
        self.info = info
        self.samples = list(samples)

    # --- reading and writing -------------------------------------------------
    @classmethod
    def load(cls, root: str | Path) -> Dataset:
        root = Path(root)
        manifest = root / MANIFEST_NAME
        if not manifest.is_file():
            raise NotFound(f"no {MANIFEST_NAME} in {root}")
        return cls(root, _read_info(root), _read_manifest(manifest))

    def save(self, root: str | Path | None = None, *, overwrite: bool = True) -> Path:
        """Write manifest and info to ``root`` (default: this dataset's root); returns the root.

        Saving elsewhere re-points ``base`` so sample files still resolve.
        """
        target = Path(root) if root is not None else self.root
        if not overwrite and (target / MANIFEST_NAME).exists():
            raise Conflict(f"{target / MANIFEST_NAME} already exists")
        info = self.info.model_copy(update={"base": base_for(target, self.base_dir)})
        target.mkdir(parents=True, exist_ok=True)
        lines = (s.model_dump_json(exclude_none=True) + "\n" for s in self.samples)
        write_atomic(target / MANIFEST_NAME, "".join(lines))
        write_atomic(target / INFO_NAME, info.model_dump_json(indent=2) + "\n")
        self.root, self.info = target, info
        return target

    # --- files -----------------------------------------------------------------
    @property
    def base_dir(self) -> Path:
        base = Path(self.info.base)
        return base if base.is_absolute() else self.root / base

    def resolve(self, sample_or_file: Sample | str) -> Path:
        """The file's path; :class:`UnsafePath` for ``..``, absolute paths and links leading out."""
        file = sample_or_file.file if isinstance(sample_or_file, Sample) else sample_or_file
        relative = check_relative(file)
        base = self.base_dir.resolve()
        path = base / relative
        if not path.resolve().is_relative_to(base):
            raise UnsafePath(f"sample file {file!r} is a link that leads out of the dataset")
        return path

    def files(self) -> list[str]:
        """Distinct sample files, in first-seen order."""
        return list(dict.fromkeys(s.file for s in self.samples))

    # --- samples ---------------------------------------------------------------
    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    def __len__(self) -> int:
        return len(self.samples)

    def get(self, sample_id: str) -> Sample:
        for sample in self.samples:
            if sample.id == sample_id:
                return sample
        raise NotFound(f"no sample {sample_id!r} in dataset {self.info.name or self.root}")

    def with_samples(self, samples: Iterable[Sample], **info_changes: Any) -> Dataset:
        """A dataset over the same files with other samples (same root and base)."""
        return Dataset(self.root, self.info.model_copy(update=info_changes), samples)

    def __repr__(self) -> str:
        return f"Dataset({self.info.name!r}, {len(self.samples)} samples, root={str(self.root)!r})"


def base_for(root: Path, base_dir: Path) -> str:
    """How ``root/dataset.json`` names ``base_dir``: "." or a relative path when they share a
    top-level folder (the repository and ../shared move together), else absolute."""
    root_abs, base_abs = Path(os.path.abspath(root)), Path(os.path.abspath(base_dir))
    if root_abs == base_abs:
        return "."
    common = os.path.commonpath([root_abs, base_abs])
    if common == root_abs.anchor:
        return base_abs.as_posix()
    return Path(os.path.relpath(base_abs, root_abs)).as_posix()


def _read_info(root: Path) -> DatasetInfo:
    path = root / INFO_NAME
    if not path.is_file():
        return DatasetInfo(name=root.name)
    try:
        return DatasetInfo.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise InputError(f"{path}: invalid dataset info: {_first_error(exc)}") from None


def _read_manifest(path: Path) -> list[Sample]:
    samples = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                samples.append(Sample.model_validate_json(line))
            except ValidationError as exc:
                raise InputError(f"{path} line {number}: {_first_error(exc)}") from None
    return samples


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(map(str, error["loc"]))
    return f"{where}: {error['msg']}" if where else error["msg"]


def write_atomic(path: Path, content: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)


def dump_json(data: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
