// Sign in with an API key: POST /api/v1/session sets the HTTP-only session cookie.

import { post } from "../api.js";
import { app, errorBox, navigate, setSession } from "../app.js";
import { field, h } from "../dom.js";

export async function render(main, { query }) {
  if (app.session && !query.expired) {
    navigate(query.next && query.next.startsWith("/") ? query.next : "/jobs");
    return;
  }
  const input = h("input", {
    type: "password", name: "api_key", required: true, autocomplete: "current-password",
    spellcheck: "false", placeholder: "ocr_…", minlength: "8",
  });
  const status = h("div", { class: "form-status", "aria-live": "polite" });
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "card narrow", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Sign in"),
    h("p", { class: "muted" },
      "Use an API key of your tenant. The first start of ", h("code", {}, "ocrops serve"),
      " prints an admin key; ", h("code", {}, "ocrops keys create"), " makes more."),
    query.expired ? h("p", { class: "notice info" }, "Your session has ended. Please sign in again.") : null,
    field("API key", input, "Kept in an HTTP-only cookie for this browser; never stored by the page."),
    status,
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    status.replaceChildren();
    try {
      setSession(await post("/session", { api_key: input.value.trim() }));
      input.value = "";
      const next = query.next && query.next.startsWith("/") && !query.next.startsWith("/signin") ? query.next : "/jobs";
      navigate(next);
    } catch (error) {
      status.replaceChildren(errorBox(error));
      input.focus();
    } finally {
      submit.disabled = false;
    }
  });
  main.append(form);
  input.focus();
}
