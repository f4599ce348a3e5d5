// A material's history: every revision, newest first, with who made it, when, and what changed
// field by field. Pages come from the API's cursor ("Show older changes").

import { api, ApiError } from "./api.js";
import { h, timeEl } from "./dom.js";
import { alertBox, heading, notFound, showAlert } from "./views.js";

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

function entryRow(entry, onRevert) {
  const changes = entry.changes || [];
  const action = ACTIONS[entry.action] || entry.action;
  const revert = onRevert
    ? h(
        "button",
        {
          type: "button",
          class: "secondary",
          "aria-label": `Revert to revision ${entry.revision}`,
        },
        "Revert to this",
      )
    : null;
  if (revert) revert.addEventListener("click", () => onRevert(entry, revert));
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
    h("td", {}, revert),
  );
}

export async function historyView(main, { id, navigate }) {
  let material;
  let first;
  try {
    [material, first] = await Promise.all([api.get(id), api.history(id, null, HISTORY_PAGE)]);
  } catch (err) {
    if (err instanceof ApiError && err.status !== 401) return notFound(main, err);
    throw err;
  }
  const name = material.data.sample_name;
  const etag = material.headers.get("ETag"); // a revert is refused if the material moved on
  const current = material.data.revision;
  const alert = alertBox();
  const body = h("tbody", {});

  async function onRevert(entry, button) {
    button.disabled = true;
    try {
      await api.revert(id, entry.revision, etag);
      navigate(`#/materials/${id}`, `Reverted to revision ${entry.revision}.`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const why = err.isConflict
        ? "Someone else changed this material since this page was loaded; nothing was reverted. Reload the page to see the latest history."
        : `Could not revert: ${err.message}`;
      showAlert(alert, why);
      alert.focus();
      button.disabled = false;
    }
  }
  const more = h("button", { type: "button", class: "secondary" }, "Show older changes");
  const status = h("p", { class: "subtitle" });
  let cursor = null;
  const add = ({ data, headers }) => {
    body.append(...data.map((e) => entryRow(e, e.revision === current ? null : onRevert)));
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
    alert,
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
            ["Revision", "When", "Who", "Action", "What changed", ""].map((t) =>
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
