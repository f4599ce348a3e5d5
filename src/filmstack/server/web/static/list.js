// The list of target materials: search by name, substrate and elements, one page at a time
// with the API's cursor (X-Next-Cursor), so it stays quick however many materials there are.

import { api, ApiError, groupRows } from "./api.js";
import { field, h, setError, timeEl } from "./dom.js";
import { drawThumbnail, layersText } from "./draw.js";
import { alertBox, heading, input, problemText, showAlert } from "./views.js";

export const PAGE_SIZE = 25;

const cursorHistory = new Map(); // "filters|cursor" -> {previous cursor, page number}

function filterKey(filters) {
  return JSON.stringify([filters.name, filters.substrate, filters.element]);
}

function splitElements(text) {
  return text
    .split(/[\s,;]+/)
    .map((e) => e.trim())
    .filter(Boolean);
}

export function materialsHash(filters, cursor) {
  const params = new URLSearchParams();
  if (filters.name) params.set("name", filters.name);
  if (filters.substrate) params.set("substrate", filters.substrate);
  for (const e of filters.element || []) params.append("element", e);
  if (cursor) params.set("cursor", cursor);
  const query = params.toString();
  return `#/materials${query ? `?${query}` : ""}`;
}

/** Go to a hash; the same hash again reloads the view (a search run twice shows fresh rows). */
function go(hash) {
  if (window.location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = hash;
}

export async function listView(main, { query }) {
  const filters = {
    name: query.get("name") || "",
    substrate: query.get("substrate") || "",
    element: query.getAll("element"),
  };
  const cursor = query.get("cursor");
  const name = field({
    label: "Name contains",
    control: input({ name: "name", value: filters.name, type: "search" }),
  });
  const substrate = field({
    label: "Substrate",
    hint: "Exact, e.g. SrTiO3",
    control: input({ name: "substrate", value: filters.substrate }),
  });
  const elements = field({
    label: "Elements",
    hint: "All of them, e.g. Ti, O",
    control: input({ name: "element", value: filters.element.join(", ") }),
  });
  const clear = h("button", { type: "button", class: "secondary" }, "Clear");
  const form = h(
    "form",
    { role: "search", class: "search", "aria-label": "Search target materials" },
    name.wrap,
    substrate.wrap,
    elements.wrap,
    h("div", { class: "search-actions" }, h("button", { type: "submit" }, "Search"), clear),
  );
  const results = h(
    "section",
    { class: "results", "aria-busy": "true", "aria-labelledby": "results-heading" },
    h("p", { class: "loading" }, "Loading…"),
  );
  const alert = alertBox();
  main.replaceChildren(
    h(
      "div",
      { class: "title-row" },
      heading("Target materials"),
      h("a", { href: "#/new", class: "button" }, "New material"),
    ),
    form,
    alert,
    results,
  );

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = {
      name: name.control.value.trim(),
      substrate: substrate.control.value.trim(),
      element: splitElements(elements.control.value),
    };
    go(materialsHash(next, null));
  });
  clear.addEventListener("click", () => go(materialsHash({}, null)));

  let page;
  try {
    page = await api.list(filters, cursor, PAGE_SIZE);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status === 401) throw err;
    results.setAttribute("aria-busy", "false");
    results.replaceChildren();
    let unplaced = [];
    for (const p of err.problems) {
      const target = { name, substrate, element: elements }[p.loc?.[1]];
      if (p.loc?.[1] === "cursor") {
        unplaced.push("This page link is out of date; start again from the first page.");
      } else if (target) setError(target, p.msg);
      else unplaced.push(problemText(p));
    }
    if (!err.problems.length) unplaced = [err.message];
    showAlert(alert, unplaced.length ? "The search could not run." : "", unplaced);
    return {};
  }
  const materials = groupRows(page.data);
  const next = page.headers.get("X-Next-Cursor");
  const here = cursorHistory.get(`${filterKey(filters)}|${cursor}`) || {
    previous: null,
    number: cursor ? null : 1,
  };
  if (next)
    cursorHistory.set(`${filterKey(filters)}|${next}`, {
      previous: cursor,
      number: here.number ? here.number + 1 : null,
    });

  const searching = filters.name || filters.substrate || filters.element.length;
  const headingText = searching ? "Matching materials" : "All materials";
  const pageText = here.number ? `page ${here.number}` : "a later page";
  results.setAttribute("aria-busy", "false");
  if (!materials.length) {
    results.replaceChildren(
      h("h2", { id: "results-heading", class: "visually-hidden" }, headingText),
      h(
        "p",
        { class: "empty" },
        searching ? "No target materials match this search." : "No target materials yet. ",
        searching ? null : h("a", { href: "#/new" }, "Create the first one."),
      ),
    );
    return {};
  }
  const table = h(
    "table",
    { class: "materials" },
    h("caption", { class: "visually-hidden" }, `${headingText}, ${pageText}`),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Stack", "Name", "Substrate", "Layers", "Last updated"].map((t) =>
          h("th", { scope: "col" }, t),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      materials.map((m) =>
        h(
          "tr",
          { dataset: { id: m.sample_id } },
          h("td", { class: "thumb" }, drawThumbnail(m.layers, m.substrate)),
          h(
            "th",
            { scope: "row", "data-label": "Name" },
            h("a", { href: `#/materials/${m.sample_id}` }, m.sample_name),
          ),
          h("td", { "data-label": "Substrate" }, m.substrate),
          h(
            "td",
            { "data-label": "Layers", class: "layers-text" },
            m.layers.length ? layersText(m.layers) : "none",
          ),
          h("td", { "data-label": "Last updated" }, timeEl(m.last_updated)),
        ),
      ),
    ),
  );
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  if (cursor) {
    const previous =
      here.number && here.number > 1
        ? materialsHash(filters, here.previous)
        : materialsHash(filters, null);
    pager.append(
      h(
        "a",
        { href: previous, class: "button secondary", rel: "prev" },
        here.number ? "Previous page" : "First page",
      ),
    );
  }
  pager.append(h("span", { class: "page-number" }, here.number ? `Page ${here.number}` : ""));
  if (next)
    pager.append(
      h(
        "a",
        { href: materialsHash(filters, next), class: "button secondary", rel: "next" },
        "Next page",
      ),
    );
  results.replaceChildren(
    h("h2", { id: "results-heading", class: "visually-hidden" }, headingText),
    table,
    pager,
  );
  return {};
}
