// Compare: the same document through two engines, side by side, differences highlighted at
// character level; and against ground truth when the tenant's datasets hold some for it.

import { get } from "../api.js";
import { app, errorBox, navigate } from "../app.js";
import { field, fmtDate, fmtPercent, h } from "../dom.js";
import { diff, diffStats, renderSide, renderUnified } from "../diff.js";
import { enginePicker, loadEngines } from "../engines.js";
import { commonOptions, dropZone, submitFile } from "./upload.js";
import { splitText } from "./document.js";

const enc = encodeURIComponent;
const ACTIVE = new Set(["queued", "running"]);

const normalise = (text, on) => (on ? text.replace(/[ \t]+/g, " ").replace(/ *\n+ */g, "\n").trim() : text);

function similarity(stats) {
  const longest = Math.max(stats.same + stats.removed, stats.same + stats.added);
  return longest ? stats.same / longest : 1;
}

async function documentChoices() {
  const [documents, jobs] = await Promise.all([get("/documents", { query: { limit: 100 } }), get("/jobs", { query: { limit: 200 } })]);
  const engineOf = new Map();
  for (const job of jobs.items) if (!engineOf.has(job.document_id)) engineOf.set(job.document_id, job.engine);
  return documents.items.map((d) => ({ ...d, engine: engineOf.get(d.id) || "?" }));
}

function choiceLabel(d) {
  return `${d.filename} · ${d.engine} · ${d.state || "–"} · ${fmtDate(d.created_at)}`;
}

async function waitFinished(id, status) {
  for (;;) {
    const doc = await get(`/documents/${enc(id)}`);
    if (!ACTIVE.has(doc.state)) return doc;
    status.textContent = `${doc.filename}: ${doc.state}…`;
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
}

async function resultText(id) {
  const result = await get(`/documents/${enc(id)}/result`, { query: { format: "json" } });
  const numbers = result.pages.map((p) => p.number);
  const text = await get(`/documents/${enc(id)}/result`, { query: { format: "txt" }, as: "text" });
  return { numbers, pages: splitText(text, numbers), whole: text.replace(/\f/g, "\n") };
}

function pickerSection(choices, query) {
  const options = (selected, sameAs) => {
    const sorted = [...choices].sort((x, y) => Number(y.sha256 === sameAs) - Number(x.sha256 === sameAs));
    return [h("option", { value: "" }, "— choose a document —"),
      ...sorted.map((d) => h("option", { value: d.id, selected: d.id === selected }, `${d.sha256 === sameAs && sameAs ? "★ " : ""}${choiceLabel(d)}`))];
  };
  const a = h("select", { name: "a" }, options(query.a, null));
  const docA = choices.find((d) => d.id === query.a);
  const b = h("select", { name: "b" }, options(query.b, docA ? docA.sha256 : null));
  a.addEventListener("change", () => {
    const chosen = choices.find((d) => d.id === a.value);
    b.replaceChildren(...options(b.value, chosen ? chosen.sha256 : null));
  });
  const form = h("form", { class: "card", "aria-labelledby": "pick-title" },
    h("h2", { id: "pick-title" }, "Compare two results"),
    h("div", { class: "form-grid" },
      field("Document A", a),
      field("Document B", b, "★ marks results of the same file (same content).")),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Compare")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (a.value && b.value) navigate("/compare", { a: a.value, b: b.value });
  });
  return form;
}

async function runSection(choices, query) {
  const engines = await loadEngines();
  const docA = choices.find((d) => d.id === query.a);
  let file = null;
  const chosen = h("p", { class: "muted small" }, "No file chosen.");
  const zone = dropZone((files) => {
    file = files[0] || null;
    chosen.textContent = file ? `File: ${file.name}` : "No file chosen.";
  }, { multiple: false, label: docA ? `Drop ${docA.filename} again` : "Drop one file" });
  const pickA = enginePicker(engines, { label: "Engine A", initial: docA ? docA.engine : "tesseract", withOptions: false });
  const pickB = enginePicker(engines, { label: "Engine B", initial: docA && docA.engine === "rapidocr" ? "tesseract" : "rapidocr", withOptions: false });
  const common = commonOptions();
  const status = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", "aria-labelledby": "run-title" },
    h("h2", { id: "run-title" }, "Run one file through two engines"),
    h("p", { class: "muted small" }, "The file is submitted once per engine; a result the server already has for the same file and options is reused without running OCR again."),
    zone.element, chosen,
    h("div", { class: "form-grid" }, pickA.element, pickB.element),
    h("details", {}, h("summary", {}, "Conversion options"), common.element),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Run and compare")), status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!file) {
      status.replaceChildren(errorBox(new Error("Choose a file first.")));
      return;
    }
    status.replaceChildren(h("p", {}, "Submitting…"));
    try {
      const [first, second] = await Promise.all([
        submitFile(file, pickA.engine(), {}, common), submitFile(file, pickB.engine(), {}, common)]);
      navigate("/compare", { a: first.document.id, b: second.document.id });
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  });
  return form;
}

function diffPanels(textA, textB, labelA, labelB) {
  const ops = diff(textA, textB);
  const stats = diffStats(ops);
  return h("div", {},
    h("p", { class: "diff-stats" },
      `Similarity ${fmtPercent(similarity(stats))} · ${stats.removed} characters only in A, ${stats.added} only in B. `,
      h("span", { class: "legend-diff" }, h("del", {}, "only in A"), " ", h("ins", {}, "only in B"))),
    h("div", { class: "grid-2" },
      h("section", { "aria-label": labelA }, h("h3", {}, labelA), renderSide(ops, "a")),
      h("section", { "aria-label": labelB }, h("h3", {}, labelB), renderSide(ops, "b"))));
}

function truthSection(truth, results, loose) {
  const section = h("section", { class: "card", "aria-labelledby": "gt-title" }, h("h2", { id: "gt-title" }, "Against ground truth"));
  if (!truth.documents.length && !truth.lines.length) {
    section.append(h("p", { class: "muted" }, "None of your datasets holds ground truth for this file. Correct lines in the ",
      h("a", { href: "#/review" }, "review queue"), " to build some."));
    return section;
  }
  for (const gt of truth.documents) {
    section.append(h("p", { class: "muted small" }, `Dataset ${gt.dataset}, sample ${gt.sample_id}${gt.page ? `, page ${gt.page}` : ""}.`));
    for (const { label, text } of results) {
      const reference = normalise(gt.text || "", loose);
      const ops = diff(reference, normalise(text, loose));
      const stats = diffStats(ops);
      const errors = Math.max(stats.removed, stats.added);
      section.append(h("h3", {}, `${label}: ${fmtPercent(reference.length ? errors / reference.length : 0)} characters differ`),
        h("p", { class: "legend-diff small" }, h("del", {}, "missing or wrong"), " ", h("ins", {}, "added by the engine")),
        renderUnified(ops));
    }
  }
  if (truth.lines.length) {
    section.append(h("h3", {}, `${truth.lines.length} corrected line${truth.lines.length === 1 ? "" : "s"} of A`));
    const rows = truth.lines.map((line) => h("tr", {},
      h("td", { class: "num" }, String(line.page)), h("td", { class: "num" }, String(line.line)),
      h("td", {}, renderUnified(diff(line.original || "", line.text || ""))), h("td", {}, line.dataset)));
    section.append(h("div", { class: "table-wrap" }, h("table", { class: "data" },
      h("thead", {}, h("tr", {}, ["Page", "Line", "Engine → corrected", "Dataset"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows))));
  }
  return section;
}

async function comparison(main, query) {
  const status = h("p", { class: "muted", "aria-live": "polite" }, "Waiting for both results…");
  const slot = h("div", {}, status);
  main.append(slot);
  const [docA, docB] = await Promise.all([waitFinished(query.a, status), waitFinished(query.b, status)]);
  const [jobA, jobB] = await Promise.all([docA, docB].map((d) => (d.job_id ? get(`/jobs/${enc(d.job_id)}`).catch(() => null) : null)));
  const labelA = `A: ${docA.filename} · ${jobA ? jobA.engine : "?"}`;
  const labelB = `B: ${docB.filename} · ${jobB ? jobB.engine : "?"}`;
  let textA;
  let textB;
  try {
    [textA, textB] = await Promise.all([resultText(docA.id), resultText(docB.id)]);
  } catch (error) {
    slot.replaceChildren(errorBox(error));
    return;
  }
  const truth = await get("/review/ground-truth", { query: { document_id: docA.id } }).catch(() => ({ documents: [], lines: [] }));
  const pageNumbers = [...new Set([...textA.numbers, ...textB.numbers])].sort((x, y) => x - y);
  const pageSelect = h("select", { name: "page" },
    h("option", { value: "all" }, "whole document"), pageNumbers.map((n) => h("option", { value: String(n) }, `page ${n}`)));
  const loose = h("input", { type: "checkbox", id: "loose-space", checked: true });
  const panels = h("div");
  const truthSlot = h("div");
  function draw() {
    const page = pageSelect.value;
    const a = page === "all" ? textA.whole : textA.pages.get(Number(page)) || "";
    const b = page === "all" ? textB.whole : textB.pages.get(Number(page)) || "";
    panels.replaceChildren(diffPanels(normalise(a, loose.checked), normalise(b, loose.checked), labelA, labelB));
    truthSlot.replaceChildren(truthSection(truth, [{ label: labelA, text: textA.whole }, { label: labelB, text: textB.whole }], loose.checked));
  }
  pageSelect.addEventListener("change", draw);
  loose.addEventListener("change", draw);
  const same = docA.sha256 === docB.sha256;
  slot.replaceChildren(h("section", { class: "card", "aria-labelledby": "diff-title" },
    h("h2", { id: "diff-title" }, "Differences"),
    same ? null : h("p", { class: "notice warn" }, "A and B are different files: the differences are not only the engines'."),
    h("div", { class: "row" }, h("div", { class: "field" }, h("label", { for: "cmp-page" }, "Show"), Object.assign(pageSelect, { id: "cmp-page" })),
      h("span", { class: "field check" }, loose, h("label", { for: "loose-space" }, "Ignore spacing differences")),
      h("a", { class: "button secondary small", href: `#/documents/${enc(docA.id)}` }, "Open A"),
      h("a", { class: "button secondary small", href: `#/documents/${enc(docB.id)}` }, "Open B")),
    panels), truthSlot);
  draw();
}

export async function render(main, { query }) {
  main.append(h("div", { class: "page-head" }, h("h1", {}, "Compare engines")));
  const choices = await documentChoices();
  if (query.a && query.b) {
    await comparison(main, query);
  }
  const tools = h("div", { class: "grid-2" }, pickerSection(choices, query));
  if (app.canWrite) tools.append(await runSection(choices, query));
  main.append(tools);
}
