"""Benchmark runs of the caller's tenant: list, one run, its report, two runs compared.

Runs are created by ``ocrops bench run`` (or ``services.bench.run_bench``); this API reads them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ocrops.api.deps import CtxDep, ReadOnlyOK
from ocrops.evaluate.records import RunStatus

router = APIRouter(prefix="/bench", tags=["benchmarks"])

# The report is self-contained HTML (inline CSS and SVG): nothing else may load or run in it.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"
REPORT_TYPES = {
    "html": "text/html; charset=utf-8", "json": "application/json", "csv": "text/csv; charset=utf-8",
}


class RunOut(BaseModel):
    id: str
    label: str
    name: str
    dataset_name: str
    dataset_version: str
    engine: str
    engine_version: str
    engine_options: dict[str, Any]
    status: str
    started_at: datetime
    finished_at: datetime | None
    summary: dict[str, Any] = Field(description="Headline numbers: samples, failures, cer, wer, ...")


class RunDetail(RunOut):
    normalisation: str
    metrics: list[str]
    workers: int
    totals: dict[str, Any]


def _run_out(run: Any, cls: type[RunOut] = RunOut) -> RunOut:
    from ocrops.services import bench

    data = {**run.model_dump(), "label": run.label, "status": run.status.value, "summary": bench.summary(run)}
    return cls.model_validate(data)


@router.get("/runs", response_model=list[RunOut], summary="Benchmark runs, newest first")
def list_runs(
    ctx: CtxDep,
    principal: ReadOnlyOK,
    dataset: Annotated[str | None, Query(max_length=200, description="Only runs on this dataset.")] = None,
    status: Annotated[RunStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RunOut]:
    from ocrops.services import bench

    runs = bench.list_runs(dataset, status=status, limit=limit, db=ctx.db, tenant_id=principal.tenant_id)
    return [_run_out(run) for run in runs]


@router.get("/runs/{run_id}", response_model=RunDetail, summary="One run (id or unique id prefix)")
def get_run(run_id: str, ctx: CtxDep, principal: ReadOnlyOK) -> RunOut:
    from ocrops.services import bench

    return _run_out(bench.get_run(run_id, db=ctx.db, tenant_id=principal.tenant_id), RunDetail)


@router.get(
    "/runs/{run_id}/report",
    response_class=Response,
    summary="A run's report: summary, charts, results by tag and the worst documents' diffs",
    responses={200: {"content": {t: {} for t in REPORT_TYPES.values()}}},
)
def run_report(
    run_id: str,
    ctx: CtxDep,
    principal: ReadOnlyOK,
    format: Annotated[Literal["html", "json", "csv"], Query()] = "html",
    worst: Annotated[int, Query(ge=0, le=100, description="How many worst documents to show.")] = 10,
) -> Response:
    from ocrops.services import bench

    content = bench.report([run_id], format, worst=worst, db=ctx.db, tenant_id=principal.tenant_id)
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if format == "html":
        headers["Content-Security-Policy"] = REPORT_CSP
    return Response(content, media_type=REPORT_TYPES[format], headers=headers)


@router.get("/compare", summary="Two runs compared: metric deltas with bootstrap intervals and the gate")
def compare_runs(
    ctx: CtxDep,
    principal: ReadOnlyOK,
    base: Annotated[str, Query(min_length=1, max_length=64, description="The baseline run (id or prefix).")],
    new: Annotated[str, Query(min_length=1, max_length=64, description="The run compared with it.")],
    max_cer_increase: Annotated[float, Query(ge=0, le=1)] = 0.005,
    max_f1_drop: Annotated[float, Query(ge=0, le=1)] = 0.01,
    n_boot: Annotated[int, Query(ge=100, le=10_000, description="Bootstrap draws.")] = 1000,
) -> dict[str, Any]:
    from ocrops.services import bench

    comparison, exit_code = bench.compare(
        base, new, max_cer_increase=max_cer_increase, max_f1_drop=max_f1_drop, n_boot=n_boot,
        db=ctx.db, tenant_id=principal.tenant_id,
    )
    return {**comparison.to_dict(), "exit_code": exit_code}
