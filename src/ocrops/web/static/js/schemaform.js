// A form generated from an engine's options JSON Schema (pydantic's model_json_schema()).
// schemaForm(schema) -> {element, values()}; values() returns only the options the user changed
// from their defaults, typed as the schema says, and throws an Error naming a field it cannot parse.

import { field, h, uid } from "./dom.js";

function resolve(schema, root) {
  if (schema && schema.$ref) {
    const name = schema.$ref.split("/").pop();
    return { ...((root.$defs || root.definitions || {})[name] || {}), ...schema, $ref: undefined };
  }
  return schema || {};
}

// The non-null alternatives of anyOf/oneOf, and whether null is allowed.
function alternatives(schema, root) {
  const options = (schema.anyOf || schema.oneOf || [schema]).map((s) => resolve(s, root));
  const nonNull = options.filter((s) => s.type !== "null");
  return { nonNull, nullable: nonNull.length < options.length };
}

function kindOf(schema, root) {
  const { nonNull, nullable } = alternatives(schema, root);
  if (nonNull.length === 1) {
    const only = nonNull[0];
    if (only.enum) return { kind: "enum", schema: only, nullable };
    if (only.type === "boolean") return { kind: "boolean", schema: only, nullable };
    if (only.type === "integer" || only.type === "number") return { kind: "number", schema: only, nullable };
    if (only.type === "object") return { kind: "object", schema: only, nullable };
    if (only.type === "array") return { kind: "array", schema: only, nullable };
    return { kind: "string", schema: only, nullable };
  }
  return { kind: "mixed", schema: { alternatives: nonNull }, nullable };
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function parseScalar(text) {
  if (/^-?\d+$/.test(text)) return Number.parseInt(text, 10);
  if (/^-?\d*\.\d+$/.test(text)) return Number.parseFloat(text);
  if (text === "true" || text === "false") return text === "true";
  return text;
}

function numberControl(name, spec, value) {
  const attrs = { type: "number", name, step: spec.schema.type === "integer" ? "1" : "any", inputmode: "decimal" };
  if (spec.schema.minimum !== undefined) attrs.min = spec.schema.minimum;
  if (spec.schema.maximum !== undefined) attrs.max = spec.schema.maximum;
  const input = h("input", attrs);
  if (value !== null && value !== undefined) input.value = String(value);
  return {
    input,
    read() {
      if (input.value.trim() === "") return null;
      if (!input.checkValidity()) throw new Error(input.validationMessage || "not a valid number");
      return spec.schema.type === "integer" ? Number.parseInt(input.value, 10) : Number.parseFloat(input.value);
    },
  };
}

function enumControl(name, spec, value) {
  const select = h("select", { name });
  if (spec.nullable) select.append(h("option", { value: "null" }, "(default)"));
  for (const option of spec.schema.enum) {
    select.append(h("option", { value: JSON.stringify(option) }, String(option)));
  }
  select.value = JSON.stringify(value ?? null);
  return { input: select, read: () => JSON.parse(select.value) };
}

function booleanControl(name, value) {
  const input = h("input", { type: "checkbox", name });
  input.checked = Boolean(value);
  return { input, read: () => input.checked };
}

// object -> "key=value" lines; values typed when the schema says so (or guessed when it allows anything)
function objectControl(name, spec, value) {
  const textarea = h("textarea", { name, rows: "2", spellcheck: "false", placeholder: "key=value, one per line" });
  textarea.value = Object.entries(value || {}).map(([k, v]) => `${k}=${v}`).join("\n");
  const valueType = typeof spec.schema.additionalProperties === "object" ? spec.schema.additionalProperties.type : undefined;
  return {
    input: textarea,
    read() {
      const out = {};
      for (const raw of textarea.value.split("\n")) {
        const line = raw.trim();
        if (!line) continue;
        const at = line.indexOf("=");
        if (at < 1) throw new Error(`"${line}" is not key=value`);
        const text = line.slice(at + 1).trim();
        out[line.slice(0, at).trim()] = valueType === "string" ? text : parseScalar(text);
      }
      return out;
    },
  };
}

function arrayControl(name, spec, value) {
  const input = h("input", { type: "text", name, placeholder: "comma-separated" });
  input.value = (value || []).join(", ");
  const itemType = (spec.schema.items || {}).type;
  return {
    input,
    read() {
      const items = input.value.split(",").map((s) => s.trim()).filter(Boolean);
      return itemType === "string" ? items : items.map(parseScalar);
    },
  };
}

function textControl(name, spec, value) {
  const input = h("input", { type: "text", name, autocomplete: "off" });
  if (value !== null && value !== undefined) input.value = String(value);
  if (spec.kind === "mixed") {
    const consts = spec.schema.alternatives.filter((s) => s.const !== undefined).map((s) => s.const);
    const types = spec.schema.alternatives.filter((s) => s.const === undefined).map((s) => s.type);
    input.placeholder = [...consts, ...types].join(" or ");
  }
  return {
    input,
    read() {
      const text = input.value.trim();
      if (text === "") return null;
      return spec.kind === "mixed" ? parseScalar(text) : text;
    },
  };
}

function controlFor(name, spec, value) {
  switch (spec.kind) {
    case "number": return numberControl(name, spec, value);
    case "enum": return enumControl(name, spec, value);
    case "boolean": return booleanControl(name, value);
    case "object": return objectControl(name, spec, value);
    case "array": return arrayControl(name, spec, value);
    default: return textControl(name, spec, value);
  }
}

export function schemaForm(schema, { legend = "Options" } = {}) {
  const properties = schema.properties || {};
  const fieldset = h("fieldset", { class: "schema-form" }, h("legend", {}, legend));
  const readers = [];
  for (const [name, raw] of Object.entries(properties)) {
    const prop = resolve(raw, schema);
    const spec = kindOf(prop, schema);
    const fallback = spec.kind === "object" ? {} : spec.kind === "array" ? [] : null;
    const initial = prop.default !== undefined ? prop.default : fallback;
    const control = controlFor(name, spec, initial);
    control.input.id = uid(`opt-${name}`);
    const label = prop.title || name;
    const defaultText = prop.default === undefined || prop.default === null ? "" : ` Default: ${JSON.stringify(prop.default)}.`;
    const help = `${prop.description || ""}${defaultText}`.trim();
    const wrapper = field(label, control.input, help || undefined);
    if (spec.kind === "boolean") wrapper.classList.add("check");
    fieldset.append(wrapper);
    readers.push({ name, label, control, initial });
  }
  if (!readers.length) fieldset.append(h("p", { class: "muted" }, "This engine has no options."));
  return {
    element: fieldset,
    values() {
      const out = {};
      for (const { name, label, control, initial } of readers) {
        let value;
        try {
          value = control.read();
        } catch (error) {
          control.input.focus();
          throw new Error(`${label}: ${error.message}`);
        }
        if (!same(value, initial) && !(value === null && initial === undefined)) out[name] = value;
      }
      return out;
    },
  };
}
