// Review queue: lines whose confidence is below a threshold, each with its image; correct the
// text in place and save it: the correction becomes ground truth in a dataset of the tenant.

import { apiUrl, get, post } from "../api.js";
import { app, errorBox, notify, setQuery } from "../app.js";
import { field, fmtPercent, h } from "../dom.js";

const enc = encodeURIComponent;
const pageImages = new Map(); // url -> Promise<HTMLImageElement>, one fetch per page

function loadImage(url) {
  if (!pageImages.has(url)) {
    pageImages.set(url, new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => {
        pageImages.delete(url);
        reject(new Error("page image unavailable"));
      };
      img.src = url;
    }));
  }
  return pageImages.get(url);
}

// The line's box cut from the page image (the image may be smaller than the page's pixel size).
async function drawCrop(canvas, item) {
  const img = await loadImage(apiUrl(`/documents/${enc(item.document_id)}/pages/${item.page}/image`));
  const sx = img.naturalWidth / (item.page_width || img.naturalWidth);
  const sy = img.naturalHeight / (item.page_height || img.naturalHeight);
  const b = item.bbox;
  const pad = Math.max(2, (b.y1 - b.y0) * 0.25);
  const x = Math.max(0, (b.x0 - pad) * sx);
  const y = Math.max(0, (b.y0 - pad) * sy);
  const w = Math.min(img.naturalWidth - x, (b.x1 - b.x0 + 2 * pad) * sx);
  const hgt = Math.min(img.naturalHeight - y, (b.y1 - b.y0 + 2 * pad) * sy);
  const scale = Math.min(3, Math.max(1, 44 / Math.max(1, hgt)));
  canvas.width = Math.max(1, Math.round(w * scale));
  canvas.height = Math.max(1, Math.round(hgt * scale));
  canvas.getContext("2d").drawImage(img, x, y, w, hgt, 0, 0, canvas.width, canvas.height);
}

function datasetsPanel(datasets) {
  if (!datasets.length) return h("p", { class: "muted small" }, "No dataset yet: the first correction creates one.");
  return h("div", { class: "table-wrap" }, h("table", { class: "data" },
    h("caption", { class: "visually-hidden" }, "Your datasets"),
    h("thead", {}, h("tr", {}, ["Dataset", "Samples", "Benchmark it with"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, datasets.map((d) => h("tr", {},
      h("td", {}, d.name), h("td", { class: "num" }, String(d.samples)),
      h("td", {}, h("code", {}, `ocrops bench run ${d.path} -e tesseract`)))))));
}

export async function render(main, { query }) {
  const threshold = h("input", { type: "number", min: "0", max: "1", step: "0.05", value: query.threshold || "0.8", name: "threshold" });
  const scan = h("input", { type: "number", min: "1", max: "200", step: "1", value: query.documents || "20", name: "documents" });
  const dataset = h("input", { type: "text", name: "dataset", value: query.dataset || "review", pattern: "[A-Za-z0-9][A-Za-z0-9._-]{0,63}", autocomplete: "off", spellcheck: "false" });
  const filters = h("form", { class: "card", "aria-label": "Review settings" },
    h("div", { class: "form-grid" },
      field("Confidence below", threshold, "Lines whose confidence (0–1) is under this are listed."),
      field("Save corrections to dataset", dataset, "A dataset of your tenant; created on the first correction."),
      query.document_id ? null : field("Newest documents to scan", scan)),
    query.document_id ? h("p", { class: "small" }, "Only document ", h("a", { href: `#/documents/${enc(query.document_id)}` }, query.document_id), ". ", h("a", { href: "#/review" }, "Show all documents.")) : null,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Show lines")));
  const summary = h("p", { class: "muted", "aria-live": "polite" });
  const list = h("ol", { class: "review-list", "aria-label": "Lines to review" });
  const datasetsSlot = h("div");
  main.append(
    h("div", { class: "page-head" }, h("h1", {}, "Review queue")),
    h("p", { class: "muted" }, "Correct what the engine misread. Each correction saves the line's image and your text as a ground-truth sample, ready for ", h("code", {}, "ocrops bench run"), "."),
    filters, summary, list, h("h2", {}, "Your datasets"), datasetsSlot);

  async function refreshDatasets() {
    try {
      datasetsSlot.replaceChildren(datasetsPanel(await get("/datasets")));
    } catch (error) {
      datasetsSlot.replaceChildren(errorBox(error));
    }
  }

  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      drawCrop(entry.target, entry.target.item).catch(() => entry.target.replaceWith(h("span", { class: "muted small" }, "(no image)")));
    }
  }, { rootMargin: "300px 0px" });

  function itemView(item, position) {
    const input = h("input", { type: "text", name: "text", value: item.text, autocomplete: "off", spellcheck: "false" });
    input.dataset.original = item.text;
    const save = h("button", { type: "submit", disabled: !app.canWrite }, "Save correction");
    const note = h("span", { class: "small", "aria-live": "polite" });
    const li = h("li", { class: "review-item", dataset: { documentId: item.document_id, page: String(item.page), line: String(item.line) } });
    const canvas = h("canvas", { width: "1", height: "1", role: "img", "aria-label": `Image of line ${item.line + 1} on page ${item.page}` });
    canvas.item = item;
    const form = h("form", { "aria-label": `Correct line ${item.line + 1} of page ${item.page}` },
      field(`Text of line ${position}`, input), save, note);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      save.disabled = true;
      note.replaceChildren("Saving…");
      try {
        const saved = await post("/review/corrections", {
          document_id: item.document_id, page: item.page, line: item.line, text: input.value, dataset: dataset.value.trim() || "review",
        });
        li.classList.add("saved");
        note.replaceChildren(h("span", { class: "badge succeeded" }, "saved"), ` to ${saved.dataset} (${saved.samples} samples)`);
        refreshDatasets();
        const nextInput = li.nextElementSibling?.querySelector("input[name=text]");
        if (nextInput) nextInput.focus();
      } catch (error) {
        note.replaceChildren(errorBox(error));
      } finally {
        save.disabled = !app.canWrite;
      }
    });
    li.append(
      h("div", { class: "meta" },
        h("a", { href: `#/documents/${enc(item.document_id)}?page=${item.page}` }, item.filename),
        h("span", {}, `page ${item.page}, line ${item.line + 1}`),
        h("span", {}, "confidence ", h("span", { class: "conf" }, fmtPercent(item.confidence))),
        item.engine ? h("span", {}, item.engine) : null),
      item.bbox ? h("div", { class: "crop" }, canvas) : null,
      form);
    if (item.bbox) observer.observe(canvas);
    return li;
  }

  async function load() {
    summary.textContent = "Looking for low-confidence lines…";
    list.replaceChildren();
    try {
      const queue = await get("/review", { query: {
        threshold: threshold.value, documents: query.document_id ? undefined : scan.value, document_id: query.document_id, limit: 200,
      } });
      const count = queue.items.length;
      summary.textContent = count
        ? `${count}${queue.truncated ? "+" : ""} line${count === 1 ? "" : "s"} below ${fmtPercent(queue.threshold)} in ${queue.documents_scanned} document${queue.documents_scanned === 1 ? "" : "s"}.`
        : `No line below ${fmtPercent(queue.threshold)} in ${queue.documents_scanned} finished document${queue.documents_scanned === 1 ? "" : "s"}.`;
      queue.items.forEach((item, i) => list.append(itemView(item, i + 1)));
    } catch (error) {
      summary.replaceChildren(errorBox(error));
    }
  }

  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!dataset.checkValidity()) {
      notify("The dataset name may use letters, digits, '.', '_' and '-' only.");
      dataset.focus();
      return;
    }
    setQuery({ threshold: threshold.value, documents: scan.value, dataset: dataset.value, document_id: query.document_id });
    load();
  });
  await Promise.all([load(), refreshDatasets()]);
  return () => observer.disconnect();
}
