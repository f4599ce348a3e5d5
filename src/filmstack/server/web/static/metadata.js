// The material's metadata as a key–value editor that keeps JSON types: a number stays a
// number, true/false a boolean, no value (JSON null) stays null; objects and arrays are edited as JSON text.
// Saving sends the whole object with PATCH (the API replaces metadata whole).

import { ApiError, api } from "./api.js";
import { h, newId } from "./dom.js";
import { alertBox, announce, problemText, showAlert } from "./views.js";

const TYPES = [
  ["text", "Text"],
  ["number", "Number"],
  ["boolean", "True/false"],
  ["null", "No value"],
  ["json", "JSON"],
];

export function typeOf(value) {
  if (value === null) return "null";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "string") return "text";
  return "json";
}

/** The value a row holds, or throws Error with the reason in the user's words. */
export function parseValue(type, text) {
  if (type === "text") return text;
  if (type === "null") return null;
  if (type === "boolean") return text === "true";
  if (type === "number") {
    const trimmed = text.trim();
    const value = Number(trimmed);
    if (!trimmed || !Number.isFinite(value)) {
      throw new Error(`“${text}” is not a number (write e.g. 700, 0.1 or 1e-6)`);
    }
    return value;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('is not valid JSON (e.g. {"T": 700} or [1, 2])');
  }
}

function valueControl(type, value, label) {
  if (type === "boolean") {
    return h(
      "select",
      { class: "meta-value", "aria-label": label },
      h("option", { value: "true", selected: value === true }, "true"),
      h("option", { value: "false", selected: value !== true }, "false"),
    );
  }
  if (type === "null") {
    return h("input", {
      class: "meta-value",
      "aria-label": label,
      value: "",
      placeholder: "no value (null)",
      disabled: true,
      type: "text",
    });
  }
  if (type === "json") {
    const text = value === undefined ? "" : JSON.stringify(value, null, 2);
    return h("textarea", { class: "meta-value", "aria-label": label, rows: 3 }, text);
  }
  const text = value === undefined || value === null ? "" : String(value);
  return h("input", {
    class: "meta-value",
    "aria-label": label,
    type: "text",
    inputmode: type === "number" ? "decimal" : null,
    value: text,
    autocomplete: "off",
    spellcheck: "false",
  });
}

function row(key, value, onRemove) {
  const id = newId("meta");
  const keyInput = h("input", {
    class: "meta-key",
    type: "text",
    "aria-label": "Key",
    value: key,
    autocomplete: "off",
    spellcheck: "false",
  });
  const type = h(
    "select",
    { class: "meta-type", "aria-label": "Type" },
    TYPES.map(([v, label]) => h("option", { value: v, selected: v === typeOf(value) }, label)),
  );
  let control = valueControl(typeOf(value), value, "Value");
  const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
  const remove = h("button", { type: "button", class: "secondary" }, "Remove");
  const item = h(
    "li",
    { class: "meta-row", role: "group", "aria-label": key ? `Field ${key}` : "New field" },
    keyInput,
    type,
    control,
    remove,
    error,
  );
  type.addEventListener("change", () => {
    // Carry the typed text over where it still makes sense.
    let carried;
    try {
      carried = parseValue(type.value, control.value ?? "");
    } catch {
      carried = type.value === "text" ? control.value : undefined;
    }
    if (type.value === "json" && typeof carried !== "object") carried = undefined;
    const next = valueControl(type.value, carried, "Value");
    control.replaceWith(next);
    control = next;
  });
  remove.addEventListener("click", () => onRemove(item));
  return {
    item,
    read() {
      return { key: keyInput.value, type: type.value, text: control.value ?? "" };
    },
    setError(message) {
      error.textContent = message || "";
      error.hidden = !message;
      if (message) keyInput.setAttribute("aria-invalid", "true");
      else keyInput.removeAttribute("aria-invalid");
    },
    focus() {
      keyInput.focus();
    },
  };
}

/** The editor section; `onSaved(metadata)` runs after each successful save. */
export function metadataEditor(material, { onSaved } = {}) {
  const alert = alertBox();
  const list = h("ol", { class: "meta-rows" });
  let rows = [];
  const empty = h("p", { class: "empty" }, "No metadata yet.");

  const removeRow = (item) => {
    rows = rows.filter((r) => r.item !== item);
    item.remove();
    empty.hidden = rows.length > 0;
  };
  const fill = (metadata) => {
    rows = Object.entries(metadata || {}).map(([k, v]) => row(k, v, removeRow));
    list.replaceChildren(...rows.map((r) => r.item));
    empty.hidden = rows.length > 0;
  };
  fill(material.sample_metadata);

  const add = h("button", { type: "button", class: "secondary" }, "Add field");
  const save = h("button", { type: "submit" }, "Save metadata");
  const form = h(
    "form",
    { class: "metadata-editor", novalidate: true },
    empty,
    list,
    h("div", { class: "actions" }, add, save),
  );
  add.addEventListener("click", () => {
    const fresh = row("", "", removeRow);
    rows.push(fresh);
    list.append(fresh.item);
    empty.hidden = true;
    fresh.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const metadata = {};
    const seen = new Set();
    let firstBad = null;
    for (const r of rows) {
      const { key, type, text } = r.read();
      let message = "";
      if (!key.trim()) message = "Give this field a key (its name).";
      else if (seen.has(key)) message = `The key “${key}” is used twice.`;
      else {
        try {
          metadata[key] = parseValue(type, text);
        } catch (err) {
          message = `${key}: ${err.message}`;
        }
      }
      seen.add(key);
      r.setError(message);
      if (message && !firstBad) firstBad = r;
    }
    if (firstBad) {
      showAlert(alert, "Metadata not saved: fix the fields marked below.");
      firstBad.focus();
      return;
    }
    save.disabled = true;
    try {
      const { data } = await api.update(material.sample_id, { sample_metadata: metadata });
      material.sample_metadata = data.sample_metadata;
      fill(data.sample_metadata);
      showAlert(alert, "");
      announce("Metadata saved.");
      if (onSaved) onSaved(data.sample_metadata);
    } catch (err) {
      const items = err instanceof ApiError ? err.problems.map(problemText) : [];
      showAlert(alert, `Could not save the metadata: ${err.message}`, items.length > 1 ? items : []);
    } finally {
      save.disabled = false;
    }
  });

  return h(
    "section",
    { class: "metadata-section", "aria-labelledby": "metadata-h" },
    h("h2", { id: "metadata-h" }, "Metadata"),
    h(
      "p",
      { class: "hint" },
      "Numbers stay numbers, true/false stay booleans; objects and lists are written as JSON.",
    ),
    alert,
    form,
  );
}
