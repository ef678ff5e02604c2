// Jobs: a live list (polling GET /jobs) with state, pages done / total, engine and duration,
// cancel and retry. Rows are updated in place, so keyboard focus survives every refresh.

import { get, post } from "../api.js";
import { app, notify, setQuery } from "../app.js";
import { field, fmtDate, fmtDuration, h } from "../dom.js";

const ACTIVE = new Set(["queued", "running"]);
const RETRYABLE = new Set(["failed", "partial", "cancelled"]);
const STATES = ["", "queued", "running", "succeeded", "partial", "failed", "cancelled"];
const FAST_POLL_MS = 1500;
const SLOW_POLL_MS = 10000;

const filenames = new Map(); // document id -> filename (documents do not change name)

async function resolveNames(jobs) {
  let missing = [...new Set(jobs.map((j) => j.document_id).filter((id) => !filenames.has(id)))];
  if (missing.length > 3) { // one listing instead of a request per document
    try {
      for (const doc of (await get("/documents", { query: { limit: 200 } })).items) filenames.set(doc.id, doc.filename);
    } catch { /* fall back to one request each */ }
    missing = missing.filter((id) => !filenames.has(id));
  }
  await Promise.all(missing.map(async (id) => {
    try {
      filenames.set(id, (await get(`/documents/${encodeURIComponent(id)}`)).filename);
    } catch {
      filenames.set(id, id.slice(0, 8));
    }
  }));
}

export function duration(job) {
  if (!job.started_at) return null;
  const end = job.finished_at ? new Date(job.finished_at) : new Date();
  return Math.max(0, (end - new Date(job.started_at)) / 1000);
}

function stateBadge(job) {
  const text = job.cancel_requested && ACTIVE.has(job.state) ? `${job.state} (cancelling)` : job.state;
  return h("span", { class: `badge ${job.state}` }, text);
}

function progressCell(job) {
  const total = job.pages_total || 0;
  const done = job.pages_done || 0;
  const label = total ? `${done} / ${total}` : "–";
  return [h("progress", { max: String(total || 1), value: String(total ? done : 0), "aria-label": `pages done ${label}` }), " ", h("span", { class: "small" }, label)];
}

export async function render(main, { query }) {
  let state = query.state || "";
  const stateSelect = h("select", { name: "state" }, STATES.map((s) => h("option", { value: s }, s || "all states")));
  stateSelect.value = state;
  const live = h("span", { class: "muted small", "aria-live": "off" });
  const tbody = h("tbody");
  const table = h("table", { class: "data responsive" },
    h("caption", { class: "visually-hidden" }, "Jobs, newest first"),
    h("thead", {}, h("tr", {}, ["Document", "Engine", "State", "Pages", "Duration", "Created", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
    tbody);
  const empty = h("p", { class: "empty", hidden: true }, "No jobs yet. ", h("a", { href: "#/upload" }, "Upload a document."));
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Load older jobs");
  main.append(
    h("div", { class: "page-head" }, h("h1", {}, "Jobs"),
      h("div", { class: "actions" }, field("Show", stateSelect), live)),
    h("div", { class: "table-wrap" }, table), empty, h("div", { class: "actions" }, more));

  const rows = new Map(); // job id -> {tr, cells, lastState}
  let extra = []; // jobs of older pages loaded with "Load older jobs"
  let cursor = null;
  let timer = null;
  let stopped = false;

  async function act(job, action) {
    try {
      const updated = await post(`/jobs/${encodeURIComponent(job.id)}/${action}`);
      notify(`Job ${action === "cancel" ? "cancellation requested" : "queued again"}: ${filenames.get(job.document_id) || job.id}`, "ok");
      upsert(updated);
      schedule(FAST_POLL_MS);
    } catch (error) {
      notify(error);
    }
  }

  function actionsFor(job) {
    const buttons = [h("a", { class: "button secondary small", href: `#/documents/${encodeURIComponent(job.document_id)}` }, "View")];
    const name = filenames.get(job.document_id) || job.id;
    if (app.canWrite && ACTIVE.has(job.state) && !job.cancel_requested) {
      buttons.push(h("button", { type: "button", class: "danger small", "aria-label": `Cancel ${name}`, onclick: () => act(job, "cancel") }, "Cancel"));
    }
    if (app.canWrite && RETRYABLE.has(job.state)) {
      buttons.push(h("button", { type: "button", class: "secondary small", "aria-label": `Retry ${name}`, onclick: () => act(job, "retry") }, "Retry"));
    }
    return h("div", { class: "actions" }, buttons);
  }

  function fill(row, job) {
    const name = filenames.get(job.document_id) || job.document_id;
    const cells = row.cells;
    const link = h("a", { href: `#/documents/${encodeURIComponent(job.document_id)}` }, name);
    cells.doc.replaceChildren(...(job.error ? [link, h("div", { class: "small muted" }, job.error)] : [link]));
    cells.engine.textContent = job.engine;
    cells.state.replaceChildren(stateBadge(job));
    cells.pages.replaceChildren(...progressCell(job));
    cells.duration.textContent = fmtDuration(duration(job));
    cells.created.textContent = fmtDate(job.created_at);
    const key = `${job.state}|${job.cancel_requested}|${app.canWrite}`;
    if (row.actionsKey !== key) {
      const focused = row.tr.contains(document.activeElement) ? document.activeElement.textContent : null;
      cells.actions.replaceChildren(actionsFor(job));
      row.actionsKey = key;
      if (focused) {
        const again = [...cells.actions.querySelectorAll("a, button")].find((el) => el.textContent === focused);
        (again || cells.actions.querySelector("a"))?.focus();
      }
    }
    row.tr.dataset.state = job.state;
  }

  function upsert(job) {
    let row = rows.get(job.id);
    if (!row) {
      const labels = { doc: "Document", engine: "Engine", state: "State", pages: "Pages", duration: "Duration", created: "Created", actions: "Actions" };
      const cells = Object.fromEntries(Object.entries(labels).map(([key, label]) => [key, h("td", { "data-label": label, class: key === "duration" ? "num nowrap" : key === "pages" ? "nowrap" : undefined })]));
      row = { tr: h("tr", { dataset: { jobId: job.id } }, Object.values(cells)), cells, actionsKey: null };
      rows.set(job.id, row);
    }
    fill(row, job);
    return row;
  }

  function schedule(ms) {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(refresh, ms);
  }

  async function refresh() {
    try {
      const page = await get("/jobs", { query: { state, limit: 50 } });
      if (stopped) return;
      await resolveNames([...page.items, ...extra]);
      if (cursor === null) cursor = page.next_cursor;
      const shown = [...page.items, ...extra.filter((job) => !page.items.some((j) => j.id === job.id))];
      const wanted = shown.map((job) => upsert(job).tr);
      for (const [id, row] of rows) {
        if (!shown.some((job) => job.id === id)) {
          row.tr.remove();
          rows.delete(id);
        }
      }
      wanted.forEach((tr, index) => {
        if (tbody.children[index] !== tr) tbody.insertBefore(tr, tbody.children[index] || null);
      });
      empty.hidden = shown.length > 0;
      more.hidden = !cursor;
      const active = shown.some((job) => ACTIVE.has(job.state));
      live.textContent = active ? "updating live" : `updated ${new Date().toLocaleTimeString()}`;
      schedule(document.hidden ? SLOW_POLL_MS : active ? FAST_POLL_MS : SLOW_POLL_MS / 2);
    } catch (error) {
      if (error.status !== 401) {
        live.textContent = "";
        notify(error);
        schedule(SLOW_POLL_MS);
      }
    }
  }

  more.addEventListener("click", async () => {
    try {
      const page = await get("/jobs", { query: { state, limit: 50, cursor } });
      extra = [...extra, ...page.items];
      cursor = page.next_cursor;
      await refresh();
    } catch (error) {
      notify(error);
    }
  });
  stateSelect.addEventListener("change", () => {
    state = stateSelect.value;
    setQuery({ state });
    extra = [];
    cursor = null;
    refresh();
  });
  const onVisible = () => { if (!document.hidden) schedule(0); };
  document.addEventListener("visibilitychange", onVisible);
  await refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener("visibilitychange", onVisible);
  };
}
