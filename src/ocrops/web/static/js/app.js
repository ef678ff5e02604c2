// The single-page app: hash routes (#/jobs, #/documents/ID?page=2 ...), the session, notices.

import { ApiError, del, get, onUnauthorized } from "./api.js";
import { clear, h, replace } from "./dom.js";

const ROUTES = [
  { pattern: /^\/signin$/, page: "signin", section: null, public: true },
  { pattern: /^\/upload$/, page: "upload", section: "upload" },
  { pattern: /^\/jobs$/, page: "jobs", section: "jobs" },
  { pattern: /^\/documents\/([^/]+)$/, page: "document", section: "jobs", names: ["id"] },
  { pattern: /^\/compare$/, page: "compare", section: "compare" },
  { pattern: /^\/bench$/, page: "bench", section: "bench" },
  { pattern: /^\/bench\/compare$/, page: "bench-compare", section: "bench" },
  { pattern: /^\/bench\/runs\/([^/]+)$/, page: "bench-run", section: "bench", names: ["id"] },
  { pattern: /^\/review$/, page: "review", section: "review" },
];

const PAGE_MODULES = {
  signin: () => import("./pages/signin.js"),
  upload: () => import("./pages/upload.js"),
  jobs: () => import("./pages/jobs.js"),
  document: () => import("./pages/document.js"),
  compare: () => import("./pages/compare.js"),
  bench: () => import("./pages/bench.js"),
  "bench-run": () => import("./pages/bench.js"),
  "bench-compare": () => import("./pages/bench.js"),
  review: () => import("./pages/review.js"),
};

export const app = {
  session: null, // {tenant_id, key_id, role, expires_at}
  cleanup: null,
  get canWrite() {
    return Boolean(this.session) && this.session.role !== "read_only";
  },
};

// --- notices: API errors as readable sentences ----------------------------------------------------

export function notify(message, kind = "error") {
  const region = document.getElementById("notices");
  const text = message instanceof ApiError ? message.readable : message instanceof Error ? message.message : String(message);
  const close = h("button", { type: "button", class: "link", "aria-label": "Dismiss" }, "×");
  const notice = h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, h("span", {}, text), close);
  close.addEventListener("click", () => notice.remove());
  region.append(notice);
  if (kind !== "error") setTimeout(() => notice.remove(), 4000);
  return notice;
}

export function clearNotices() {
  clear(document.getElementById("notices"));
}

// An inline error box inside a page (for errors that belong to one panel).
export function errorBox(error) {
  const text = error instanceof ApiError ? error.readable : error.message || String(error);
  return h("div", { class: "notice error", role: "alert" }, text);
}

// --- routing ----------------------------------------------------------------------------------------

export function parseHash() {
  const raw = window.location.hash.replace(/^#/, "") || "/jobs";
  const [path, search = ""] = raw.split("?");
  return { path, query: Object.fromEntries(new URLSearchParams(search)) };
}

export function navigate(path, query) {
  const search = query ? `?${new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ""))}` : "";
  const target = `#${path}${search === "?" ? "" : search}`;
  if (window.location.hash === target) route();
  else window.location.hash = target;
}

// Update the query of the current route without re-rendering (e.g. the page number).
export function setQuery(query) {
  const { path } = parseHash();
  const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ""));
  history.replaceState(null, "", `#${path}${search.toString() ? `?${search}` : ""}`);
}

function matchRoute(path) {
  for (const candidate of ROUTES) {
    const match = candidate.pattern.exec(path);
    if (match) {
      const params = {};
      (candidate.names || []).forEach((name, i) => { params[name] = decodeURIComponent(match[i + 1]); });
      return { ...candidate, params };
    }
  }
  return null;
}

function markSection(section) {
  for (const link of document.querySelectorAll("#nav a[data-section]")) {
    if (link.dataset.section === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

let routeToken = 0;

export async function route() {
  const token = ++routeToken;
  const { path, query } = parseHash();
  const found = matchRoute(path);
  if (app.cleanup) {
    try { app.cleanup(); } catch { /* a page's cleanup must not stop navigation */ }
    app.cleanup = null;
  }
  closeMenu();
  const main = document.getElementById("main");
  delete main.dataset.page;
  if (!found) {
    replace(main, h("h1", {}, "Not found"), h("p", {}, "There is no page here. ", h("a", { href: "#/jobs" }, "Go to the jobs.")));
    return;
  }
  if (!found.public && !app.session) {
    navigate("/signin", { next: window.location.hash.replace(/^#/, "") });
    return;
  }
  markSection(found.section);
  try {
    const module = await PAGE_MODULES[found.page]();
    if (token !== routeToken) return;
    clear(main);
    main.dataset.page = found.page; // which page is shown (styling hooks, browser tests)
    clearNotices();
    const cleanup = await module.render(main, { ...found.params, query, page: found.page });
    if (token !== routeToken) {
      if (typeof cleanup === "function") cleanup();
      return;
    }
    app.cleanup = typeof cleanup === "function" ? cleanup : null;
    const heading = main.querySelector("h1");
    document.title = heading ? `${heading.textContent} · ocrops` : "ocrops";
    if (routed) {
      window.scrollTo(0, 0);
      main.focus({ preventScroll: true }); // screen readers start at the new page
    }
    routed = true;
  } catch (error) {
    if (token !== routeToken) return;
    if (error instanceof ApiError && error.status === 401) return; // the 401 handler redirects
    replace(main, h("h1", {}, "Something went wrong"), errorBox(error));
  }
}
let routed = false;

// --- session ------------------------------------------------------------------------------------------

function renderWho() {
  const who = document.getElementById("who");
  document.body.classList.toggle("signed-out", !app.session);
  if (!app.session) {
    clear(who);
    return;
  }
  const signOut = h("button", { type: "button", class: "secondary small" }, "Sign out");
  signOut.addEventListener("click", async () => {
    try {
      await del("/session");
    } catch (error) {
      notify(error);
    }
    app.session = null;
    renderWho();
    navigate("/signin");
  });
  const role = app.session.role.replace("_", "-");
  replace(who, h("span", { class: "muted", title: `API key ${app.session.key_id}` }, `${app.session.tenant_id} · ${role}`), signOut);
}

export function setSession(session) {
  app.session = session;
  renderWho();
}

async function loadSession() {
  try {
    setSession(await get("/session"));
  } catch (error) {
    setSession(null);
    if (!(error instanceof ApiError) || error.status !== 401) notify(error);
  }
}

onUnauthorized(() => {
  // only a session that existed can expire; a first visit is routed to the sign-in page by route()
  if (!app.session || parseHash().path === "/signin") return;
  setSession(null);
  navigate("/signin", { next: window.location.hash.replace(/^#/, ""), expired: "1" });
});

// --- the small-screen menu --------------------------------------------------------------------------

function closeMenu() {
  const toggle = document.querySelector(".menu-toggle");
  toggle.setAttribute("aria-expanded", "false");
  document.getElementById("nav").classList.remove("open");
}

function setupMenu() {
  const toggle = document.querySelector(".menu-toggle");
  const nav = document.getElementById("nav");
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
    if (open) nav.querySelector("a")?.focus();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && nav.classList.contains("open")) {
      closeMenu();
      toggle.focus();
    }
  });
}

async function start() {
  setupMenu();
  await loadSession();
  window.addEventListener("hashchange", route);
  route();
}

start();
