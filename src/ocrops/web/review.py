"""The review loop: low-confidence lines of a tenant's documents, corrected by people, become
ground truth in the tenant's datasets (ready for ``ocrops bench run``).

Tenant datasets are ordinary ocrops datasets (``manifest.jsonl``, see
:mod:`ocrops.evaluate.datasets`) in ``OCROPS_HOME/datasets/<tenant>/<name>/``. A correction adds
(or replaces) one sample: the line's crop of the page image, saved as
``files/<document>-p<page>-l<line>.png``, with the corrected text as its ``text`` ground truth
and where it came from in ``meta``. Lines are numbered per page, 0-based, over the page's blocks
in reading order then each block's lines (what :func:`page_lines` yields).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import re
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocrops.errors import BadParameter, Conflict, NotFound
from ocrops.evaluate.datasets import Dataset, DatasetInfo, Sample

if TYPE_CHECKING:
    from PIL import Image

    from ocrops.model import Document, Line, Page
    from ocrops.services.context import Principal, ServiceContext
    from ocrops.services.schemas import DocumentPublic

DEFAULT_DATASET = "review"
DATASET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SAFE_TENANT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
FINISHED_STATES = ("succeeded", "partial")
CROP_PADDING = 0.2  # of the line height, around the line's box


@dataclass
class ReviewLine:
    document_id: str
    filename: str
    page: int
    line: int
    text: str
    confidence: float
    bbox: dict[str, float] | None
    page_width: float
    page_height: float
    engine: str | None


# --- where datasets live ---------------------------------------------------------------------------


def tenant_root(ctx: ServiceContext, tenant_id: str) -> Path:
    if not SAFE_TENANT.match(tenant_id):
        raise BadParameter(f"tenant id {tenant_id!r} cannot name a folder")
    return Path(ctx.settings.home).expanduser() / "datasets" / tenant_id


def dataset_root(ctx: ServiceContext, tenant_id: str, name: str) -> Path:
    if not DATASET_NAME.match(name or ""):
        raise BadParameter(
            f"invalid dataset name {name!r}: use letters, digits, '.', '_' and '-' (at most 64)"
        )
    return tenant_root(ctx, tenant_id) / name


_THREAD_LOCK = threading.Lock()


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One writer per dataset, across threads and processes on this machine."""
    root.mkdir(parents=True, exist_ok=True)
    with _THREAD_LOCK, open(root / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _load(root: Path) -> Dataset | None:
    try:
        return Dataset.load(root)
    except NotFound:
        return None


# --- reading results ---------------------------------------------------------------------------------


def load_result(ctx: ServiceContext, principal: Principal, document_id: str) -> Document:
    """The document's result; Conflict while its job has not finished."""
    from ocrops.services import documents

    return documents.get_result_document(ctx, principal, document_id)


def line_confidence(line: Line) -> float | None:
    if line.confidence is not None:
        return line.confidence
    scores = [w.confidence for w in line.words if w.confidence is not None]
    return sum(scores) / len(scores) if scores else None


def page_lines(page: Page) -> Iterator[tuple[int, Line]]:
    """(index, line) over the page's blocks in reading order: the numbering corrections use."""
    index = 0
    for block in sorted(page.blocks, key=lambda b: b.order):
        for line in block.lines:
            yield index, line
            index += 1


def find_line(document: Document, page_number: int, line_index: int) -> tuple[Page, Line]:
    page = next((p for p in document.pages if p.number == page_number), None)
    if page is None:
        raise NotFound(f"the result has no page {page_number}")
    for index, line in page_lines(page):
        if index == line_index:
            return page, line
    raise NotFound(f"page {page_number} has no line {line_index}")


def corrected_lines(ctx: ServiceContext, principal: Principal) -> set[tuple[str, int, int]]:
    """(document, page, line) of every correction in the tenant's datasets."""
    done = set()
    for dataset in _datasets(ctx, principal.tenant_id):
        for sample in dataset:
            meta = sample.meta
            if "document_id" in meta and "line" in meta:
                done.add((str(meta["document_id"]), int(meta.get("page", 1)), int(meta["line"])))
    return done


def engine_name(page: Page) -> str | None:
    """The engine that read the page (the route a routing engine took)."""
    return (page.engine.route or page.engine.name) if page.engine else None


def _low_confidence(
    doc: DocumentPublic, result: Document, threshold: float, skip: set[tuple[str, int, int]]
) -> Iterator[ReviewLine]:
    for page in result.pages:
        for index, line in page_lines(page):
            confidence = line_confidence(line)
            if confidence is None or confidence >= threshold or (doc.id, page.number, index) in skip:
                continue
            yield ReviewLine(
                document_id=doc.id, filename=doc.filename, page=page.number, line=index, text=line.text,
                confidence=round(confidence, 4), bbox=line.bbox.model_dump() if line.bbox else None,
                page_width=page.width, page_height=page.height, engine=engine_name(page),
            )


def review_queue(
    ctx: ServiceContext, principal: Principal, *, threshold: float, limit: int, documents_limit: int,
    document_id: str | None = None, include_corrected: bool = False,
) -> dict[str, Any]:
    """Lines below ``threshold`` in the newest finished documents (or in one document)."""
    from ocrops.services import documents

    if document_id is not None:
        candidates = [documents.get_document(ctx, principal, document_id)]
    else:
        listing = documents.list_documents(ctx, principal, None, documents_limit, None)
        candidates = [d for d in listing.items if d.state is not None and d.state.value in FINISHED_STATES]
    skip = set() if include_corrected else corrected_lines(ctx, principal)
    items: list[ReviewLine] = []
    scanned = 0

    def queue(truncated: bool) -> dict[str, Any]:
        return {"threshold": threshold, "documents_scanned": scanned, "truncated": truncated,
                "items": [asdict(item) for item in items]}

    for doc in candidates:
        try:
            result = load_result(ctx, principal, doc.id)
        except (Conflict, NotFound):  # not finished, or finished without a result
            continue
        scanned += 1
        for item in _low_confidence(doc, result, threshold, skip):
            if len(items) == limit:
                return queue(truncated=True)
            items.append(item)
    return queue(truncated=False)


# --- corrections -------------------------------------------------------------------------------------


MAX_CROP_DPI = 300


def page_image(ctx: ServiceContext, principal: Principal, document_id: str, page: Page) -> Image.Image:
    """The page as recognised: rendered from the stored source at the result's DPI (at most
    300), so line crops are sharp; the API's 100-dpi preview when the source cannot be opened."""
    from PIL import Image

    from ocrops.errors import OcropsError
    from ocrops.loaders import Source, open_document
    from ocrops.pipeline.page import load_options
    from ocrops.services import documents
    from ocrops.storage import source_key

    doc = documents.get_document(ctx, principal, document_id)  # NotFound for other tenants
    try:
        with ctx.storage.open_local(source_key(principal.tenant_id, doc.id)) as path, open_document(
            Source(path=path, name=doc.filename), load_options(ctx.settings)
        ) as source:
            return source.page(page.number).render(min(page.dpi or MAX_CROP_DPI, MAX_CROP_DPI)).copy()
    except OcropsError:
        png = documents.page_image(ctx, principal, document_id, page.number)
        return Image.open(io.BytesIO(png))


def crop_line(image: Image.Image, page: Page, line: Line) -> bytes:
    """The line's box (with a margin) cut out of the page image, as PNG."""
    if line.bbox is None:
        raise BadParameter("this line has no box on the page, so it has no image to save")
    sx = image.width / page.width if page.width else 1.0
    sy = image.height / page.height if page.height else 1.0
    box = line.bbox
    pad = max(2.0, (box.y1 - box.y0) * CROP_PADDING)
    left, top = max(0, int((box.x0 - pad) * sx)), max(0, int((box.y0 - pad) * sy))
    right = min(image.width, int((box.x1 + pad) * sx + 1))
    bottom = min(image.height, int((box.y1 + pad) * sy + 1))
    if right <= left or bottom <= top:
        raise BadParameter("this line's box lies outside the page image")
    out = io.BytesIO()
    image.crop((left, top, right, bottom)).save(out, format="PNG")
    return out.getvalue()


def add_correction(
    ctx: ServiceContext, principal: Principal, *, document_id: str, page: int, line: int, text: str,
    dataset: str = DEFAULT_DATASET,
) -> dict[str, Any]:
    """Save a corrected line as a ground-truth sample of the tenant's dataset ``dataset``."""
    principal.require_write()
    root = dataset_root(ctx, principal.tenant_id, dataset)
    result = load_result(ctx, principal, document_id)
    page_model, line_model = find_line(result, page, line)
    if line_model.bbox is None:
        raise BadParameter("this line has no box on the page, so it has no image to save")
    crop = crop_line(page_image(ctx, principal, document_id, page_model), page_model, line_model)
    file = f"files/{document_id}-p{page}-l{line}.png"
    engine = engine_name(page_model)
    sample = Sample(
        id=f"{document_id}-p{page}-l{line}",
        file=file,
        text=text,
        tags=["source:review"] + ([f"engine:{engine}"] if engine else []),
        meta={
            "document_id": document_id, "filename": result.source.name, "page": page, "line": line,
            "original": line_model.text, "confidence": line_confidence(line_model),
            "bbox": line_model.bbox.model_dump() if line_model.bbox else None,
            "corrected_by": principal.key_id,
        },
    )
    with _locked(root):
        (root / "files").mkdir(exist_ok=True)
        (root / file).write_bytes(crop)
        current = _load(root) or Dataset(root, DatasetInfo(
            name=dataset, description="Line corrections from the ocrops review queue",
            source="ocrops review queue", format="ocrops-review",
        ), [])
        samples = [s for s in current.samples if s.id != sample.id] + [sample]
        current.with_samples(samples).save(root)
    return {"dataset": dataset, "sample": sample.model_dump(), "samples": len(samples)}


# --- datasets ------------------------------------------------------------------------------------------


def _datasets(ctx: ServiceContext, tenant_id: str) -> Iterator[Dataset]:
    base = tenant_root(ctx, tenant_id)
    if not base.is_dir():
        return
    for child in sorted(base.iterdir()):
        if child.is_dir() and DATASET_NAME.match(child.name) and (child / "manifest.jsonl").is_file():
            with contextlib.suppress(Exception):  # one broken manifest must not hide the others
                yield Dataset.load(child)


def list_datasets(ctx: ServiceContext, principal: Principal) -> list[dict[str, Any]]:
    return [
        {"name": d.root.name, "samples": len(d), "description": d.info.description, "path": str(d.root),
         "updated_at": (d.root / "manifest.jsonl").stat().st_mtime}
        for d in _datasets(ctx, principal.tenant_id)
    ]


def get_dataset(ctx: ServiceContext, principal: Principal, name: str) -> Dataset:
    dataset = _load(dataset_root(ctx, principal.tenant_id, name))
    if dataset is None:
        raise NotFound(f"no dataset {name!r}")
    return dataset


def sample_file(ctx: ServiceContext, principal: Principal, name: str, sample_id: str) -> Path:
    dataset = get_dataset(ctx, principal, name)
    path = dataset.resolve(dataset.get(sample_id))
    if not path.is_file():
        raise NotFound(f"the file of sample {sample_id!r} is missing")
    return path


# --- ground truth for a document -------------------------------------------------------------------------

_HASHES: dict[tuple[str, int, int], str] = {}


def _sha256(path: Path) -> str | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        if len(_HASHES) > 10_000:
            _HASHES.clear()
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


def ground_truth(ctx: ServiceContext, principal: Principal, document_id: str) -> dict[str, Any]:
    """Ground truth the tenant's datasets hold for a document: samples of the same file (by
    content hash) and line corrections made from it."""
    from ocrops.services import documents

    doc = documents.get_document(ctx, principal, document_id)
    whole, lines = [], []
    for dataset in _datasets(ctx, principal.tenant_id):
        for sample in dataset:
            if sample.meta.get("document_id") == document_id and "line" in sample.meta:
                lines.append({"dataset": dataset.root.name, "sample_id": sample.id,
                              "page": sample.meta.get("page"), "line": sample.meta["line"],
                              "text": sample.text, "original": sample.meta.get("original")})
            elif sample.text is not None or sample.markdown is not None:
                with contextlib.suppress(Exception):
                    if _sha256(dataset.resolve(sample)) == doc.sha256:
                        text = sample.text if sample.text is not None else sample.markdown
                        whole.append({"dataset": dataset.root.name, "sample_id": sample.id,
                                      "page": sample.page, "text": text, "fields": sample.fields})
    return {"document_id": document_id, "documents": whole, "lines": lines}
