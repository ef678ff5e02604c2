// Benchmarks: the runs list, one run's report (the same HTML as `ocrops bench report`, embedded
// in a sandboxed frame), and two runs compared with deltas and bootstrap intervals.

import { apiUrl, get } from "../api.js";
import { navigate } from "../app.js";
import { fmtDate, fmtNumber, fmtPercent, h } from "../dom.js";

const enc = encodeURIComponent;
const COLUMNS = [
  ["cer", "CER", fmtPercent], ["wer", "WER", fmtPercent], ["field_f1", "Field F1", fmtNumber],
  ["teds", "TEDS", fmtNumber], ["olmocr_pass_rate", "olmOCR pass", fmtPercent],
  ["latency_p95", "p95 s/page", (v) => fmtNumber(v, 2)],
];

function statValue(value) {
  if (value && typeof value === "object") return value.mean ?? value.pooled ?? value.value ?? null;
  return value;
}

async function runsPage(main) {
  main.append(h("div", { class: "page-head" }, h("h1", {}, "Benchmarks")));
  const runs = await get("/bench/runs", { query: { limit: 200 } });
  if (!runs.length) {
    main.append(h("div", { class: "empty" },
      h("p", {}, "No benchmark runs yet. Run one from a shell:"),
      h("pre", { class: "raw" }, "ocrops bench run DATASET_FOLDER -e tesseract -e rapidocr"),
      h("p", {}, "Corrections saved from the ", h("a", { href: "#/review" }, "review queue"), " form a dataset you can benchmark.")));
    return;
  }
  const picks = [];
  const compareButton = h("button", { type: "button", disabled: true }, "Compare the two selected runs");
  const hint = h("span", { class: "muted small", "aria-live": "polite" }, "Select two runs to compare them.");
  function update() {
    const chosen = picks.filter((p) => p.checked);
    compareButton.disabled = chosen.length !== 2;
    hint.textContent = chosen.length === 2 ? "Older run is the baseline." : "Select two runs to compare them.";
  }
  const rows = runs.map((run) => {
    const box = h("input", { type: "checkbox", value: run.id, "aria-label": `Select ${run.label}` });
    box.dataset.started = run.started_at;
    box.addEventListener("change", update);
    picks.push(box);
    return h("tr", {},
      h("td", { "data-label": "Select" }, box),
      h("td", { "data-label": "Run" }, h("a", { href: `#/bench/runs/${enc(run.id)}` }, run.label),
        run.name ? h("div", { class: "muted small" }, run.id.slice(0, 8)) : null),
      h("td", { "data-label": "Dataset" }, run.dataset_name),
      h("td", { "data-label": "Engine" }, `${run.engine} ${run.engine_version || ""}`),
      h("td", { "data-label": "Status" }, h("span", { class: `badge ${run.status}` }, run.status)),
      h("td", { "data-label": "Samples", class: "num" }, `${run.summary.samples ?? "–"}${run.summary.failures ? ` (${run.summary.failures} failed)` : ""}`),
      COLUMNS.map(([key, label, format]) => h("td", { "data-label": label, class: "num" }, format(statValue(run.summary[key])))),
      h("td", { "data-label": "Started", class: "nowrap" }, fmtDate(run.started_at)));
  });
  compareButton.addEventListener("click", () => {
    const [x, y] = picks.filter((p) => p.checked).sort((p, q) => p.dataset.started.localeCompare(q.dataset.started));
    navigate("/bench/compare", { base: x.value, new: y.value });
  });
  main.append(
    h("div", { class: "table-wrap" }, h("table", { class: "data responsive" },
      h("caption", { class: "visually-hidden" }, "Benchmark runs, newest first"),
      h("thead", {}, h("tr", {}, ["", "Run", "Dataset", "Engine", "Status", "Samples", ...COLUMNS.map((c) => c[1]), "Started"]
        .map((t, i) => h("th", { scope: "col", class: i >= 5 && i < 5 + COLUMNS.length + 1 ? "num" : undefined }, t || h("span", { class: "visually-hidden" }, "Select"))))),
      h("tbody", {}, rows))),
    h("div", { class: "actions" }, compareButton, hint));
}

async function runPage(main, id) {
  const run = await get(`/bench/runs/${enc(id)}`);
  const reportUrl = apiUrl(`/bench/runs/${enc(run.id)}/report`);
  main.append(
    h("div", { class: "page-head" }, h("h1", {}, `Run ${run.label}`),
      h("span", { class: `badge ${run.status}` }, run.status),
      h("div", { class: "actions" },
        h("a", { class: "button secondary small", href: reportUrl, target: "_blank", rel: "noopener" }, "Open report in a new tab"),
        h("a", { class: "button secondary small", href: apiUrl(`/bench/runs/${enc(run.id)}/report`, { format: "json" }), download: `run-${run.id.slice(0, 8)}.json` }, "⬇ JSON"),
        h("a", { class: "button secondary small", href: apiUrl(`/bench/runs/${enc(run.id)}/report`, { format: "csv" }), download: `run-${run.id.slice(0, 8)}.csv` }, "⬇ CSV"),
        h("a", { class: "button secondary small", href: "#/bench" }, "All runs"))),
    h("dl", { class: "kv card" },
      [["Dataset", `${run.dataset_name} ${run.dataset_version ? `(version ${run.dataset_version.slice(0, 12)})` : ""}`],
        ["Engine", `${run.engine} ${run.engine_version}`],
        ["Options", JSON.stringify(run.engine_options)],
        ["Normalisation", run.normalisation || "–"],
        ["Samples", `${run.summary.samples ?? "–"} (${run.summary.failures ?? 0} failed)`],
        ["Started / finished", `${fmtDate(run.started_at)} / ${fmtDate(run.finished_at)}`],
        ["Run id", run.id]].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    h("h2", {}, "Report"),
    h("iframe", { class: "report", src: reportUrl, title: `Benchmark report of run ${run.label}`, sandbox: "", loading: "lazy" }));
}

function deltaClass(delta) {
  if (!delta.delta) return "";
  const better = delta.higher_is_better ? delta.delta > 0 : delta.delta < 0;
  return better ? "delta-better" : "delta-worse";
}

async function comparePage(main, query) {
  const result = await get("/bench/compare", { query: { base: query.base, new: query.new } });
  const verdict = result.regressed
    ? h("p", { class: "notice error", role: "status" }, "Regression: a gated metric got worse by more than its threshold.")
    : h("p", { class: "notice ok", role: "status" }, "No regression on the gated metrics.");
  const rows = result.deltas.map((d) => h("tr", {},
    h("td", { "data-label": "Metric" }, d.label, d.threshold !== null && d.threshold !== undefined ? h("span", { class: "muted small" }, ` (gate ±${d.threshold})`) : null),
    h("td", { "data-label": "Samples", class: "num" }, String(d.samples)),
    h("td", { "data-label": "Base", class: "num" }, fmtNumber(d.base, 4)),
    h("td", { "data-label": "New", class: "num" }, fmtNumber(d.new, 4)),
    h("td", { "data-label": "Delta", class: `num ${deltaClass(d)}` }, `${d.delta > 0 ? "+" : ""}${fmtNumber(d.delta, 4)}`),
    h("td", { "data-label": "95% interval", class: "num nowrap" }, `[${fmtNumber(d.ci_low, 4)}, ${fmtNumber(d.ci_high, 4)}]`),
    h("td", { "data-label": "Verdict" }, d.regressed ? h("span", { class: "badge failed" }, "regressed") : h("span", { class: "muted" }, "ok"))));
  main.append(
    h("div", { class: "page-head" }, h("h1", {}, "Compare runs"), h("div", { class: "actions" }, h("a", { class: "button secondary small", href: "#/bench" }, "All runs"))),
    h("p", {}, "Base ", h("a", { href: `#/bench/runs/${enc(result.base_id)}` }, result.base_label), " → new ",
      h("a", { href: `#/bench/runs/${enc(result.new_id)}` }, result.new_label),
      h("span", { class: "muted" }, ` · ${result.shared} shared samples, ${result.only_base} only in base, ${result.only_new} only in new`)),
    verdict,
    ...result.warnings.map((w) => h("p", { class: "notice warn" }, w)),
    h("div", { class: "table-wrap" }, h("table", { class: "data responsive" },
      h("caption", { class: "visually-hidden" }, "Metric deltas, new minus base"),
      h("thead", {}, h("tr", {}, ["Metric", "Samples", "Base", "New", "Delta", "95% interval", "Verdict"].map((t, i) => h("th", { scope: "col", class: i >= 1 && i <= 5 ? "num" : undefined }, t)))),
      h("tbody", {}, rows))),
    h("p", { class: "muted small" }, "Intervals come from a paired bootstrap over the shared samples; an interval that spans 0 means the data cannot tell."));
}

export async function render(main, { page, id, query }) {
  if (page === "bench-run") return runPage(main, id);
  if (page === "bench-compare") return comparePage(main, query);
  return runsPage(main);
}
