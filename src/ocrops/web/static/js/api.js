// The only way the UI talks to the server: the public REST API under /api/v1.
// Requests are authenticated by the session cookie set by POST /api/v1/session; every request
// carries `X-Requested-With: ocrops`, which the server requires for cookie-authenticated writes
// (a cross-site form cannot set it).

export const API = "/api/v1";

export class ApiError extends Error {
  constructor(status, title, detail, problem = {}) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title || `HTTP ${status}`;
    this.detail = detail || "";
    this.problem = problem;
  }

  // One readable sentence for people: "Not found: no document 'x'".
  get readable() {
    if (this.status === 0) return this.detail;
    const detail = this.detail && this.detail !== this.title ? `: ${this.detail}` : "";
    return `${this.title}${detail}`;
  }
}

const listeners = new Set();
// Called with the ApiError of every 401, so the app can go back to the sign-in page.
export function onUnauthorized(listener) {
  listeners.add(listener);
}

export function apiUrl(path, query) {
  const url = new URL(API + path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "") continue;
    url.searchParams.set(key, String(value));
  }
  return url.pathname + url.search;
}

async function problemFrom(response) {
  const type = response.headers.get("content-type") || "";
  let body = null;
  try {
    body = type.includes("json") ? await response.json() : await response.text();
  } catch {
    body = null;
  }
  if (body && typeof body === "object") {
    let detail = body.detail;
    if (Array.isArray(detail)) {
      detail = detail.map((e) => `${(e.loc || []).join(".")}: ${e.msg}`).join("; ");
    } else if (detail && typeof detail === "object") {
      detail = JSON.stringify(detail);
    }
    return new ApiError(response.status, body.title, detail, body);
  }
  const text = typeof body === "string" && body.length < 300 && !body.trimStart().startsWith("<") ? body : "";
  return new ApiError(response.status, response.statusText || `HTTP ${response.status}`, text);
}

// request("/jobs", {query: {state: "running"}}) -> parsed JSON (or text / blob with `as`).
export async function request(path, { method = "GET", query, json, form, headers = {}, as = "json", signal } = {}) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { "X-Requested-With": "ocrops", Accept: as === "json" ? "application/json" : "*/*", ...headers },
    signal,
  };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form;
  }
  let response;
  try {
    response = await fetch(apiUrl(path, query), init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "Network error", "the server could not be reached; is `ocrops serve` running?");
  }
  if (!response.ok) {
    const problem = await problemFrom(response);
    if (problem.status === 401) listeners.forEach((listener) => listener(problem));
    throw problem;
  }
  if (response.status === 204) return null;
  if (as === "text") return response.text();
  if (as === "blob") return response.blob();
  if (as === "response") return response;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

export const get = (path, options = {}) => request(path, { ...options, method: "GET" });
export const post = (path, json, options = {}) => request(path, { ...options, method: "POST", json });
export const del = (path, options = {}) => request(path, { ...options, method: "DELETE" });
