"""Convert many files: pages from all files stream through one executor, results come back in input order.

Memory stays flat: at most ``2 × workers`` pages are in flight, pages are loaded lazily by
the workers, and only finished page results (text and boxes) are kept.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ocrops.errors import OcropsError
from ocrops.loaders import Source, open_document
from ocrops.model import Document, Page, PageStatus, SourceInfo
from ocrops.pipeline.cache import PageCache
from ocrops.pipeline.executor import is_broken, make_executor, submit_page
from ocrops.pipeline.options import ConvertOptions, parse_page_ranges
from ocrops.pipeline.page import PageTask, load_options

if TYPE_CHECKING:
    from ocrops.settings import Settings


@dataclass
class FileResult:
    source: Source
    document: Document | None = None
    error: OcropsError | None = None

    @property
    def ok(self) -> bool:
        return self.document is not None and self.document.status.value == "succeeded"


@dataclass
class _Pending:
    source: Source
    info: SourceInfo
    options_key: str
    numbers: list[int]
    pages: dict[int, Page] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return len(self.pages) == len(self.numbers)

    def document(self) -> Document:
        pages = [self.pages[n] for n in self.numbers]
        return Document(
            source=self.info,
            pages=pages,
            metadata=self.metadata,
            timings={"total": time.perf_counter() - self.started},
        )


# Called after each page: (file name, page result, pages done in that file, pages in that file).
PageCallback = Callable[[Source, Page, int, int], None]
FileCallback = Callable[[Source, int], None]  # a file was opened: (source, pages selected)


class Converter:
    def __init__(
        self,
        options: ConvertOptions,
        settings: Settings,
        *,
        workers: int | None = None,
        use_cache: bool | None = None,
    ) -> None:
        self.options = options
        self.settings = settings
        self.workers = workers if workers and workers > 0 else settings.resolved_workers
        self.cache = (
            PageCache(settings.resolved_cache_dir)
            if (settings.cache if use_cache is None else use_cache)
            else None
        )
        self.options_key = options.result_key()

    def run(
        self,
        sources: Iterable[Source],
        *,
        on_page: PageCallback | None = None,
        on_file: FileCallback | None = None,
    ) -> Iterator[FileResult]:
        """Yield one result per source, in order. A bad file is a result with an error, not an exception."""
        self._executor = make_executor(self.settings, self.workers)
        self._attempts: dict[tuple[int, int], int] = {}
        try:
            yield from self._run(iter(sources), on_page, on_file)
        finally:
            self._executor.shutdown(wait=True, cancel_futures=True)

    def _run(
        self,
        sources: Iterator[Source],
        on_page: PageCallback | None,
        on_file: FileCallback | None,
    ) -> Iterator[FileResult]:
        window = 2 * self.workers
        order: deque[FileResult | _Pending] = deque()
        in_flight: dict[Future, tuple[_Pending, int]] = {}
        tasks: deque[tuple[_Pending, int]] = deque()
        exhausted = False
        while True:
            while not exhausted and len(tasks) < window:  # open files until there is enough work queued
                source = next(sources, None)
                if source is None:
                    exhausted = True
                    break
                entry = self._open(source, on_file)
                order.append(entry)
                if isinstance(entry, _Pending):
                    tasks.extend(self._uncached(entry, on_page))
            while self._may_submit(tasks, in_flight, window):
                pending, number = tasks.popleft()
                task = PageTask(
                    path=str(pending.source.path), name=pending.source.name, page=number, options=self.options
                )
                in_flight[submit_page(self._executor, task)] = (pending, number)
            yield from self._drain_finished(order)
            if not in_flight:
                if exhausted and not tasks:
                    yield from self._drain_finished(order)
                    return
                continue
            finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for future in finished:
                pending, number = in_flight.pop(future)
                try:
                    page = future.result()
                except BrokenExecutor:  # a worker process died (a crash in an engine or a library)
                    self._retry_or_fail(pending, number, tasks, on_page)
                    continue
                self._record(pending, number, page, on_page)

    def _suspect(self, pending: _Pending, number: int) -> bool:
        return self._attempts.get((id(pending), number), 0) > 0

    def _may_submit(
        self, tasks: deque[tuple[_Pending, int]], in_flight: dict[Future, tuple[_Pending, int]], window: int
    ) -> bool:
        """Pages that were in flight when a worker died run alone, so a poison page kills only itself."""
        if not tasks or len(in_flight) >= window:
            return False
        if any(self._suspect(*task) for task in in_flight.values()):
            return False
        return not (self._suspect(*tasks[0]) and in_flight)

    def _retry_or_fail(
        self, pending: _Pending, number: int, tasks: deque[tuple[_Pending, int]], on_page: PageCallback | None
    ) -> None:
        """Every page in flight when a worker died is tried once more, alone, on a fresh pool; a page
        that breaks the pool again is the culprit and becomes an error page. The batch goes on."""
        if is_broken(self._executor):
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = make_executor(self.settings, self.workers)
        key = (id(pending), number)
        self._attempts[key] = self._attempts.get(key, 0) + 1
        if self._attempts[key] < 2:
            tasks.appendleft((pending, number))
            return
        message = "the worker process reading this page died (a crash in an engine or a library)"
        self._record(
            pending,
            number,
            Page(number=number, width=0, height=0, status=PageStatus.error, error=message),
            on_page,
        )

    def _open(self, source: Source, on_file: FileCallback | None) -> FileResult | _Pending:
        try:
            with open_document(source, load_options(self.settings, self.options.password)) as doc:
                count = doc.page_count
                numbers = (
                    parse_page_ranges(self.options.pages, count)
                    if self.options.pages
                    else list(range(1, count + 1))
                )
                info = SourceInfo(
                    name=source.name,
                    sha256=source.sha256(),
                    media_type=doc.media_type,
                    size=source.path.stat().st_size,
                    page_count=count,
                )
                metadata = doc.metadata()
        except OcropsError as exc:
            return FileResult(source=source, error=exc.with_source(source.name))
        except OSError as exc:
            from ocrops.errors import InputError

            return FileResult(source=source, error=InputError(exc.strerror or str(exc), source=source.name))
        if on_file:
            on_file(source, len(numbers))
        return _Pending(
            source=source, info=info, options_key=self.options_key, numbers=numbers, metadata=metadata
        )

    def _uncached(self, pending: _Pending, on_page: PageCallback | None) -> list[tuple[_Pending, int]]:
        todo = []
        for number in pending.numbers:
            hit = self.cache.get(pending.info.sha256, number, self.options_key) if self.cache else None
            if hit is not None:
                hit.cached = True
                self._record(pending, number, hit, on_page, store=False)
            else:
                todo.append((pending, number))
        return todo

    def _record(
        self, pending: _Pending, number: int, page: Page, on_page: PageCallback | None, store: bool = True
    ) -> None:
        pending.pages[number] = page
        if store and self.cache and page.status != PageStatus.error:
            self.cache.put(pending.info.sha256, number, self.options_key, page)
        if on_page:
            on_page(pending.source, page, len(pending.pages), len(pending.numbers))

    @staticmethod
    def _drain_finished(order: deque[FileResult | _Pending]) -> Iterator[FileResult]:
        while order:
            head = order[0]
            if isinstance(head, FileResult):
                yield order.popleft()
            elif head.done:
                order.popleft()
                yield FileResult(source=head.source, document=head.document())
            else:
                return
