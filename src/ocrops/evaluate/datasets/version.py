"""Dataset versions: a content hash of the manifest and of every file it references.

``version = sha256(canonical JSON {"manifest": <manifest sha256>, "files": {relpath: sha256}})``
where the manifest hash is over the samples sorted by id, each as canonical JSON (sorted keys,
None fields left out). Dataset name, description and file modification times play no part: the
same content gives the same version anywhere. ``dataset.lock.json`` records the version with each
file's hash and size; ``verify_lock`` says which files changed since.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, Field, computed_field

from ocrops.errors import InputError, NotFound
from ocrops.evaluate.datasets.manifest import Dataset, dump_json, write_atomic

LOCK_NAME = "dataset.lock.json"
_CHUNK = 1 << 20


class LockedFile(BaseModel):
    sha256: str
    size: int


class DatasetLock(BaseModel):
    version: str
    manifest_sha256: str
    files: dict[str, LockedFile] = Field(default_factory=dict, description="Relative path -> hash and size.")


class LockCheck(BaseModel):
    """What differs between a dataset and its lock file."""

    locked_version: str
    current_version: str | None = Field(None, description="None when files are missing.")
    manifest_changed: bool = False
    changed: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    added: list[str] = Field(default_factory=list, description="Referenced now, not in the lock.")
    removed: list[str] = Field(default_factory=list, description="In the lock, no longer referenced.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        return self.current_version == self.locked_version


class FileHasher:
    """Streams files through sha256, each (path, size, mtime) once per hasher."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int, int], str] = {}

    def sha256(self, path: Path) -> tuple[str, int]:
        """The file's hex digest and size."""
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        if key not in self._cache:
            self._cache[key] = _stream_sha256(path)
        return self._cache[key], stat.st_size


def _stream_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_sha256(dataset: Dataset) -> str:
    rows = sorted((s.id, dump_json(s.model_dump(mode="json", exclude_none=True))) for s in dataset)
    digest = hashlib.sha256()
    for _, row in rows:
        digest.update(row.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def compute_lock(dataset: Dataset, hasher: FileHasher | None = None) -> DatasetLock:
    """Hash the manifest and every referenced file; NotFound when a file is missing."""
    hasher = hasher or FileHasher()
    files = {}
    for file in sorted(dataset.files()):
        path = dataset.resolve(file)
        if not path.is_file():
            raise NotFound(f"dataset file {file} does not exist (under {dataset.base_dir})")
        sha, size = hasher.sha256(path)
        files[file] = LockedFile(sha256=sha, size=size)
    manifest = manifest_sha256(dataset)
    return DatasetLock(version=_version(manifest, files), manifest_sha256=manifest, files=files)


def _version(manifest: str, files: dict[str, LockedFile]) -> str:
    content = dump_json({"manifest": manifest, "files": {name: f.sha256 for name, f in files.items()}})
    return hashlib.sha256(content.encode()).hexdigest()


def dataset_version(dataset: Dataset) -> str:
    """The dataset's content version (64 hex characters)."""
    return compute_lock(dataset).version


def write_lock(dataset: Dataset) -> DatasetLock:
    """Compute the lock and write it to ``<root>/dataset.lock.json``."""
    lock = compute_lock(dataset)
    dataset.root.mkdir(parents=True, exist_ok=True)
    write_atomic(dataset.root / LOCK_NAME, lock.model_dump_json(indent=2) + "\n")
    return lock


def read_lock(root: str | Path) -> DatasetLock:
    path = Path(root) / LOCK_NAME
    if not path.is_file():
        raise NotFound(f"no {LOCK_NAME} in {root}; write one with lock_dataset")
    try:
        return DatasetLock.model_validate_json(path.read_bytes())
    except ValueError as exc:
        raise InputError(f"{path}: invalid lock file: {exc}") from None


def verify_lock(dataset: Dataset, lock: DatasetLock | None = None) -> LockCheck:
    """Compare ``dataset`` with its lock (read from its root unless given)."""
    lock = lock or read_lock(dataset.root)
    hasher = FileHasher()
    check = LockCheck(locked_version=lock.version)
    current: dict[str, LockedFile] = {}
    for file in sorted(dataset.files()):
        path = dataset.resolve(file)
        if not path.is_file():
            check.missing.append(file)
            continue
        sha, size = hasher.sha256(path)
        current[file] = LockedFile(sha256=sha, size=size)
        if file not in lock.files:
            check.added.append(file)
        elif lock.files[file].sha256 != sha:
            check.changed.append(file)
    check.removed = sorted(set(lock.files) - set(dataset.files()))
    manifest = manifest_sha256(dataset)
    check.manifest_changed = manifest != lock.manifest_sha256
    if not check.missing:
        check.current_version = _version(manifest, current)
    return check
