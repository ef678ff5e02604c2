"""Benchmark reports: one self-contained HTML file (inline CSS and SVG charts), or CSV / JSON summaries.

The HTML holds a summary table per run (mean and median CER, WER, field F1, TEDS, olmOCR pass
rate, page-latency percentiles, pages per second, failures), charts (latency and CER
distributions, accuracy against speed), a per-tag breakdown and the worst documents of each run
with a character-level diff against the ground truth. Numbers follow the conventions of
:mod:`ocrops.evaluate.summary`, recomputed from the stored results (so an interrupted run can
be reported too).
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from string import Template
from typing import Any

from ocrops.errors import BadParameter
from ocrops.evaluate.records import RunData, SampleResult
from ocrops.evaluate.summary import METRIC_SPECS, SPECS_BY_NAME, by_tag, metric_values, summarise

FORMATS = ("html", "csv", "json")
SUMMARY_METRICS = ("cer", "wer", "field_f1", "teds", "olmocr_pass_rate")
MAX_DIFF_CHARS = 6000
TEMPLATES = Path(__file__).resolve().parent / "templates"


def build_report(
    runs: Sequence[RunData], fmt: str = "html", *, worst: int = 10, title: str | None = None
) -> str:
    if fmt not in FORMATS:
        raise BadParameter(f"unknown report format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if not runs:
        raise BadParameter("a report needs at least one run")
    if fmt == "csv":
        return _csv(runs)
    if fmt == "json":
        return _json(runs)
    return _html(runs, worst=worst, title=title)


def run_summary(data: RunData) -> dict[str, Any]:
    return summarise(data.results, wall_seconds=data.run.totals.get("wall_seconds"))


# --- CSV and JSON ------------------------------------------------------------------------


def summary_row(data: RunData) -> dict[str, Any]:
    run, summary = data.run, run_summary(data)
    row: dict[str, Any] = {
        "run_id": run.id,
        "label": run.label,
        "engine": run.engine,
        "engine_version": run.engine_version,
        "options_hash": run.options_hash,
        "dataset": run.dataset_name,
        "dataset_version": run.dataset_version,
        "normalisation": run.normalisation,
        "status": run.status.value,
        "samples": summary["samples"],
        "failures": summary["failures"],
        "pages": summary["pages"],
    }
    for spec in METRIC_SPECS:
        values = summary["metrics"].get(spec.name) or {}
        row[f"{spec.name}_mean"] = values.get("mean")
        row[f"{spec.name}_median"] = values.get("median")
        if spec.counts is not None:
            row[f"{spec.name}_pooled"] = values.get("pooled")
    for q in ("p50", "p95", "p99"):
        row[f"latency_{q}"] = summary["latency"][q]
    row["pages_per_second"] = summary["pages_per_second"]
    return row


def _csv(runs: Sequence[RunData]) -> str:
    rows = [summary_row(data) for data in runs]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def _json(runs: Sequence[RunData]) -> str:
    payload = {
        "generated_at": datetime.now(UTC).isoformat(),
        "runs": [
            {
                "run": data.run.model_dump(mode="json", exclude={"totals"}),
                "summary": run_summary(data),
                "tags": {tag: summarise(group) for tag, group in by_tag(data.results).items()},
            }
            for data in runs
        ],
    }
    return json.dumps(payload, indent=2, sort_keys=False) + "\n"


# --- HTML ----------------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return html.escape(str(value))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], text_columns: int = 1) -> str:
    def cell(tag: str, index: int, content: str) -> str:
        cls = ' class="text"' if index < text_columns else ""
        return f"<{tag}{cls}>{content}</{tag}>"

    head = "".join(cell("th", i, html.escape(h)) for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _runs_table(runs: Sequence[RunData]) -> str:
    rows = [
        [
            html.escape(d.run.label),
            f"<code>{d.run.id}</code>",
            html.escape(d.run.engine),
            html.escape(d.run.engine_version or "–"),
            f"<code>{html.escape(d.run.options_hash)}</code>",
            html.escape(json.dumps(d.run.engine_options, sort_keys=True)),
            f"{html.escape(d.run.dataset_name)} <code>{html.escape(d.run.dataset_version[:12])}</code>",
            html.escape(d.run.normalisation or "none"),
            html.escape(d.run.status.value),
            html.escape(d.run.started_at.strftime("%Y-%m-%d %H:%M UTC")),
        ]
        for d in runs
    ]
    headers = [
        "run",
        "id",
        "engine",
        "version",
        "options hash",
        "engine options",
        "dataset",
        "normalisation",
        "status",
        "started",
    ]
    return _table(headers, rows, text_columns=len(headers))


def _present_metrics(runs: Sequence[RunData]) -> list[str]:
    """The summary metrics at least one run has (a text-only dataset shows no TEDS columns)."""
    return [m for m in SUMMARY_METRICS if any(metric_values(d.results, m) for d in runs)]


def _summary_table(runs: Sequence[RunData]) -> str:
    metrics = _present_metrics(runs)
    headers = ["run", "samples", "failures", "pages"]
    for name in metrics:
        label = SPECS_BY_NAME[name].label
        pooled = [f"{label} pooled"] if SPECS_BY_NAME[name].counts else []
        headers += [f"{label} mean", f"{label} median", *pooled]
    headers += ["latency p50 (s)", "p95 (s)", "p99 (s)", "pages/s"]
    rows = []
    for data in runs:
        row = summary_row(data)
        failures = f'<span class="failed">{row["failures"]}</span>' if row["failures"] else "0"
        cells = [html.escape(data.run.label), _fmt(row["samples"]), failures, _fmt(row["pages"])]
        for name in metrics:
            cells += [_fmt(row[f"{name}_mean"]), _fmt(row[f"{name}_median"])]
            if SPECS_BY_NAME[name].counts:
                cells.append(_fmt(row[f"{name}_pooled"]))
        cells += [
            _fmt(row["latency_p50"], 3),
            _fmt(row["latency_p95"], 3),
            _fmt(row["latency_p99"], 3),
            _fmt(row["pages_per_second"], 2),
        ]
        rows.append(cells)
    return _table(headers, rows)


def _charts(runs: Sequence[RunData]) -> str:
    from ocrops.evaluate import charts

    latencies = {d.run.label: [t for r in d.results for t in r.page_latencies] for d in runs}
    cers = {d.run.label: metric_values(d.results, "cer") for d in runs}
    points = []
    for data in runs:
        summary = run_summary(data)
        cer = (summary["metrics"].get("cer") or {}).get("mean")
        if cer is not None and summary["pages_per_second"]:
            points.append((data.run.label, summary["pages_per_second"], cer))
    svgs = [
        charts.boxplot_svg(latencies, xlabel="seconds per page", title="Page latency", log=True),
        charts.boxplot_svg(cers, xlabel="CER per sample", title="CER distribution"),
        charts.scatter_svg(
            points,
            xlabel="pages per second (one worker)",
            ylabel="mean CER (lower is better)",
            title="Accuracy vs speed",
        ),
    ]
    figures = [f"<figure>{charts.prefix_ids(svg, f'c{i}')}</figure>" for i, svg in enumerate(svgs) if svg]
    return "\n".join(figures) or '<p class="muted">No data to chart.</p>'


def _tags_table(runs: Sequence[RunData]) -> str:
    grouped = [by_tag(d.results) for d in runs]
    tags = sorted({tag for groups in grouped for tag in groups})
    metrics = _present_metrics(runs)
    if not tags or not metrics:
        return '<p class="muted">No tags.</p>'
    headers = ["tag", "metric"] + [d.run.label for d in runs]
    rows = []
    for tag in tags:
        for name in metrics:
            cells = [html.escape(tag), html.escape(SPECS_BY_NAME[name].label)]
            for groups in grouped:
                values = metric_values(groups.get(tag, []), name)
                cells.append(
                    f"{sum(values) / len(values):.4f} <span class=muted>(n={len(values)})</span>"
                    if values
                    else "–"
                )
            rows.append(cells)
    return _table(headers, rows, text_columns=2)


def _badness(result: SampleResult) -> tuple[int, float]:
    """Failures first, then highest CER, else lowest of the higher-is-better scores."""
    if result.failed:
        return (1, float("inf"))
    if result.metrics.get("cer") is not None:
        return (0, float(result.metrics["cer"] or 0.0))
    scores = [
        result.metrics[m]
        for m in ("field_f1", "teds", "olmocr_pass_rate")
        if result.metrics.get(m) is not None
    ]
    return (0, 1 - min(scores)) if scores else (0, 0.0)


def char_diff_html(reference: str, prediction: str) -> str:
    """Character-level diff as HTML: ``<del>`` what the prediction lacks, ``<ins>`` what it adds."""
    from rapidfuzz.distance import Levenshtein

    parts = []
    for tag, a0, a1, b0, b1 in Levenshtein.opcodes(reference, prediction):
        old, new = html.escape(reference[a0:a1]), html.escape(prediction[b0:b1])
        if tag == "equal":
            parts.append(old)
        elif tag == "delete":
            parts.append(f"<del>{old}</del>")
        elif tag == "insert":
            parts.append(f"<ins>{new}</ins>")
        else:
            parts.append(f"<del>{old}</del><ins>{new}</ins>")
    return "".join(parts)


def _worst(runs: Sequence[RunData], count: int) -> str:
    from ocrops.evaluate.normalise import normaliser_from_spec

    sections = []
    for data in runs:
        normaliser = normaliser_from_spec(data.run.normalisation or None)
        ranked = sorted(data.results, key=_badness, reverse=True)[: max(count, 0)]
        items = [f"<h3>{html.escape(data.run.label)}</h3>"]
        for result in ranked:
            items.append(_worst_item(result, normaliser))
        if not ranked:
            items.append('<p class="muted">No results.</p>')
        sections.append("\n".join(items))
    return "\n".join(sections)


def _worst_item(result: SampleResult, normaliser: Any) -> str:
    scores = ", ".join(
        f"{SPECS_BY_NAME[m].label} {result.metrics[m]:.4f}"
        for m in SUMMARY_METRICS
        if result.metrics.get(m) is not None
    )
    head = (
        f"<p><strong>{html.escape(result.sample_id)}</strong> <code>{html.escape(result.file)}"
        f"{'' if result.page is None else f' p.{result.page}'}</code> {html.escape(scores)}"
    )
    if result.error:
        head += f' <span class="failed">error: {html.escape(result.error)}</span>'
    head += "</p>"
    if result.reference is None:
        return head + '<p class="muted">No text ground truth to diff against.</p>'
    reference = normaliser(result.reference)[:MAX_DIFF_CHARS]
    prediction = normaliser(result.prediction)[:MAX_DIFF_CHARS]
    return head + f'<pre class="diff">{char_diff_html(reference, prediction)}</pre>'


def _html(runs: Sequence[RunData], *, worst: int, title: str | None) -> str:
    from ocrops import __version__

    datasets = sorted({d.run.dataset_name for d in runs})
    page_title = title or f"ocrops benchmark: {', '.join(datasets)}"
    template = Template((TEMPLATES / "report.html").read_text(encoding="utf-8"))
    return template.substitute(
        title=html.escape(page_title),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=html.escape(__version__),
        runs_table=_runs_table(runs),
        summary_table=_summary_table(runs),
        charts=_charts(runs),
        tags_table=_tags_table(runs),
        worst=_worst(runs, worst),
    )
