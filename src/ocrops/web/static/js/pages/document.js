// Document view: the page image with its boxes, and text / Markdown / JSON side by side.
// Only the current page image is loaded; thumbnails load when they scroll into view.

import { apiUrl, del, get } from "../api.js";
import { app, errorBox, navigate, notify, setQuery } from "../app.js";
import { fmtBytes, fmtDate, fmtDuration, fmtPercent, h, tabs } from "../dom.js";
import { renderMarkdown } from "../markdown.js";
import { drawOverlay, LEVELS, lineConfidence, pageLines } from "../overlay.js";
import { duration } from "./jobs.js";

const FORMATS = [["md", "Markdown"], ["json", "JSON"], ["txt", "Text"], ["html", "HTML"], ["csv", "CSV (tables)"]];
const FINISHED = new Set(["succeeded", "partial", "failed", "cancelled"]);
const overlayChoice = { block: false, line: true, word: false }; // kept across pages and documents

const enc = encodeURIComponent;

// "<!-- page N -->" markers split the Markdown of a multi-page document (see render/markdown.py)
export function splitMarkdown(markdown) {
  const parts = markdown.split(/^<!-- page (\d+) -->$/m);
  if (parts.length === 1) return new Map([[1, markdown.trim()]]);
  const pages = new Map();
  for (let i = 1; i < parts.length; i += 2) pages.set(Number(parts[i]), parts[i + 1].trim());
  return pages;
}

// Plain text separates pages with form feeds, in the result's page order.
export function splitText(text, numbers) {
  const chunks = text.split("\f");
  return new Map(numbers.map((number, i) => [number, (chunks[i] || "").replace(/\n$/, "")]));
}

function waitForJob(main, doc) {
  const status = h("p", { "aria-live": "polite" });
  const bar = h("progress", { max: "1", value: "0", "aria-label": "pages done" });
  main.append(h("div", { class: "card" }, h("h2", {}, "Converting…"), status, bar));
  let timer = null;
  let stopped = false;
  async function poll() {
    try {
      const job = await get(`/jobs/${enc(doc.job_id)}`);
      if (stopped) return;
      status.textContent = `${job.state}: ${job.pages_done} of ${job.pages_total || "?"} pages done · ${fmtDuration(duration(job))}`;
      bar.max = job.pages_total || 1;
      bar.value = job.pages_done;
      if (FINISHED.has(job.state)) {
        navigate(`/documents/${enc(doc.id)}`);
        return;
      }
    } catch (error) {
      if (error.status === 401) return;
      status.replaceChildren(errorBox(error));
    }
    timer = setTimeout(poll, 1500);
  }
  poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function header(doc, job) {
  const actions = [
    h("a", { class: "button secondary small", href: `#/compare?a=${enc(doc.id)}` }, "Compare engines"),
    h("a", { class: "button secondary small", href: `#/review?document_id=${enc(doc.id)}` }, "Review lines"),
  ];
  if (app.canWrite) {
    actions.push(h("button", {
      type: "button", class: "danger small",
      onclick: async () => {
        if (!window.confirm(`Delete ${doc.filename}? It is purged after the retention period.`)) return;
        try {
          await del(`/documents/${enc(doc.id)}`);
          notify(`Deleted ${doc.filename}`, "ok");
          navigate("/jobs");
        } catch (error) {
          notify(error);
        }
      },
    }, "Delete"));
  }
  return h("div", { class: "page-head" },
    h("h1", {}, doc.filename),
    doc.state ? h("span", { class: `badge ${doc.state}` }, doc.state) : null,
    h("span", { class: "muted small" }, `${doc.page_count} page${doc.page_count === 1 ? "" : "s"} · ${fmtBytes(doc.size)} · ${job ? job.engine : ""}`),
    h("div", { class: "actions" }, actions));
}

function downloads(doc) {
  return h("div", { class: "downloads", role: "group", "aria-label": "Downloads" },
    FORMATS.map(([format, label]) => h("a", {
      class: "button secondary small", href: apiUrl(`/documents/${enc(doc.id)}/result`, { format }),
      download: `${doc.filename.replace(/\.[^.]+$/, "")}.${format}`,
    }, `⬇ ${label}`)));
}

function warningsFor(page) {
  const items = [];
  if (page.status === "error") items.push(h("li", { class: "notice error" }, `This page failed: ${page.error || "unknown error"}`));
  if (page.status === "blank") items.push(h("li", { class: "notice info" }, "Blank page: not sent to an engine."));
  for (const warning of page.warnings || []) {
    const value = warning.value === null || warning.value === undefined ? "" : ` (${Number(warning.value).toFixed(2)})`;
    items.push(h("li", { class: "notice warn" }, h("span", {}, h("strong", {}, warning.code), `: ${warning.message}${value}`)));
  }
  if (!items.length) return h("p", { class: "muted small" }, "No quality warnings on this page.");
  return h("ul", { class: "warnings", "aria-label": "Quality warnings" }, items);
}

function pageInfo(page, job) {
  const lines = pageLines(page);
  const confidences = lines.map(lineConfidence).filter((c) => c !== null && c !== undefined);
  const meanConfidence = confidences.length ? confidences.reduce((a, b) => a + b, 0) / confidences.length : null;
  const engine = page.engine ? `${page.engine.route || page.engine.name} ${page.engine.version || ""}` : job ? job.engine : "–";
  const rows = [
    ["Engine", engine.trim()],
    ["Size", `${Math.round(page.width)} × ${Math.round(page.height)} px at ${page.dpi} dpi`],
    ["Rotation / skew", `${page.rotation}° / ${Number(page.skew || 0).toFixed(2)}°`],
    ["Lines", String(lines.length)],
    ["Mean line confidence", fmtPercent(meanConfidence)],
    ["Cached", page.cached ? "yes" : "no"],
    ...Object.entries(page.timings || {}).map(([stage, seconds]) => [`Time: ${stage}`, fmtDuration(seconds)]),
  ];
  return h("dl", { class: "kv" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

export async function render(main, { id, query }) {
  const doc = await get(`/documents/${enc(id)}`);
  const job = doc.job_id ? await get(`/jobs/${enc(doc.job_id)}`).catch(() => null) : null;
  main.append(header(doc, job));
  if (doc.state === "queued" || doc.state === "running") return waitForJob(main, doc);
  let result;
  try {
    result = await get(`/documents/${enc(id)}/result`, { query: { format: "json" } });
  } catch (error) {
    main.append(errorBox(error));
    if (job && job.error) main.append(h("p", {}, `Job error: ${job.error}`));
    return undefined;
  }
  const pages = result.pages || [];
  if (!pages.length) {
    main.append(h("p", { class: "empty" }, "The result has no pages."));
    return undefined;
  }
  const numbers = pages.map((p) => p.number);
  let index = Math.max(0, numbers.indexOf(Number(query.page || numbers[0])));

  // --- left: the page image, its boxes, page navigation -------------------------------------------
  const img = h("img", { alt: "", decoding: "async" });
  const stage = h("div", { class: "page-stage" }, img);
  const imgNote = h("div");
  let overlay = null;
  const toggles = LEVELS.map((level) => {
    const box = h("input", { type: "checkbox", id: `show-${level}`, checked: overlayChoice[level] });
    box.addEventListener("change", () => {
      overlayChoice[level] = box.checked;
      if (overlay) overlay.show(level, box.checked);
    });
    return h("label", { for: box.id }, box, `${level}s`);
  });
  const prev = h("button", { type: "button", class: "secondary small", "aria-label": "Previous page" }, "‹ Prev");
  const next = h("button", { type: "button", class: "secondary small", "aria-label": "Next page" }, "Next ›");
  const pageInput = h("input", { type: "number", min: "1", max: String(Math.max(...numbers)), id: "page-number", inputmode: "numeric" });
  const pageOf = h("span", { class: "muted small" });
  const goForm = h("form", { class: "row", "aria-label": "Go to page" },
    h("label", { for: "page-number" }, "Page"), pageInput, pageOf, h("button", { type: "submit", class: "secondary small" }, "Go"));
  const thumbs = h("div", { class: "thumbs", role: "group", "aria-label": "Pages" });
  const viewer = h("section", { class: "viewer", "aria-label": "Page image" },
    h("div", { class: "viewer-tools" },
      h("span", { class: "small muted" }, "Boxes:"), toggles,
      h("span", { class: "legend-scale", title: "Box colour: confidence" }, "low", h("span", { class: "bar" }), "high")),
    h("div", { class: "page-nav" }, prev, next, goForm),
    imgNote,
    stage,
    numbers.length > 1 ? thumbs : null);

  // --- right: warnings, tabs, downloads ------------------------------------------------------------------
  const warnings = h("div");
  const views = tabs([
    { key: "text", label: "Text" },
    { key: "markdown", label: "Markdown" },
    { key: "raw", label: "Markdown source" },
    { key: "json", label: "JSON" },
    { key: "info", label: "Page info" },
  ], { label: "Result views", onChange: () => fillPanels() });
  const side = h("section", { class: "stack", "aria-label": "Result" },
    h("h2", { class: "visually-hidden" }, "Result"), warnings, views.list, ...views.panels,
    h("h3", {}, "Downloads (whole document)"), downloads(doc));
  main.append(h("div", { class: "doc-layout" }, viewer, side));

  let texts = null;
  let markdowns = null;
  async function fillPanels() {
    const page = pages[index];
    const active = views.list.querySelector('[aria-selected="true"]').dataset.key;
    const panel = views.panelFor(active);
    try {
      if (active === "text") {
        texts = texts || splitText(await get(`/documents/${enc(id)}/result`, { query: { format: "txt" }, as: "text" }), numbers);
        panel.replaceChildren(h("pre", { class: "raw", "aria-label": `Text of page ${page.number}` }, texts.get(page.number) || ""));
      } else if (active === "markdown" || active === "raw") {
        markdowns = markdowns || splitMarkdown(await get(`/documents/${enc(id)}/result`, { query: { format: "md" }, as: "text" }));
        const md = markdowns.get(page.number) ?? (numbers.length === 1 ? [...markdowns.values()][0] : "");
        panel.replaceChildren(active === "raw" ? h("pre", { class: "raw" }, md) : renderMarkdown(md));
      } else if (active === "json") {
        panel.replaceChildren(h("pre", { class: "json" }, JSON.stringify(page, null, 2)));
      } else {
        panel.replaceChildren(pageInfo(page, job));
      }
    } catch (error) {
      panel.replaceChildren(errorBox(error));
    }
  }

  // thumbnails: an <img> gets its src only when its button scrolls into the strip's view, and
  // one at a time after the page image: rendering pages costs the server CPU
  const waiting = [];
  let thumbBusy = false;
  function pumpThumbs() {
    if (thumbBusy || stage.classList.contains("loading")) return;
    const thumb = waiting.shift();
    if (!thumb) return;
    thumbBusy = true;
    const done = () => {
      thumbBusy = false;
      pumpThumbs();
    };
    thumb.addEventListener("load", done, { once: true });
    thumb.addEventListener("error", done, { once: true });
    thumb.src = thumb.dataset.src;
  }
  const observer = "IntersectionObserver" in window ? new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const thumb = entry.target.querySelector("img");
      const queued = waiting.indexOf(thumb);
      if (!entry.isIntersecting) {
        if (queued >= 0) waiting.splice(queued, 1); // scrolled past before its turn
        continue;
      }
      if (!thumb.src && queued < 0) waiting.push(thumb);
    }
    pumpThumbs();
  }, { root: thumbs, rootMargin: "0px 200px" }) : null;
  const thumbButtons = numbers.length > 1 ? numbers.map((number, i) => {
    const button = h("button", { type: "button", "aria-label": `Page ${number}`, title: `Page ${number}` },
      h("img", { alt: "", dataset: { src: apiUrl(`/documents/${enc(id)}/pages/${number}/image`) } }),
      h("span", { "aria-hidden": "true" }, String(number)));
    button.addEventListener("click", () => show(i));
    thumbs.append(button);
    if (observer) observer.observe(button);
    return button;
  }) : [];

  function show(i) {
    index = Math.max(0, Math.min(numbers.length - 1, i));
    const page = pages[index];
    setQuery({ page: page.number });
    const src = apiUrl(`/documents/${enc(id)}/pages/${page.number}/image`);
    if (img.getAttribute("src") !== src) {
      stage.classList.add("loading"); // no stale image under the new page's boxes
      img.src = src;
    }
    img.alt = `Page ${page.number} of ${doc.filename}`;
    if (overlay) overlay.element.remove();
    overlay = drawOverlay(page, overlayChoice);
    stage.append(overlay.element);
    pageInput.value = String(page.number);
    pageOf.textContent = `of ${numbers.length === doc.page_count ? doc.page_count : `${numbers.length} converted (${doc.page_count} in file)`}`;
    prev.disabled = index === 0;
    next.disabled = index === numbers.length - 1;
    thumbButtons.forEach((b, j) => b.setAttribute("aria-current", String(j === index)));
    const thumb = thumbButtons[index];
    // scroll the strip only, never the window
    if (thumb) thumbs.scrollLeft = thumb.offsetLeft - (thumbs.clientWidth - thumb.offsetWidth) / 2;
    warnings.replaceChildren(warningsFor(page));
    fillPanels();
  }

  img.addEventListener("error", () => {
    stage.classList.remove("loading");
    pumpThumbs();
    imgNote.replaceChildren(
      errorBox(new Error("The page image could not be loaded (office and text documents have no page images).")));
  });
  img.addEventListener("load", () => {
    imgNote.replaceChildren();
    stage.classList.remove("loading");
    pumpThumbs();
  });
  prev.addEventListener("click", () => show(index - 1));
  next.addEventListener("click", () => show(index + 1));
  goForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const target = numbers.indexOf(Number(pageInput.value));
    if (target < 0) notify(`Page ${pageInput.value} is not in the result (pages ${numbers[0]}–${numbers[numbers.length - 1]}).`);
    else show(target);
  });
  const onKey = (event) => {
    if (event.target.closest("input, textarea, select, [role=tab]")) return;
    if (event.key === "PageDown" || (event.key === "ArrowRight" && event.altKey)) { event.preventDefault(); show(index + 1); }
    if (event.key === "PageUp" || (event.key === "ArrowLeft" && event.altKey)) { event.preventDefault(); show(index - 1); }
  };
  document.addEventListener("keydown", onKey);
  show(index);
  return () => {
    document.removeEventListener("keydown", onKey);
    if (observer) observer.disconnect();
  };
}
