// A material's history: every revision, newest first, with who made it, when, and what changed
// field by field. Pages come from the API's cursor ("Show older changes").

import { api, ApiError } from "./api.js";
import { h, timeEl } from "./dom.js";
import { heading, notFound } from "./views.js";

export const HISTORY_PAGE = 50;

const ACTIONS = {
  create: "Created",
  update: "Edited",
  replace_layers: "Replaced the stack",
  add_layer: "Added a layer",
  update_layer: "Changed a layer",
  delete_layer: "Removed a layer",
  delete: "Moved to the trash",
  restore: "Restored from the trash",
  revert: "Reverted",
  link: "Linked a physical sample",
};

/** A field name as people say it: `layers[2].orientation` → "layer 2 orientation". */
export function fieldLabel(name) {
  const layer = /^layers\[(\d+)\](?:\.(.+))?$/.exec(name);
  if (layer) return `layer ${layer[1]}${layer[2] ? ` ${layer[2].replace(/_/g, " ")}` : ""}`;
  return name.replace(/^sample_/, "").replace(/_/g, " ");
}

function valueText(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && "composition_string" in value) {
    const orientation = value.orientation ? ` ${value.orientation}` : "";
    return `${value.composition_string || "?"}${orientation}`;
  }
  return JSON.stringify(value);
}

function changeItem(change) {
  return h(
    "li",
    {},
    h("span", { class: "change-field" }, fieldLabel(change.field)),
    ": ",
    h("del", {}, valueText(change.before)),
    " → ",
    h("ins", {}, valueText(change.after)),
  );
}

function entryRow(entry) {
  const changes = entry.changes || [];
  const action = ACTIONS[entry.action] || entry.action;
  return h(
    "tr",
    { dataset: { revision: String(entry.revision) } },
    h("td", { "data-label": "Revision" }, String(entry.revision)),
    h("td", { "data-label": "When" }, timeEl(entry.changed_at)),
    h("td", { "data-label": "Who" }, entry.user_name || entry.user_id || "—"),
    h("td", { "data-label": "Action" }, action),
    h(
      "td",
      { "data-label": "What changed" },
      changes.length ? h("ul", { class: "changes" }, changes.map(changeItem)) : "—",
    ),
  );
}

export async function historyView(main, { id }) {
  let material;
  let first;
  try {
    [material, first] = await Promise.all([api.get(id), api.history(id, null, HISTORY_PAGE)]);
  } catch (err) {
    if (err instanceof ApiError && err.status !== 401) return notFound(main, err);
    throw err;
  }
  const name = material.data.sample_name;
  const body = h("tbody", {});
  const more = h("button", { type: "button", class: "secondary" }, "Show older changes");
  const status = h("p", { class: "subtitle" });
  let cursor = null;
  const add = ({ data, headers }) => {
    body.append(...data.map(entryRow));
    cursor = headers.get("X-Next-Cursor");
    more.hidden = !cursor;
    const count = body.children.length;
    status.textContent = `${count} change${count === 1 ? "" : "s"} shown, newest first.`;
  };
  main.replaceChildren(
    h(
      "p",
      { class: "breadcrumb" },
      h("a", { href: "#/materials" }, "All materials"),
      " › ",
      h("a", { href: `#/materials/${id}` }, name),
    ),
    heading(`History of ${name}`),
    status,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "history" },
        h("caption", { class: "visually-hidden" }, `Changes to ${name}, newest first`),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Revision", "When", "Who", "Action", "What changed"].map((t) =>
              h("th", { scope: "col" }, t),
            ),
          ),
        ),
        body,
      ),
    ),
    h("div", { class: "pager" }, more),
  );
  add(first);
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      add(await api.history(id, cursor, HISTORY_PAGE));
    } finally {
      more.disabled = false;
    }
  });
  return {};
}
