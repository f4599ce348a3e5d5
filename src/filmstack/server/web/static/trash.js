// The trash: deleted target materials, newest deletion first, each with "Restore".

import { api, ApiError } from "./api.js";
import { h, timeEl } from "./dom.js";
import { alertBox, heading, showAlert } from "./views.js";

export const TRASH_PAGE = 50;

function trashRow(item, onRestore) {
  const restore = h(
    "button",
    { type: "button", class: "secondary", "aria-label": `Restore ${item.sample_name}` },
    "Restore",
  );
  restore.addEventListener("click", () => onRestore(item, restore));
  const layers = item.layers || [];
  return h(
    "tr",
    { dataset: { id: String(item.sample_id) } },
    h("th", { scope: "row", "data-label": "Name" }, item.sample_name),
    h("td", { "data-label": "Substrate" }, item.substrate),
    h("td", { "data-label": "Layers" }, String(layers.length)),
    h("td", { "data-label": "Deleted" }, timeEl(item.deleted_at)),
    h("td", { "data-label": "Deleted by" }, item.deleted_by_name || item.deleted_by || "—"),
    h("td", {}, restore),
  );
}

export async function trashView(main, { navigate }) {
  const alert = alertBox();
  const body = h("tbody", {});
  const more = h("button", { type: "button", class: "secondary" }, "Show more");
  const empty = h("p", { class: "empty", hidden: true }, "The trash is empty.");
  const table = h(
    "table",
    { class: "trash" },
    h("caption", { class: "visually-hidden" }, "Deleted target materials, newest first"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Name", "Substrate", "Layers", "Deleted", "Deleted by", ""].map((t) =>
          h("th", { scope: "col" }, t),
        ),
      ),
    ),
    body,
  );
  let cursor = null;

  async function onRestore(item, button) {
    button.disabled = true;
    try {
      await api.restore(item.sample_id);
      navigate(`#/materials/${item.sample_id}`, `Restored “${item.sample_name}”.`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      showAlert(alert, `Could not restore “${item.sample_name}”: ${err.message}`);
      button.disabled = false;
    }
  }

  const add = ({ data, headers }) => {
    body.append(...data.map((item) => trashRow(item, onRestore)));
    cursor = headers.get("X-Next-Cursor");
    more.hidden = !cursor;
    empty.hidden = body.children.length > 0;
    table.hidden = body.children.length === 0;
  };
  const first = await api.trash(null, TRASH_PAGE);
  main.replaceChildren(
    heading("Trash"),
    h(
      "p",
      { class: "subtitle" },
      "Deleted target materials stay here until they are purged; restoring one brings back its id, layers, note, history and links.",
    ),
    alert,
    empty,
    h("div", { class: "table-wrap" }, table),
    h("div", { class: "pager" }, more),
  );
  add(first);
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      add(await api.trash(cursor, TRASH_PAGE));
    } finally {
      more.disabled = false;
    }
  });
  return {};
}
