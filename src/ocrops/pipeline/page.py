"""One page through load -> preprocess -> recognise -> layout. Runs in a worker process or in-process.

Tasks take plain data (a path, a page number, options), never open objects, so the same
function serves the process pool, the embedded job worker and Celery.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ocrops import layout
from ocrops.engines import Engine, EngineOutput, PageInput, create_engine
from ocrops.errors import OcropsError
from ocrops.loaders import LoadedDocument, LoadOptions, Source, SourcePage, open_document
from ocrops.model import Block, BlockKind, EngineInfo, Line, Page, PageStatus, QualityWarning
from ocrops.pipeline.options import ConvertOptions
from ocrops.preprocess import PreparedImage, prepare

if TYPE_CHECKING:
    from PIL import Image

    from ocrops.settings import Settings


class BlankPage(Exception):
    """Raised from a lazy image provider: the page is blank and is not sent to an engine."""


@dataclass
class PageTask:
    path: str
    name: str
    page: int
    options: ConvertOptions


@dataclass
class WorkerState:
    """What one process keeps between pages: open documents and engines, reused."""

    settings: Settings
    documents: OrderedDict[tuple[str, str | None], LoadedDocument] = field(default_factory=OrderedDict)
    engines: dict[str, Engine] = field(default_factory=dict)
    max_open_documents: int = 4

    def __post_init__(self) -> None:
        from ocrops.plugins import import_plugins

        import_plugins(self.settings)  # engines from OCROPS_PLUGINS register themselves here

    def document(self, path: str, name: str, password: str | None) -> LoadedDocument:
        key = (path, password)
        if key in self.documents:
            self.documents.move_to_end(key)
            return self.documents[key]
        doc = open_document(Source(path=Path(path), name=name), load_options(self.settings, password))
        self.documents[key] = doc
        while len(self.documents) > self.max_open_documents:
            _, oldest = self.documents.popitem(last=False)
            oldest.close()
        return doc

    def forget(self, path: str) -> None:
        for key in [k for k in self.documents if k[0] == path]:
            self.documents.pop(key).close()

    def engine(self, options: ConvertOptions) -> Engine:
        key = f"{options.engine}:{sorted(options.engine_options.items())!r}"
        if key not in self.engines:
            self.engines[key] = create_engine(options.engine, options.engine_options, self.settings)
        return self.engines[key]

    def close(self) -> None:
        for doc in self.documents.values():
            doc.close()
        for engine in self.engines.values():
            engine.close()
        self.documents.clear()
        self.engines.clear()


def load_options(settings: Settings, password: str | None = None) -> LoadOptions:
    return LoadOptions(
        password=password,
        max_image_pixels=settings.max_image_pixels,
        max_file_bytes=settings.max_file_bytes,
        max_archive_ratio=settings.max_archive_ratio,
    )


def run_page_task(
    state: WorkerState, task: PageTask, *, reraise: Callable[[BaseException], bool] | None = None
) -> Page:
    """Process one page; errors become a page in error state, except those ``reraise`` picks
    (the job runner lets transient errors escape so the whole job is retried)."""
    started = time.perf_counter()
    try:
        doc = state.document(task.path, task.name, task.options.password)
        page = recognise_page(doc.page(task.page), task.options, state)
    except Exception as exc:  # an engine bug on one page must not sink the document
        if reraise is not None and reraise(exc):
            raise
        message = exc.message if isinstance(exc, OcropsError) else f"{type(exc).__name__}: {exc}"
        page = Page(number=task.page, width=0, height=0, status=PageStatus.error, error=message)
    page.timings["total"] = time.perf_counter() - started
    return page


class _LazyImage:
    """Renders and preprocesses the page image once, on first use."""

    def __init__(self, source: SourcePage, dpi: float, options: ConvertOptions, settings: Settings) -> None:
        self.source, self.dpi, self.options, self.settings = source, dpi, options, settings
        self.raw: Image.Image | None = None
        self.prepared: PreparedImage | None = None
        self.timings: dict[str, float] = {}
        self.page_input: PageInput | None = None  # its dpi follows the prepared (maybe upscaled) image

    def __call__(self) -> Image.Image:
        if self.prepared is None:
            t0 = time.perf_counter()
            self.raw = self.source.render(self.dpi)
            t1 = time.perf_counter()
            self._use(prepare(self.raw, self.dpi, self.options.preprocess, self.settings.resolved_tessdata))
            self.timings = {"render": t1 - t0, "preprocess": time.perf_counter() - t1}
        assert self.prepared is not None
        if self.prepared.blank and self.options.preprocess.skip_blank:
            raise BlankPage
        return self.prepared.image

    def turned_upright(self) -> bool:
        """Prepare the page again with OSD; True when that turned it (the engine must read it again)."""
        if self.raw is None or self.prepared is None:
            return False
        t0 = time.perf_counter()
        options = self.options.preprocess.model_copy(update={"orientation": "always"})
        again = prepare(self.raw, self.dpi, options, self.settings.resolved_tessdata)
        self.timings["orientation"] = time.perf_counter() - t0
        if not again.rotation:
            return False
        self._use(again)
        return True

    def _use(self, prepared: PreparedImage) -> None:
        self.prepared = prepared
        if self.page_input is not None:
            self.page_input.dpi = self.dpi * prepared.scale


# Upright pages read by Tesseract score a mean word confidence of 0.54-0.96 on SROIE and the
# Tesseract test pages; the same pages turned 90 or 180 degrees score 0.25-0.43.
LOW_CONFIDENCE = 0.5


def _mean_confidence(output: EngineOutput) -> float | None:
    lines = list(output.lines or []) + [line for block in output.blocks or [] for line in block.lines]
    confidences = [w.confidence for line in lines for w in line.words if w.confidence is not None]
    return sum(confidences) / len(confidences) if confidences else None


def _needs_orientation(output: EngineOutput, image: _LazyImage, options: ConvertOptions) -> bool:
    if options.preprocess.orientation != "auto" or image.prepared is None or image.prepared.blank:
        return False
    confidence = _mean_confidence(output)
    return confidence is None or confidence < LOW_CONFIDENCE


def recognise_page(source: SourcePage, options: ConvertOptions, state: WorkerState) -> Page:
    native = source.native_blocks()
    if native is not None:
        return _native_page(source, native, options, state)
    engine = state.engine(options)
    dpi = float(source.native_dpi or options.dpi)
    image = _LazyImage(source, dpi, options, state.settings)
    text_layer_cache: list[list[Line] | None] = []

    def text_layer() -> list[Line] | None:
        if not text_layer_cache:
            text_layer_cache.append(source.text_layer(dpi))
        return text_layer_cache[0]

    page_input = PageInput(
        number=source.number, dpi=dpi, image=image, text_layer=text_layer, languages=options.languages
    )
    image.page_input = page_input
    t0 = time.perf_counter()
    try:
        output: EngineOutput | None = engine.recognise(page_input)
        if output is not None and _needs_orientation(output, image, options) and image.turned_upright():
            output = engine.recognise(page_input)  # the first reading was of a sideways or upside-down page
    except BlankPage:
        output = None
    recognise_seconds = time.perf_counter() - t0 - sum(image.timings.values())
    page = _page_frame(source, dpi, image)
    page.engine = _engine_info(engine, output)
    page.timings.update(image.timings)
    page.timings["recognise"] = max(recognise_seconds, 0.0)
    if output is None:
        page.status = PageStatus.blank
        return page
    t1 = time.perf_counter()
    page.blocks = _layout(output, page.width, page.height)
    page.timings["layout"] = time.perf_counter() - t1
    page.markdown, page.grounding = output.markdown, output.grounding
    return page


def _page_frame(source: SourcePage, dpi: float, image: _LazyImage) -> Page:
    prepared = image.prepared
    if prepared is None:  # text-layer route: the page was never rendered
        return Page(
            number=source.number,
            width=source.width_pt * dpi / 72,
            height=source.height_pt * dpi / 72,
            dpi=dpi,
        )
    width, height = prepared.image.size
    return Page(
        number=source.number,
        width=width,
        height=height,
        dpi=dpi * prepared.scale,
        rotation=prepared.rotation,
        skew=prepared.skew,
        warnings=list(prepared.warnings),
    )


def _engine_info(engine: Engine, output: EngineOutput | None) -> EngineInfo:
    info = engine.info()
    if output is not None and output.route:
        info.route = output.route
        if output.version:
            info.version = output.version
    return info


def _layout(output: EngineOutput, width: float, height: float) -> list[Block]:
    if output.blocks is not None:
        return layout.order_blocks(output.blocks, width, height)
    return layout.assemble_blocks(output.lines or [], width, height)


def _native_page(
    source: SourcePage, native: list[Block], options: ConvertOptions, state: WorkerState
) -> Page:
    """Office/HTML pages: structure read directly; embedded images are OCR'd and slotted in."""
    blocks = list(native)
    warnings: list[QualityWarning] = []
    for embedded in sorted(source.embedded_images(), key=lambda e: e.after_block, reverse=True):
        try:
            figure = _ocr_embedded(embedded.data, options, state)
        except (OcropsError, OSError) as exc:
            warnings.append(
                QualityWarning(code="embedded_image", message=f"{embedded.name or 'image'}: {exc}")
            )
            continue
        if figure is not None:
            position = len(blocks) if embedded.after_block < 0 else min(embedded.after_block + 1, len(blocks))
            blocks.insert(position, figure)
    ordered = [b.model_copy(update={"order": i}) for i, b in enumerate(blocks)]
    engine_info = EngineInfo(name="native", version="1", route="native")
    return Page(
        number=source.number,
        width=source.width_pt,
        height=source.height_pt,
        dpi=72.0,
        blocks=ordered,
        engine=engine_info,
        warnings=warnings,
    )


def _ocr_embedded(data: bytes, options: ConvertOptions, state: WorkerState) -> Block | None:
    from ocrops.loaders.image import decode_image

    image = decode_image(data, state.settings.max_image_pixels)  # bomb-checked before decoding, upright
    if min(image.size) < 16:
        return None
    rgb = image.convert("RGB")
    engine = state.engine(options)
    output = engine.recognise(
        PageInput(number=1, dpi=float(options.dpi), image=lambda: rgb, languages=options.languages)
    )
    lines = [line for block in _layout(output, *rgb.size) for line in block.lines]
    if not lines:
        return None
    # Boxes are in the embedded image's own pixels, not the page's: drop them.
    plain = [
        Line(words=[w.model_copy(update={"bbox": None}) for w in ln.words], confidence=ln.confidence)
        for ln in lines
    ]
    return Block(kind=BlockKind.figure, lines=plain)
