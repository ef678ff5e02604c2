// Engines from GET /engines, fetched once per page load; a select and a generated options form.

import { get } from "./api.js";
import { field, h } from "./dom.js";
import { schemaForm } from "./schemaform.js";

let cached = null;

export async function loadEngines() {
  if (!cached) cached = get("/engines").catch((error) => { cached = null; throw error; });
  return cached;
}

// A <select> of engines (unavailable ones disabled, with the reason) plus the options form of
// the chosen engine, rebuilt whenever the choice changes. Returns {element, engine(), options()}.
export function enginePicker(engines, { label = "Engine", initial = "auto", withOptions = true } = {}) {
  const select = h("select", { name: "engine" });
  for (const engine of engines) {
    const text = engine.available ? engine.name : `${engine.name} (unavailable)`;
    select.append(h("option", { value: engine.name, disabled: !engine.available, title: engine.reason || engine.description || "" }, text));
  }
  const usable = engines.find((e) => e.name === initial && e.available) || engines.find((e) => e.available);
  if (usable) select.value = usable.name;
  const description = h("small", { class: "help" });
  const optionsSlot = h("div");
  let form = null;
  function refresh() {
    const engine = engines.find((e) => e.name === select.value);
    description.textContent = engine ? [engine.description, engine.version ? `version ${engine.version}` : ""].filter(Boolean).join(" · ") : "";
    if (withOptions) {
      form = schemaForm(engine ? engine.options || {} : {}, { legend: `${engine ? engine.name : ""} options` });
      optionsSlot.replaceChildren(form.element);
    }
  }
  select.addEventListener("change", refresh);
  const wrapper = field(label, select);
  wrapper.append(description);
  refresh();
  return {
    element: h("div", {}, wrapper, optionsSlot),
    engine: () => select.value,
    options: () => (form ? form.values() : {}),
    select,
  };
}
