// Upload: drop several files, choose the engine and its options (a form generated from the
// engine's JSON Schema), submit: each file becomes a job (POST /api/v1/documents).

import { request } from "../api.js";
import { app, errorBox } from "../app.js";
import { field, fmtBytes, h } from "../dom.js";
import { enginePicker, loadEngines } from "../engines.js";

const FORMATS = ["md", "json", "txt", "html", "csv"];

function newKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

// The conversion options shared by every file of one submission.
export function commonOptions() {
  const languages = h("input", { type: "text", name: "languages", value: "eng", autocomplete: "off", spellcheck: "false" });
  const pages = h("input", { type: "text", name: "pages", placeholder: "all", autocomplete: "off" });
  const dpi = h("input", { type: "number", name: "dpi", min: "36", max: "1200", step: "1", placeholder: "server default" });
  const priority = h("input", { type: "number", name: "priority", min: "0", max: "9", step: "1", value: "0" });
  const webhook = h("input", { type: "url", name: "webhook_url", placeholder: "https://…", autocomplete: "off" });
  const formatBoxes = FORMATS.map((format) => h("input", { type: "checkbox", name: "formats", value: format, checked: format === "md" || format === "json", id: `format-${format}` }));
  const formats = h("fieldset", { class: "formats" }, h("legend", {}, "Result formats"),
    h("div", { class: "row" }, formatBoxes.map((box) => h("span", { class: "field check" }, box, h("label", { for: box.id }, box.value)))));
  const element = h("div", {},
    h("div", { class: "form-grid" },
      field("Languages", languages, "Tesseract-style, e.g. eng+deu."),
      field("Pages", pages, "A selection like 1-3,7; empty for every page.")),
    formats,
    h("details", {}, h("summary", {}, "More options"),
      h("div", { class: "form-grid" },
        field("Render DPI (PDF pages)", dpi),
        field("Priority (0–9, higher first)", priority),
        field("Webhook URL", webhook, "POSTed, signed, when the job finishes."))));
  return {
    element,
    fill(form) {
      if (languages.value.trim()) form.append("languages", languages.value.trim());
      if (pages.value.trim()) form.append("pages", pages.value.trim());
      if (dpi.value.trim()) form.append("dpi", dpi.value.trim());
      if (priority.value.trim() && priority.value !== "0") form.append("priority", priority.value.trim());
      if (webhook.value.trim()) form.append("webhook_url", webhook.value.trim());
      const chosen = formatBoxes.filter((box) => box.checked).map((box) => box.value);
      form.append("formats", (chosen.length ? chosen : ["md"]).join(","));
    },
  };
}

// POST one file; resolves to {document, job, created}.
export function submitFile(file, engine, engineOptions, common) {
  const form = new FormData();
  form.append("file", file, file.name);
  form.append("engine", engine);
  if (Object.keys(engineOptions).length) form.append("engine_options", JSON.stringify(engineOptions));
  common.fill(form);
  return request("/documents", { method: "POST", form, headers: { "Idempotency-Key": newKey() } });
}

// A drop zone over a keyboard-reachable file input; onFiles(list of File).
export function dropZone(onFiles, { multiple = true, label = "Drop files here" } = {}) {
  const input = h("input", { type: "file", multiple, class: "visually-hidden", id: "file-input", name: "file" });
  const zone = h("label", { class: "dropzone", for: "file-input" },
    h("strong", {}, label),
    h("span", { class: "muted" }, "or press Enter / click to choose: PDF, images, Word, PowerPoint, Excel, HTML"),
    input);
  input.addEventListener("change", () => {
    onFiles(Array.from(input.files));
    input.value = "";
  });
  zone.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      input.click();
    }
  });
  input.addEventListener("focus", () => zone.classList.add("over"));
  input.addEventListener("blur", () => zone.classList.remove("over"));
  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("over");
    });
  }
  for (const type of ["dragleave", "drop"]) zone.addEventListener(type, () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    onFiles(Array.from(event.dataTransfer.files || []));
  });
  return { element: zone, input };
}

export async function render(main) {
  main.append(h("div", { class: "page-head" }, h("h1", {}, "Upload documents")));
  if (!app.canWrite) {
    main.append(h("p", { class: "notice info" }, "This API key is read-only: it can look at documents but not submit them."));
    return;
  }
  const engines = await loadEngines();
  const files = [];
  const list = h("ul", { class: "file-list", "aria-label": "Files to convert" });
  const submit = h("button", { type: "submit", disabled: true }, "Convert");
  const results = h("div", { "aria-live": "polite" });

  function renderList() {
    list.replaceChildren(...files.map((file, index) => {
      const remove = h("button", { type: "button", class: "secondary small", "aria-label": `Remove ${file.name}` }, "Remove");
      remove.addEventListener("click", () => {
        files.splice(index, 1);
        renderList();
      });
      return h("li", {}, h("span", { class: "name" }, file.name), h("span", { class: "muted small" }, fmtBytes(file.size)), remove);
    }));
    submit.disabled = files.length === 0;
    submit.textContent = files.length > 1 ? `Convert ${files.length} files` : "Convert";
  }

  const zone = dropZone((added) => {
    files.push(...added);
    renderList();
  });
  const picker = enginePicker(engines);
  const common = commonOptions();
  const form = h("form", { class: "card", "aria-label": "Upload" },
    zone.element, list,
    h("h2", {}, "Engine and options"),
    picker.element,
    common.element,
    h("div", { class: "actions" }, submit, h("a", { href: "#/jobs", class: "button secondary" }, "See jobs")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let engineOptions;
    try {
      engineOptions = picker.options();
    } catch (error) {
      results.replaceChildren(errorBox(error));
      return;
    }
    submit.disabled = true;
    const batch = files.splice(0, files.length);
    renderList();
    const rows = batch.map((file) => ({ file, status: h("span", { class: "muted" }, "uploading…") }));
    results.replaceChildren(h("h2", {}, "Submitted"),
      h("ul", { class: "file-list" }, rows.map((row) => h("li", {}, h("span", { class: "name" }, row.file.name), row.status))));
    let ok = 0;
    for (const row of rows) {
      try {
        const submission = await submitFile(row.file, picker.engine(), engineOptions, common);
        ok += 1;
        row.status.replaceChildren(
          h("span", { class: `badge ${submission.job.state}` }, submission.job.state), " ",
          h("a", { href: `#/documents/${encodeURIComponent(submission.document.id)}` }, "open"));
      } catch (error) {
        row.status.replaceChildren(errorBox(error));
      }
    }
    if (ok) results.append(h("div", { class: "actions" }, h("a", { class: "button", href: "#/jobs" }, "Watch the jobs")));
    submit.disabled = files.length === 0;
  });
  main.append(form, results);
}
