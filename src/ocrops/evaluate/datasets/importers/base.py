"""The importer contract: read a folder in some public format into samples.

An importer only *reads* (``read``); :meth:`Importer.import_dataset` does the rest once for
all formats: point the dataset at the source folder in place (the default: sources may be
read-only), or copy the files in with ``copy=True``, and save the manifest to ``dest_dir``.
"""

from __future__ import annotations

import shutil
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ocrops.errors import BadParameter, Conflict, NotFound
from ocrops.evaluate.datasets.manifest import MANIFEST_NAME, Dataset, DatasetInfo, Sample


class ImporterOptions(BaseModel):
    """Options every importer accepts; importers subclass this with their own."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None


class Importer(ABC):
    name: ClassVar[str]
    description: ClassVar[str] = ""
    license: ClassVar[str] = ""
    origin: ClassVar[str] = ""  # the upstream project, for DatasetInfo.source
    Options: ClassVar[type[ImporterOptions]] = ImporterOptions

    @abstractmethod
    def read(self, source: Path, options: Any) -> list[Sample]:
        """Samples with files relative to ``source``."""

    def info(self, source: Path, options: ImporterOptions) -> DatasetInfo:
        return DatasetInfo(
            name=options.name or source.resolve().name,
            description=self.description,
            license=self.license,
            source=self.origin,
            imported_from=str(source.resolve()),
            format=self.name,
        )

    def import_dataset(
        self,
        source_dir: str | Path,
        dest_dir: str | Path | None = None,
        *,
        copy: bool = False,
        overwrite: bool = False,
        **opts: Any,
    ) -> Dataset:
        """Read ``source_dir``; save the manifest to ``dest_dir`` when given (files stay in place
        unless ``copy``). Without ``dest_dir`` the dataset lives in memory, rooted at the source."""
        source = Path(source_dir)
        if not source.is_dir():
            raise NotFound(f"dataset source folder {source} does not exist")
        options = self.parse_options(opts)
        if dest_dir is not None:
            _check_dest(Path(dest_dir), source, copy=copy, overwrite=overwrite)
        samples = self.read(source, options)
        if not samples:
            raise BadParameter(f"no {self.name} samples found in {source}")
        dataset = Dataset(source, self.info(source, options), samples)
        if dest_dir is None:
            if copy:
                raise BadParameter("copy=True needs a destination folder")
            return dataset
        if copy:
            copy_files(dataset, Path(dest_dir))
        dataset.save(dest_dir)
        return dataset

    @classmethod
    def parse_options(cls, opts: dict[str, Any]) -> Any:
        try:
            return cls.Options.model_validate(opts)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in exc.errors()
            )
            raise BadParameter(f"invalid options for importer {cls.name!r}: {problems}") from None


def _check_dest(dest: Path, source: Path, *, copy: bool, overwrite: bool) -> None:
    if not overwrite and (dest / MANIFEST_NAME).exists():
        raise Conflict(f"{dest / MANIFEST_NAME} already exists (overwrite it with overwrite=True)")
    if copy and dest.resolve() == source.resolve():
        raise BadParameter("copy=True needs a destination other than the source folder")


def copy_files(dataset: Dataset, dest: Path) -> None:
    """Copy every sample file under ``dest`` (same relative paths) and re-root the dataset there."""
    for file in dataset.files():
        target = dest / file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dataset.resolve(file), target)
    dataset.root = dest
    dataset.info = dataset.info.model_copy(update={"base": "."})


def relative_posix(path: Path, source: Path) -> str:
    return path.relative_to(source).as_posix()


def read_text(path: Path) -> str:
    """A ground-truth text file: UTF-8 (BOM dropped), CRLF -> LF, trailing newlines removed."""
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    return text.rstrip("\n")
