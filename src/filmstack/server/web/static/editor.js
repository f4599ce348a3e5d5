// The layer-by-layer editor: one row per layer, shown top of the stack first (as drawn), with
// add, remove, move up and move down. Positions are renumbered 1..n from the substrate up when
// the stack is sent, so the API's problems ([..., index, field]) point straight at a row.

import { field, h, newId, richText, setError } from "./dom.js";
import { keptEpitaxyFields } from "./epitaxy.js";

const FIELDS = [
  { name: "composition_string", label: "Formula", placeholder: "e.g. BaTiO3" },
  { name: "orientation", label: "Orientation", placeholder: "e.g. (001)" },
  { name: "space_group", label: "Space group", placeholder: "e.g. P4mm" },
  { name: "thickness_nm", label: "Thickness (nm)", placeholder: "e.g. 20", inputmode: "decimal" },
  { name: "mp_id", label: "Materials Project id", placeholder: "e.g. mp-2998" },
];

function initialValue(layer, name) {
  if (!layer) return "";
  // Show the space group as it was typed, so a non-standard setting (Pbnm) is not lost.
  const value =
    name === "space_group" ? (layer.space_group_input ?? layer.space_group) : layer[name];
  return value === null || value === undefined ? "" : String(value);
}

function thicknessValue(raw) {
  const text = raw.trim();
  if (!text) return null;
  const number = Number(text.replace(",", "."));
  // Anything that is not a number goes to the API as typed, so its own message explains it.
  return Number.isFinite(number) ? number : text;
}

export function createLayerEditor({ layers = [], onChange = () => {} } = {}) {
  // rows[0] is position 1 (on the substrate); the list shows them reversed.
  let rows = [];
  const list = h("ol", { class: "layer-rows" });
  const empty = h("p", { class: "empty" }, "No layers yet: the material is the bare substrate.");
  const addButton = h("button", { type: "button", class: "secondary" }, "Add a layer on top");
  const el = h(
    "div",
    { class: "layer-editor" },
    h("div", { class: "editor-head" }, h("h3", {}, "Layers"), addButton),
    h("p", { class: "hint" }, "Listed top first, as drawn; layer 1 sits on the substrate."),
    empty,
    list,
  );

  function makeRow(layer) {
    const row = { key: newId("row"), original: layer, fields: {} };
    for (const spec of FIELDS) {
      const control = h("input", {
        type: "text",
        name: spec.name,
        value: initialValue(layer, spec.name),
        placeholder: spec.placeholder,
        inputmode: spec.inputmode,
        autocomplete: "off",
        spellcheck: "false",
      });
      control.addEventListener("input", () => {
        setError(row.fields[spec.name], "");
        if (spec.name === "composition_string") relabel();
        onChange();
      });
      row.fields[spec.name] = field({ label: spec.label, control });
      row.fields[spec.name].wrap.classList.add(`f-${spec.name}`);
    }
    row.legend = h("legend", {});
    row.problems = h("ul", { class: "row-problems", hidden: true });
    row.up = h(
      "button",
      { type: "button", class: "icon secondary", onclick: () => move(row, +1) },
      "Move up",
    );
    row.down = h(
      "button",
      { type: "button", class: "icon secondary", onclick: () => move(row, -1) },
      "Move down",
    );
    row.remove = h(
      "button",
      { type: "button", class: "icon danger", onclick: () => removeRow(row) },
      "Remove",
    );
    row.el = h(
      "li",
      { class: "layer-row" },
      h(
        "fieldset",
        {},
        row.legend,
        h(
          "div",
          { class: "row-fields" },
          FIELDS.map((spec) => row.fields[spec.name].wrap),
        ),
        h("div", { class: "row-actions" }, row.up, row.down, row.remove),
        row.problems,
      ),
    );
    return row;
  }

  function formula(row) {
    return row.fields.composition_string.control.value.trim();
  }

  function render() {
    list.replaceChildren(...[...rows].reverse().map((row) => row.el));
    empty.hidden = rows.length > 0;
    relabel();
  }

  /** Legends and button names say which layer they act on: "Move layer 3 (Pt) down". */
  function relabel() {
    rows.forEach((row, index) => {
      const position = index + 1;
      const name = formula(row) || "unnamed";
      row.legend.textContent = `Layer ${position}`;
      row.el.dataset.position = String(position);
      row.up.disabled = index === rows.length - 1;
      row.down.disabled = index === 0;
      row.up.setAttribute("aria-label", `Move layer ${position} (${name}) up`);
      row.down.setAttribute("aria-label", `Move layer ${position} (${name}) down`);
      row.remove.setAttribute("aria-label", `Remove layer ${position} (${name})`);
    });
  }

  function move(row, delta) {
    const index = rows.indexOf(row);
    const target = index + delta;
    if (target < 0 || target >= rows.length) return;
    [rows[index], rows[target]] = [rows[target], rows[index]];
    render();
    // Keep the keyboard where it was: on the same button of the moved row, if still usable.
    const button = delta > 0 ? row.up : row.down;
    (button.disabled ? (delta > 0 ? row.down : row.up) : button).focus();
    onChange();
  }

  function removeRow(row) {
    const index = rows.indexOf(row);
    rows.splice(index, 1);
    render();
    const neighbour = rows[Math.min(index, rows.length - 1)];
    (neighbour ? neighbour.remove : addButton).focus();
    onChange();
  }

  addButton.addEventListener("click", () => {
    const row = makeRow(null);
    rows.push(row);
    render();
    row.fields.composition_string.control.focus();
    onChange();
  });

  function setLayers(next) {
    rows = [...next].sort((a, b) => a.layer_id - b.layer_id).map(makeRow);
    render();
  }

  /** The stack as layer inputs for the API, positions 1..n from the substrate up. */
  function payload() {
    return rows.map((row, index) => {
      const out = { layer_id: index + 1 };
      for (const spec of FIELDS) {
        const raw = row.fields[spec.name].control.value;
        const value = spec.name === "thickness_nm" ? thicknessValue(raw) : raw.trim() || null;
        if (value !== null) out[spec.name] = value;
      }
      // An element_dict stored without a formula (or with this very formula) is kept.
      const original = row.original;
      if (
        original &&
        original.element_dict &&
        (out.composition_string ?? null) === (original.composition_string ?? null)
      ) {
        out.element_dict = original.element_dict;
      }
      return Object.assign(out, keptEpitaxyFields(original, out));
    });
  }

  /** The stack as the drawing wants it (thickness only when it is a number). */
  function drawable() {
    return payload().map((layer) => ({
      ...layer,
      thickness_nm: typeof layer.thickness_nm === "number" ? layer.thickness_nm : null,
    }));
  }

  function clearProblems() {
    for (const row of rows) {
      for (const f of Object.values(row.fields)) setError(f, "");
      row.problems.replaceChildren();
      row.problems.hidden = true;
    }
  }

  /**
   * Show the API's problems for this stack. `prefix` is the part of `loc` before the index
   * (["body"] for a stack replacement, ["body", "layers"] for a create). Returns the problems
   * that were not about a row, for the caller to show.
   */
  function showProblems(problems, prefix) {
    const rest = [];
    let first = null;
    for (const p of problems) {
      const loc = p.loc || [];
      const matches =
        prefix.every((part, i) => loc[i] === part) && Number.isInteger(loc[prefix.length]);
      const row = matches ? rows[loc[prefix.length]] : undefined;
      if (!row) {
        rest.push(p);
        continue;
      }
      const name = loc[prefix.length + 1];
      const target = row.fields[name === "element_dict" ? "composition_string" : name];
      if (target && !target.error.textContent) {
        setError(target, p.msg);
        first = first || target.control;
      } else {
        row.problems.append(h("li", {}, richText(p.msg)));
        row.problems.hidden = false;
        first = first || row.fields.composition_string.control;
      }
    }
    if (first) first.focus();
    return rest;
  }

  setLayers(layers);
  return {
    el,
    setLayers,
    payload,
    drawable,
    clearProblems,
    showProblems,
    count: () => rows.length,
  };
}
