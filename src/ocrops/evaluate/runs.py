"""The benchmark runner: each engine over a dataset, one stored result per sample, resumable.

For each engine a run is created (engine, version, options hash, dataset version), then the
dataset's files go through the conversion pipeline (``Converter``; samples on the same file
are grouped so a multi-page PDF is opened once) and every sample is scored
(:mod:`ocrops.evaluate.scoring`) and stored as soon as its file is done. A run that stops
(Ctrl-C, a crash) keeps its stored results; ``resume_run_id`` continues it, skipping the
samples already stored. The pipeline's page cache means re-running an engine on the same
files does no OCR either.

Progress is reported through a callback of :class:`BenchEvent` (the CLI draws a Rich bar).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ocrops.errors import BadParameter, Conflict, OcropsError
from ocrops.evaluate.datasets.manifest import Dataset, Sample
from ocrops.evaluate.records import BenchRun, RunStatus, SampleResult
from ocrops.evaluate.scoring import DEFAULT_NORMALISATION, Prediction, reference_text, score_sample
from ocrops.evaluate.summary import summarise
from ocrops.loaders import Source
from ocrops.model import Document, Page, PageStatus
from ocrops.pipeline import Converter, ConvertOptions, FileResult
from ocrops.store import bench as store

if TYPE_CHECKING:
    from ocrops.evaluate.normalise import Compose
    from ocrops.settings import Settings
    from ocrops.store.db import Database

EngineSpec = ConvertOptions | tuple[str, dict[str, Any]] | str
EventKind = Literal["run_started", "file_opened", "page_done", "sample_done", "run_finished"]


@dataclass
class BenchEvent:
    kind: EventKind
    run: BenchRun
    samples_total: int = 0  # samples this call will process (stored ones excluded)
    samples_done: int = 0
    samples_skipped: int = 0  # already stored (resume)
    pages: int = 0  # file_opened: pages selected in the file
    file: str | None = None
    result: SampleResult | None = None
    running_cer: float | None = None  # pooled CER of this call's results so far


ProgressCallback = Callable[[BenchEvent], None]


def engine_options(spec: EngineSpec, settings: Settings) -> ConvertOptions:
    """ConvertOptions for ``"tesseract"``, ``("tesseract", {"psm": 6})`` or ready options."""
    if isinstance(spec, ConvertOptions):
        return spec.model_copy(update={"pages": None, "password": None})
    from ocrops.engines import parse_options

    name, options = (spec, {}) if isinstance(spec, str) else spec
    name = name.strip().lower()
    parsed = parse_options(name, options)
    return ConvertOptions(
        engine=name, engine_options=parsed.model_dump(mode="json", exclude_defaults=True), dpi=settings.dpi
    )


def run_benchmark(
    dataset_path: str | Path,
    engines: Sequence[EngineSpec],
    settings: Settings,
    db: Database,
    *,
    workers: int = 1,
    resume_run_id: str | None = None,
    on_progress: ProgressCallback | None = None,
    limit: int | None = None,
    name: str = "",
    normalisation: str = DEFAULT_NORMALISATION,
    use_cache: bool | None = None,
    tenant_id: str = "default",
) -> list[str]:
    """Run each engine over the dataset (or continue one run); returns the run ids."""
    dataset = Dataset.load(dataset_path)
    version = _dataset_version(dataset)
    if resume_run_id is not None:
        if len(engines) > 1:
            raise BadParameter("--resume continues one run: give no engine, or that run's engine")
        run, options = _resume(db, resume_run_id, dataset, version, engines, settings, tenant_id)
        runner = _Runner(dataset, run, options, settings, db, workers, on_progress, use_cache)
        runner.execute(limit)
        return [run.id]
    if not engines:
        raise BadParameter("give at least one engine to benchmark")
    from ocrops.evaluate.normalise import normaliser_from_spec

    normaliser_from_spec(normalisation)  # a bad spec fails before any run is created
    run_ids = []
    for spec in engines:
        options = engine_options(spec, settings)
        run = _new_run(dataset, version, options, settings, name, normalisation, workers, tenant_id)
        with db.session() as session:
            store.create_run(session, run)
        _Runner(dataset, run, options, settings, db, workers, on_progress, use_cache).execute(limit)
        run_ids.append(run.id)
    return run_ids


def _dataset_version(dataset: Dataset) -> str:
    from ocrops.evaluate.datasets.version import dataset_version

    return dataset_version(dataset)


def _engine_version(engine: str, settings: Settings) -> str:
    from ocrops.engines import engine_class

    try:
        return engine_class(engine).probe(settings).version
    except OcropsError:
        return ""


def _new_run(
    dataset: Dataset,
    version: str,
    options: ConvertOptions,
    settings: Settings,
    name: str,
    normalisation: str,
    workers: int,
    tenant_id: str,
) -> BenchRun:
    from ocrops.evaluate.normalise import normaliser_from_spec

    return BenchRun(
        tenant_id=tenant_id,
        name=name,
        dataset_name=dataset.info.name or dataset.root.name,
        dataset_root=str(dataset.root.resolve()),
        dataset_version=version,
        engine=options.engine,
        engine_version=_engine_version(options.engine, settings),
        engine_options=dict(options.engine_options),
        options_hash=options.result_key(),
        normalisation=normaliser_from_spec(normalisation).name,
        metrics=[],
        workers=workers,
        totals={"config": options.model_dump(mode="json", exclude={"pages", "password"})},
    )


def _resume(
    db: Database,
    run_id: str,
    dataset: Dataset,
    version: str,
    engines: Sequence[EngineSpec],
    settings: Settings,
    tenant_id: str,
) -> tuple[BenchRun, ConvertOptions]:
    with db.session() as session:
        run = store.get_run(session, run_id, tenant_id=tenant_id)
    if run.dataset_version and run.dataset_version != version:
        raise Conflict(
            f"dataset {dataset.root} changed since run {run.id[:8]} started "
            f"(version {run.dataset_version[:12]} -> {version[:12]}); start a new run"
        )
    config = run.totals.get("config")
    options = (
        ConvertOptions.model_validate(config)
        if config
        else engine_options((run.engine, run.engine_options), settings)
    )
    if engines:
        given = engine_options(engines[0], settings)
        if given.engine != run.engine:
            raise BadParameter(f"run {run.id[:8]} used engine {run.engine!r}, not {given.engine!r}")
    if options.result_key() != run.options_hash:
        raise Conflict(
            f"run {run.id[:8]} cannot be resumed: its options no longer hash the same "
            "(ocrops or the engine options changed)"
        )
    return run, options


class _Runner:
    """One run: convert the samples not stored yet, score and store each, then the totals."""

    def __init__(
        self,
        dataset: Dataset,
        run: BenchRun,
        options: ConvertOptions,
        settings: Settings,
        db: Database,
        workers: int,
        on_progress: ProgressCallback | None,
        use_cache: bool | None,
    ) -> None:
        from ocrops.evaluate.normalise import normaliser_from_spec

        self.dataset, self.run, self.options, self.settings, self.db = dataset, run, options, settings, db
        self.workers, self.on_progress, self.use_cache = workers, on_progress, use_cache
        self.normaliser: Compose = normaliser_from_spec(run.normalisation or None)
        self.done = 0
        self.char_errors = self.char_total = 0.0

    def execute(self, limit: int | None) -> None:
        started = time.perf_counter()
        with self.db.session() as session:
            stored = store.stored_sample_ids(session, self.run.id, tenant_id=self.run.tenant_id)
            self.run = store.update_run(
                session, self.run.id, status=RunStatus.running, tenant_id=self.run.tenant_id
            )
        todo = [s for s in self.dataset if s.id not in stored]
        if limit is not None:
            todo = todo[: max(limit, 0)]
        self.total, self.skipped = len(todo), len(stored)
        self._emit("run_started")
        status = RunStatus.failed
        try:
            with closing(self._convert(todo)) as converted:  # stops the pipeline's workers on any exit
                for file_result, samples in converted:
                    for sample in samples:
                        self._store(self._result(sample, file_result))
            remaining = len(self.dataset) - self.skipped - self.done
            status = RunStatus.completed if remaining == 0 else RunStatus.interrupted
        except KeyboardInterrupt:
            status = RunStatus.interrupted
            raise
        finally:
            self._finish(status, time.perf_counter() - started)
        self._emit("run_finished")

    # --- conversion ------------------------------------------------------------------
    def _convert(self, samples: list[Sample]) -> Iterator[tuple[FileResult, list[Sample]]]:
        by_file: dict[str, list[Sample]] = {}
        for sample in samples:
            by_file.setdefault(sample.file, []).append(sample)
        by_pages: dict[str | None, list[str]] = {}
        for file, group in by_file.items():
            by_pages.setdefault(_page_spec(group), []).append(file)
        for pages, files in by_pages.items():
            converter = Converter(
                self.options.model_copy(update={"pages": pages}),
                self.settings,
                workers=self.workers,
                use_cache=self.use_cache,
            )
            sources = (Source(path=self.dataset.resolve(file), name=file) for file in files)
            with closing(
                converter.run(sources, on_page=self._page_done, on_file=self._file_opened)
            ) as results:
                for file_result in results:
                    yield file_result, by_file[file_result.source.name]

    def _file_opened(self, source: Source, pages: int) -> None:
        self._emit("file_opened", pages=pages, file=source.name)

    def _page_done(self, source: Source, page: Page, done: int, total: int) -> None:
        self._emit("page_done", file=source.name)

    # --- scoring and storing -------------------------------------------------------------
    def _result(self, sample: Sample, file_result: FileResult) -> SampleResult:
        pages = _sample_pages(sample, file_result.document)
        error = _error(sample, file_result, pages)
        prediction = _prediction(file_result.document, pages)
        return SampleResult(
            run_id=self.run.id,
            tenant_id=self.run.tenant_id,
            sample_id=sample.id,
            file=sample.file,
            page=sample.page,
            tags=list(sample.tags),
            reference=reference_text(sample),
            prediction=prediction.text,
            markdown=prediction.markdown,
            metrics=score_sample(sample, prediction, self.normaliser),
            page_latencies=[float(p.timings.get("total", 0.0)) for p in pages],
            error=error,
        )

    def _store(self, result: SampleResult) -> None:
        with self.db.session() as session:
            store.add_result(session, result)
        self.done += 1
        if result.metrics.get("char_total") is not None:
            self.char_errors += result.metrics.get("char_errors") or 0.0
            self.char_total += result.metrics["char_total"] or 0.0
        self._emit("sample_done", result=result)

    def _finish(self, status: RunStatus, elapsed: float) -> None:
        with self.db.session() as session:
            results = store.list_results(session, self.run.id, tenant_id=self.run.tenant_id)
            wall = float(self.run.totals.get("wall_seconds") or 0.0) + elapsed
            totals = summarise(results, wall_seconds=wall)
            totals["config"] = self.run.totals.get("config") or self.options.model_dump(
                mode="json", exclude={"pages", "password"}
            )
            names = sorted({name for r in results for name, v in r.metrics.items() if v is not None})
            self.run = store.update_run(
                session,
                self.run.id,
                status=status,
                totals=totals,
                metrics=names,
                finished=True,
                tenant_id=self.run.tenant_id,
            )

    def _emit(self, kind: EventKind, **fields: Any) -> None:
        if self.on_progress is None:
            return
        running = None
        if self.char_total:
            running = self.char_errors / self.char_total
        self.on_progress(
            BenchEvent(
                kind=kind,
                run=self.run,
                samples_total=self.total,
                samples_done=self.done,
                samples_skipped=self.skipped,
                running_cer=running,
                **fields,
            )
        )


def _page_spec(samples: list[Sample]) -> str | None:
    """Pages to convert for the samples of one file: None (all) if any sample is the whole file."""
    if any(s.page is None for s in samples):
        return None
    return ",".join(str(n) for n in sorted({s.page for s in samples if s.page is not None}))


def _sample_pages(sample: Sample, document: Document | None) -> list[Page]:
    if document is None:
        return []
    if sample.page is None:
        return list(document.pages)
    return [p for p in document.pages if p.number == sample.page]


def _error(sample: Sample, file_result: FileResult, pages: list[Page]) -> str | None:
    if file_result.error is not None:
        return str(file_result.error.message)
    if not pages:
        return f"page {sample.page} was not converted"
    errors = [f"page {p.number}: {p.error}" for p in pages if p.status == PageStatus.error]
    return "; ".join(errors) or None


def _prediction(document: Document | None, pages: list[Page]) -> Prediction:
    if document is None or not pages:
        return Prediction()
    part = document.model_copy(update={"pages": pages})
    tables = [b.table for p in pages for b in p.blocks if b.table is not None]
    return Prediction(text=part.text, markdown=_markdown(part), tables=tables)


def _markdown(document: Document) -> str:
    from ocrops.render import get_renderer

    return get_renderer("md").render(document)
