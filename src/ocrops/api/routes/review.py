"""The review queue and the tenant's datasets: low-confidence lines, corrections saved as ground truth.

* ``GET /review?threshold=0.8``: lines below the threshold in the newest finished documents
  (lines already corrected are left out unless ``include_corrected``).
* ``POST /review/corrections``: ``{document_id, page, line, text, dataset}``: the line's image and
  corrected text become a sample of the dataset (created on first use).
* ``GET /review/ground-truth?document_id=``: what the tenant's datasets know about a document.
* ``GET /datasets``, ``GET /datasets/{name}/samples``, ``GET /datasets/{name}/samples/{id}/file``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from ocrops.api.deps import CtxDep, ReadOnlyOK, RequireMember
from ocrops.web import review

router = APIRouter(tags=["review"])


class ReviewItem(BaseModel):
    document_id: str
    filename: str
    page: int
    line: int = Field(description="0-based line index on the page, blocks in reading order.")
    text: str
    confidence: float
    bbox: dict[str, float] | None
    page_width: float
    page_height: float
    engine: str | None


class ReviewQueue(BaseModel):
    threshold: float
    documents_scanned: int
    truncated: bool = Field(description="More lines are below the threshold than `limit`.")
    items: list[ReviewItem]


class Correction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_id: str = Field(min_length=1, max_length=64)
    page: int = Field(ge=1)
    line: int = Field(ge=0)
    text: str = Field(max_length=5000, description="The line's correct text.")
    dataset: str = Field(review.DEFAULT_DATASET, max_length=64, description="The tenant's dataset for it.")


class CorrectionOut(BaseModel):
    dataset: str
    samples: int
    sample: dict[str, Any]


class DatasetOut(BaseModel):
    name: str
    samples: int
    description: str
    path: str = Field(description="The dataset folder on the server, for `ocrops bench run`.")
    updated_at: float


class SamplesOut(BaseModel):
    name: str
    total: int
    offset: int
    samples: list[dict[str, Any]]


@router.get("/review", response_model=ReviewQueue, summary="Lines whose confidence is below a threshold")
def review_queue(
    ctx: CtxDep,
    principal: ReadOnlyOK,
    threshold: Annotated[float, Query(ge=0, le=1)] = 0.8,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many lines.")] = 200,
    documents: Annotated[int, Query(ge=1, le=200, description="How many newest documents to scan.")] = 20,
    document_id: Annotated[str | None, Query(max_length=64, description="Only this document.")] = None,
    include_corrected: bool = False,
) -> dict[str, Any]:
    return review.review_queue(ctx, principal, threshold=threshold, limit=limit, documents_limit=documents,
                               document_id=document_id, include_corrected=include_corrected)


@router.post("/review/corrections", response_model=CorrectionOut, status_code=201,
             summary="Save a line's correct text as ground truth in a dataset of the tenant")
def correct_line(body: Correction, ctx: CtxDep, principal: RequireMember) -> dict[str, Any]:
    return review.add_correction(ctx, principal, document_id=body.document_id, page=body.page, line=body.line,
                                 text=body.text, dataset=body.dataset)


@router.get("/review/ground-truth", summary="Ground truth the tenant's datasets hold for a document")
def ground_truth(
    ctx: CtxDep, principal: ReadOnlyOK, document_id: Annotated[str, Query(min_length=1, max_length=64)]
) -> dict[str, Any]:
    return review.ground_truth(ctx, principal, document_id)


@router.get("/datasets", response_model=list[DatasetOut], summary="The tenant's datasets")
def list_datasets(ctx: CtxDep, principal: ReadOnlyOK) -> list[dict[str, Any]]:
    return review.list_datasets(ctx, principal)


@router.get("/datasets/{name}/samples", response_model=SamplesOut, summary="Samples of a dataset")
def dataset_samples(
    name: str,
    ctx: CtxDep,
    principal: ReadOnlyOK,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    dataset = review.get_dataset(ctx, principal, name)
    chunk = dataset.samples[offset : offset + limit]
    return {"name": name, "total": len(dataset), "offset": offset,
            "samples": [s.model_dump(exclude_none=True) for s in chunk]}


@router.get("/datasets/{name}/samples/{sample_id}/file", response_class=FileResponse,
            summary="A sample's file (the line image of a correction)")
def sample_file(name: str, sample_id: str, ctx: CtxDep, principal: ReadOnlyOK) -> FileResponse:
    path = review.sample_file(ctx, principal, name, sample_id)
    headers = {"Cache-Control": "private, max-age=60", "X-Content-Type-Options": "nosniff",
               "Content-Security-Policy": "default-src 'none'; sandbox"}
    return FileResponse(path, headers=headers)
