// Epitaxy on the page: each interface's lattice mismatch beside its layer and in the drawing,
// a warning on layers past their critical thickness, and the same report live while a new
// stack is typed. The numbers come from GET /target-materials/{id}/epitaxy and POST /epitaxy.

import { api, ApiError } from "./api.js";
import { h } from "./dom.js";
import {
  basisText,
  belowText,
  criticalText,
  finite,
  markDrawing,
  mismatchText,
  MINUS,
  pastCritical,
  plannedText,
  problemText,
  relationshipText,
  sideText,
  warningText,
  words,
} from "./marks.js";

export { formatPercent, markDrawing, mismatchText, rotationText } from "./marks.js";

/**
 * The epitaxy fields of a stored layer that the layer editor has no box for, kept when the
 * stack is saved: its own lattice and relationship always; its unit-cell count while the
 * thickness is unchanged; its superlattice place while formula and thickness are unchanged.
 */
export function keptEpitaxyFields(original, out) {
  if (!original) return {};
  const kept = {};
  const same = (k) => (out[k] ?? null) === (original[k] ?? null);
  if (original.lattice && typeof original.lattice === "object") kept.lattice = original.lattice;
  if (words(original.in_plane_relationship))
    kept.in_plane_relationship = original.in_plane_relationship;
  if (same("thickness_nm") && finite(original.thickness_unit_cells))
    kept.thickness_unit_cells = original.thickness_unit_cells;
  if (same("thickness_nm") && same("composition_string") && original.repeat)
    kept.repeat = original.repeat;
  return kept;
}

/** "SrTiO3 (001), miscut 0.1° toward [100]": the substrate as the material records it. */
export function substrateText(material) {
  const parts = [`${words(material.substrate)} ${words(material.substrate_orientation)}`.trim()];
  const miscut = material.substrate_miscut_deg;
  if (finite(miscut) && miscut > 0) {
    const toward = words(material.substrate_miscut_toward);
    parts.push(`miscut ${String(miscut)}°${toward ? ` toward ${toward}` : ""}`);
  }
  return parts.join(", ");
}

/** What the layer table shows beside a layer: the mismatch, a warning, or what is missing. */
export function interfaceCell(entry) {
  if (!entry) return [h("span", { class: "epitaxy-none" }, "—")];
  const headline = mismatchText(entry);
  if (!headline) {
    return [h("span", { class: `epitaxy-problem ${entry.status || "unknown"}` }, problemText(entry))];
  }
  const out = [
    h(
      "span",
      {
        class: `epitaxy-mismatch ${words(entry.strain)}`,
        title: spacingText(entry),
        "data-mismatch": String(entry.mismatch_percent),
      },
      headline,
    ),
  ];
  if (pastCritical(entry)) {
    out.push(
      h(
        "span",
        { class: "epitaxy-warning", role: "note", title: basisText(entry) },
        h("span", { "aria-hidden": "true" }, "⚠ "),
        warningText(entry),
      ),
    );
  }
  return out;
}

function spacingText(entry) {
  const film = entry.film_spacing_angstrom;
  const below = entry.below_spacing_angstrom;
  const rel = relationshipText(entry);
  const parts = [`mismatch ${String(entry.mismatch_percent).replace("-", MINUS)} %`];
  if (rel) parts.push(rel);
  if (finite(film) && finite(below)) parts.push(`d film ${film} Å, d below ${below} Å`);
  return parts.join("; ");
}

/** "[100] ∥ [100] · 3.994 Å on 3.905 Å": the relationship and the matched spacings. */
function detailText(entry) {
  const film = entry.film_spacing_angstrom;
  const below = entry.below_spacing_angstrom;
  const parts = [relationshipText(entry)];
  if (finite(film) && finite(below)) parts.push(`${film} Å on ${below} Å`);
  return parts.filter(Boolean).join(" · ");
}

/** Identical interfaces (a superlattice's) are listed once, with the layers they occur at. */
function grouped(interfaces) {
  const groups = new Map();
  for (const entry of [...interfaces].sort((a, b) => b.layer_id - a.layer_id)) {
    const key = JSON.stringify([
      entry.film,
      entry.film_orientation,
      entry.below_formula,
      entry.below_orientation,
      entry.status,
      entry.reason,
      entry.mismatch_percent,
      entry.rotation_deg,
      entry.in_plane_relationship,
      entry.thickness_nm,
      entry.critical_thickness_nm,
      entry.coherent_expected,
    ]);
    const group = groups.get(key);
    if (group) group.layers.push(entry.layer_id);
    else groups.set(key, { entry, layers: [entry.layer_id] });
  }
  return [...groups.values()];
}

function positionsText(layers) {
  if (layers.length === 1) return String(layers[0]);
  const sorted = [...layers].sort((a, b) => a - b);
  if (layers.length <= 3) return sorted.join(", ");
  return `${sorted[0]}, ${sorted[1]} … ${sorted[sorted.length - 1]} (${layers.length} layers)`;
}

function thicknessCell(entry) {
  if (entry.status !== "ok") return "—";
  const critical = criticalText(entry);
  const cells = [h("span", { title: basisText(entry) }, critical ? `≈ ${critical}` : "over 100 µm")];
  const planned = plannedText(entry);
  if (pastCritical(entry)) {
    cells.push(
      h(
        "span",
        { class: "epitaxy-warning", role: "note", title: basisText(entry) },
        h("span", { "aria-hidden": "true" }, "⚠ "),
        `${planned || "This layer"} planned: expected to relax`,
      ),
    );
  } else if (entry.coherent_expected === true) {
    cells.push(h("span", { class: "epitaxy-ok" }, `${planned} planned: expected to stay strained`));
  } else {
    cells.push(h("span", { class: "epitaxy-detail" }, "No thickness given to compare"));
  }
  return cells;
}

/** The report as a table, top first: one row per distinct interface, with notes and sources. */
export function epitaxyTable(interfaces, caption = "Each layer on the one below, top first") {
  const rows = grouped(interfaces).map(({ entry, layers }) =>
    h(
      "tr",
      { class: pastCritical(entry) ? "past-critical" : null, "data-status": words(entry.status) },
      h("td", { "data-label": "Layer" }, positionsText(layers)),
      h("th", { scope: "row", "data-label": "Film" }, sideText(entry.film, entry.film_orientation)),
      h("td", { "data-label": "On" }, belowText(entry)),
      h(
        "td",
        { "data-label": "Mismatch" },
        mismatchText(entry)
          ? [
              h("span", { class: `epitaxy-mismatch ${words(entry.strain)}` }, mismatchText(entry)),
              detailText(entry) ? h("span", { class: "epitaxy-detail" }, detailText(entry)) : null,
            ]
          : h("span", { class: "epitaxy-problem" }, problemText(entry)),
      ),
      h("td", { "data-label": "Critical thickness" }, thicknessCell(entry)),
    ),
  );
  return h(
    "table",
    { class: "epitaxy" },
    h("caption", {}, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Layer", "Film", "On", "Mismatch", "Critical thickness"].map((t) =>
          h("th", { scope: "col" }, t),
        ),
      ),
    ),
    h("tbody", {}, rows),
  );
}

function assumptions(interfaces) {
  const items = [];
  for (const { entry, layers } of grouped(interfaces)) {
    const notes = (Array.isArray(entry.notes) ? entry.notes : []).map(words).filter(Boolean);
    const lines = [];
    if (entry.status === "ok" && words(entry.critical_thickness_basis))
      lines.push(entry.critical_thickness_basis);
    lines.push(...notes);
    const sources = Array.isArray(entry.lattice_sources) ? entry.lattice_sources.map(words) : [];
    lines.push(...sources.filter(Boolean).map((src) => `Lattice: ${src}`));
    if (!lines.length) continue;
    items.push(
      h(
        "li",
        {},
        h("strong", {}, `Layer ${positionsText(layers)}: `),
        h(
          "ul",
          {},
          lines.map((l) => h("li", {}, l)),
        ),
      ),
    );
  }
  return items;
}

const SIGN_NOTE =
  "Mismatch = 100 × (d below − d film) / d film of the matched in-plane spacings: negative, " +
  "the film is compressed in-plane; positive, stretched. Critical thicknesses are " +
  "Matthews–Blakeslee estimates: films often stay strained past them.";

/** The report's section: the table, the sign convention and the assumptions behind it. */
export function epitaxySection(interfaces, { heading = true } = {}) {
  const items = assumptions(interfaces);
  return h(
    "section",
    { class: "epitaxy-report", "aria-labelledby": heading ? "epitaxy-h" : null },
    heading ? h("h2", { id: "epitaxy-h" }, "Lattice fit") : null,
    interfaces.length
      ? [
          h(
            "div",
            { class: "table-wrap" },
            epitaxyTable(interfaces, heading ? undefined : "Lattice fit of each layer, top first"),
          ),
          h("p", { class: "hint" }, SIGN_NOTE),
          items.length
            ? h(
                "details",
                { class: "epitaxy-notes" },
                h("summary", {}, "Assumptions, notes and lattice sources"),
                h("ul", {}, items),
              )
            : null,
        ]
      : h("p", { class: "empty" }, "No layers: nothing grows on the substrate."),
  );
}

/** After the material page is drawn: fetch its report, fill the layer table, mark the drawing. */
export async function showMaterialEpitaxy(main, material) {
  let interfaces;
  try {
    interfaces = (await api.epitaxy(material.sample_id)).data.interfaces;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)) return;
    const view = main.querySelector("section.stack-view");
    view?.after(
      h("p", { class: "epitaxy-error" }, `The lattice fit could not be computed: ${err.message}`),
    );
    return;
  }
  if (!Array.isArray(interfaces) || !main.isConnected) return;
  const byLayer = new Map(interfaces.map((entry) => [entry.layer_id, entry]));
  const table = main.querySelector("table.layers");
  const headRow = table?.querySelector("thead tr");
  if (headRow && !headRow.querySelector(".epitaxy-col")) {
    headRow.append(h("th", { scope: "col", class: "epitaxy-col" }, "Fit on the layer below"));
    for (const row of table.querySelectorAll("tbody tr")) {
      const position = row.querySelector('[data-label="Position"]');
      if (!position) continue;
      const entry = byLayer.get(Number(position.textContent));
      row.append(
        h(
          "td",
          { "data-label": "Fit on the layer below", class: "epitaxy-cell" },
          interfaceCell(entry),
        ),
      );
    }
  }
  markDrawing(main.querySelector("section.stack-view figure.drawing svg"), interfaces);
  main.querySelector("section.stack-view")?.after(epitaxySection(interfaces));
}

/**
 * The create view's live report: update(text) asks POST /epitaxy (the caller debounces; a new
 * call aborts the one before), drawn(text, svg) marks the preview drawing once both are in.
 */
export function epitaxyPreview() {
  const el = h("div", { class: "epitaxy-preview", "aria-live": "polite", hidden: true });
  let controller = null;
  let sequence = 0;
  let report = null; // {text, interfaces}
  let drawing = null; // {text, svg}

  function settle(state, text) {
    el.dataset.state = state;
    el.dataset.text = text;
  }

  function clear() {
    controller?.abort();
    sequence += 1;
    report = null;
    el.hidden = true;
    el.replaceChildren();
    settle("empty", "");
  }

  function mark() {
    if (report && drawing && report.text === drawing.text) markDrawing(drawing.svg, report.interfaces);
  }

  async function update(text) {
    if (!text) return clear();
    controller?.abort();
    controller = new AbortController();
    sequence += 1;
    const mine = sequence;
    settle("reading", text);
    try {
      const { data } = await api.epitaxyOf(text, controller.signal);
      if (mine !== sequence) return;
      const interfaces = Array.isArray(data?.interfaces) ? data.interfaces : [];
      report = { text, interfaces };
      el.replaceChildren(epitaxySection(interfaces, { heading: false }));
      el.hidden = false;
      mark();
      settle("ok", text);
    } catch (err) {
      if (err.name === "AbortError" || mine !== sequence) return;
      report = null;
      el.replaceChildren();
      el.hidden = true; // a text that cannot be read has its message at the text box
      settle("error", text);
    }
  }

  function drawn(text, svg) {
    drawing = { text, svg };
    mark();
  }

  return { el, update, clear, drawn };
}
