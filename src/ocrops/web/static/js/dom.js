// Small DOM helpers: every node is built with createElement/textContent, never innerHTML,
// so text from documents and the API can never inject markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key in el && typeof value !== "string") {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function svg(tag, attrs = {}) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

let idCounter = 0;
export function uid(prefix = "f") {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

// A labelled form control: <div class="field"><label for=id>…</label>control<small>help</small></div>
export function field(label, control, help) {
  if (!control.id) control.id = uid();
  const parts = [h("label", { for: control.id }, label), control];
  if (help) {
    const helpId = uid("help");
    control.setAttribute("aria-describedby", helpId);
    parts.push(h("small", { id: helpId, class: "help" }, help));
  }
  return h("div", { class: "field" }, parts);
}

// Tabs following the WAI-ARIA pattern: arrow keys move between tabs, panels are labelled.
export function tabs(items, { label = "Views", initial = 0, onChange } = {}) {
  const list = h("div", { role: "tablist", "aria-label": label, class: "tablist" });
  const panels = [];
  const buttons = items.map((item, index) => {
    const tabId = uid("tab");
    const panelId = uid("panel");
    const button = h("button", {
      type: "button", role: "tab", id: tabId, "aria-controls": panelId,
      "aria-selected": String(index === initial), tabindex: index === initial ? "0" : "-1",
      dataset: { key: item.key },
    }, item.label);
    const panel = h("div", { role: "tabpanel", id: panelId, "aria-labelledby": tabId, class: "tabpanel", tabindex: "0" });
    panel.hidden = index !== initial;
    panels.push(panel);
    return button;
  });
  function select(index, focus = false) {
    buttons.forEach((button, i) => {
      const selected = i === index;
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
      panels[i].hidden = !selected;
    });
    if (focus) buttons[index].focus();
    if (onChange) onChange(items[index].key, panels[index]);
  }
  buttons.forEach((button, index) => {
    button.addEventListener("click", () => select(index));
    button.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: buttons.length - 1 - index };
      if (event.key in moves) {
        event.preventDefault();
        select((index + moves[event.key] + buttons.length) % buttons.length, true);
      }
    });
    list.append(button);
  });
  return { list, panels, select, panelFor: (key) => panels[items.findIndex((i) => i.key === key)] };
}

// --- formatting ---------------------------------------------------------------------------

export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "–";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}

export function fmtDate(value) {
  if (!value) return "–";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

export function fmtNumber(value, digits = 3) {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "number") return String(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

export function fmtPercent(value) {
  return value === null || value === undefined ? "–" : `${(value * 100).toFixed(1)} %`;
}

export function fmtBytes(size) {
  if (size === null || size === undefined) return "–";
  const units = ["B", "KB", "MB", "GB"];
  let index = 0;
  let value = size;
  while (value >= 1024 && index < units.length - 1) {
    value /= 1024;
    index += 1;
  }
  return `${index ? value.toFixed(1) : value} ${units[index]}`;
}

// Confidence 0..1 -> a colour from red (low) through amber to green (high).
export function confidenceColour(confidence) {
  if (confidence === null || confidence === undefined) return "hsl(210 15% 45%)";
  const hue = Math.max(0, Math.min(1, confidence)) * 120;
  return `hsl(${hue.toFixed(0)} 80% 38%)`;
}
