// The page's views. Each takes the <main> element and the route's parameters and fills it.

import { api, ApiError, forgetKey, groupRows, setKey } from "./api.js";
import { debounce, field, h, richText, setError, timeEl } from "./dom.js";
import { describeStack, drawStack, drawThumbnail, formatThickness, layersText } from "./draw.js";
import { createLayerEditor } from "./editor.js";

export const PAGE_SIZE = 25;

/** Say something in the polite live region (after a navigation, for instance). */
export function announce(message) {
  const status = document.getElementById("status");
  status.textContent = "";
  // A fresh text node after a tick, so the same message is announced twice in a row too.
  setTimeout(() => {
    status.textContent = message;
  }, 50);
}

function heading(text) {
  return h("h1", { tabindex: "-1" }, text);
}

function alertBox() {
  return h("div", { class: "alert", role: "alert", hidden: true });
}

function showAlert(box, message, items = []) {
  box.replaceChildren(message ? h("p", {}, richText(message)) : null, items.length ? h("ul", {}, items.map((i) => h("li", {}, richText(i)))) : null);
  box.hidden = !message && !items.length;
}

function problemText(p) {
  const loc = (p.loc || []).filter((part) => part !== "body");
  return loc.length ? `${loc.join(" › ")}: ${p.msg}` : p.msg;
}

function input(attrs) {
  return h("input", { type: "text", autocomplete: "off", spellcheck: "false", ...attrs });
}

// ------------------------------------------------------------------------------- sign in

export function signInView(main, { message, onSignedIn }) {
  const keyField = field({
    label: "API key",
    hint: "Kept in this browser tab only, and forgotten when you sign out or close the tab.",
    control: h("input", { type: "password", name: "api-key", autocomplete: "off", spellcheck: "false", required: true }),
  });
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "card narrow", novalidate: true }, keyField.wrap, button);
  main.replaceChildren(
    heading("Sign in to filmstack"),
    h("p", {}, "Paste an API key from your lab's filmstack administrator (", h("code", {}, "filmstack keys create"), ")."),
    message ? h("p", { class: "notice" }, message) : null,
    form,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = keyField.control.value.trim();
    if (!key) {
      setError(keyField, "Paste your API key first.");
      keyField.control.focus();
      return;
    }
    button.disabled = true;
    setError(keyField, "");
    try {
      await api.check(key);
      setKey(key);
      onSignedIn();
    } catch (err) {
      let text = err.message;
      if (err.status === 401) text = "That API key was not accepted: it is unknown or has been revoked.";
      else if (err.status === 403) text = "That API key may not read target materials (it lacks the read scope).";
      setError(keyField, text);
      keyField.control.focus();
    } finally {
      button.disabled = false;
    }
  });
  return { focus: keyField.control };
}

export function signOut() {
  forgetKey();
}

// ---------------------------------------------------------------------------------- list

const cursorHistory = new Map(); // "filters|cursor" -> {previous cursor, page number}

function filterKey(filters) {
  return JSON.stringify([filters.name, filters.substrate, filters.element]);
}

function splitElements(text) {
  return text.split(/[\s,;]+/).map((e) => e.trim()).filter(Boolean);
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
  const name = field({ label: "Name contains", control: input({ name: "name", value: filters.name, type: "search" }) });
  const substrate = field({ label: "Substrate", hint: "Exact, e.g. SrTiO3", control: input({ name: "substrate", value: filters.substrate }) });
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
  const results = h("section", { class: "results", "aria-busy": "true", "aria-labelledby": "results-heading" }, h("p", { class: "loading" }, "Loading…"));
  const alert = alertBox();
  main.replaceChildren(
    h("div", { class: "title-row" }, heading("Target materials"), h("a", { href: "#/new", class: "button" }, "New material")),
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
  const here = cursorHistory.get(`${filterKey(filters)}|${cursor}`) || { previous: null, number: cursor ? null : 1 };
  if (next) cursorHistory.set(`${filterKey(filters)}|${next}`, { previous: cursor, number: here.number ? here.number + 1 : null });

  const searching = filters.name || filters.substrate || filters.element.length;
  const headingText = searching ? "Matching materials" : "All materials";
  const pageText = here.number ? `page ${here.number}` : "a later page";
  results.setAttribute("aria-busy", "false");
  if (!materials.length) {
    results.replaceChildren(
      h("h2", { id: "results-heading", class: "visually-hidden" }, headingText),
      h("p", { class: "empty" }, searching ? "No target materials match this search." : "No target materials yet. ", searching ? null : h("a", { href: "#/new" }, "Create the first one.")),
    );
    return {};
  }
  const table = h(
    "table",
    { class: "materials" },
    h("caption", { class: "visually-hidden" }, `${headingText}, ${pageText}`),
    h("thead", {}, h("tr", {}, ["Stack", "Name", "Substrate", "Layers", "Last updated"].map((t) => h("th", { scope: "col" }, t)))),
    h(
      "tbody",
      {},
      materials.map((m) =>
        h(
          "tr",
          { dataset: { id: m.sample_id } },
          h("td", { class: "thumb" }, drawThumbnail(m.layers, m.substrate)),
          h("th", { scope: "row", "data-label": "Name" }, h("a", { href: `#/materials/${m.sample_id}` }, m.sample_name)),
          h("td", { "data-label": "Substrate" }, m.substrate),
          h("td", { "data-label": "Layers", class: "layers-text" }, m.layers.length ? layersText(m.layers) : "none"),
          h("td", { "data-label": "Last updated" }, timeEl(m.last_updated)),
        ),
      ),
    ),
  );
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  if (cursor) {
    const previous = here.number && here.number > 1 ? materialsHash(filters, here.previous) : materialsHash(filters, null);
    pager.append(h("a", { href: previous, class: "button secondary", rel: "prev" }, here.number ? "Previous page" : "First page"));
  }
  pager.append(h("span", { class: "page-number" }, here.number ? `Page ${here.number}` : ""));
  if (next) pager.append(h("a", { href: materialsHash(filters, next), class: "button secondary", rel: "next" }, "Next page"));
  results.replaceChildren(h("h2", { id: "results-heading", class: "visually-hidden" }, headingText), table, pager);
  return {};
}

// ------------------------------------------------------------------------------ material

function notFound(main, err) {
  main.replaceChildren(
    heading(err.status === 404 ? "Not found" : "Something went wrong"),
    h("p", {}, err.status === 404 ? "There is no such target material in your organization." : err.message),
    h("p", {}, h("a", { href: "#/materials" }, "Back to the list")),
  );
  return {};
}

function layerTable(layers) {
  const top = [...layers].sort((a, b) => b.layer_id - a.layer_id);
  return h(
    "table",
    { class: "layers" },
    h("caption", {}, "Layers, top first"),
    h("thead", {}, h("tr", {}, ["#", "Formula", "Orientation", "Space group", "Thickness", "MP id"].map((t) => h("th", { scope: "col" }, t)))),
    h(
      "tbody",
      {},
      top.length
        ? top.map((l) =>
            h(
              "tr",
              {},
              h("td", { "data-label": "Position" }, String(l.layer_id)),
              h("th", { scope: "row", "data-label": "Formula" }, l.composition_string || "—"),
              h("td", { "data-label": "Orientation" }, l.orientation || "—"),
              h("td", { "data-label": "Space group" }, l.space_group ? (l.space_group_input && l.space_group_input !== l.space_group ? `${l.space_group} (${l.space_group_input})` : l.space_group) : "—"),
              h("td", { "data-label": "Thickness" }, l.thickness_nm ? formatThickness(l.thickness_nm) : "—"),
              h("td", { "data-label": "MP id" }, l.mp_id || "—"),
            ),
          )
        : h("tr", {}, h("td", { colspan: 6 }, "No layers: the bare substrate.")),
    ),
  );
}

function safeFileName(name) {
  return (name.replace(/[^\w.-]+/g, "_").replace(/^_+|_+$/g, "") || "stack").slice(0, 80);
}

export async function materialView(main, { id, navigate }) {
  let material;
  try {
    material = (await api.get(id)).data;
  } catch (err) {
    if (err instanceof ApiError && err.status !== 401) return notFound(main, err);
    throw err;
  }
  const download = h("button", { type: "button", class: "secondary" }, "Download drawing (SVG)");
  const remove = h("button", { type: "button", class: "danger" }, "Delete…");
  const alert = alertBox();
  const metadata = material.sample_metadata || {};
  const metaKeys = Object.keys(metadata);

  const confirmButton = h("button", { type: "button", class: "danger", value: "delete" }, "Delete");
  const cancelButton = h("button", { type: "button", class: "secondary" }, "Cancel");
  const dialog = h(
    "dialog",
    { "aria-labelledby": "delete-title", "aria-describedby": "delete-text" },
    h("h2", { id: "delete-title" }, "Delete this target material?"),
    h("p", { id: "delete-text" }, `“${material.sample_name}” and its ${material.layers.length} layer${material.layers.length === 1 ? "" : "s"} will be deleted. This cannot be undone.`),
    h("div", { class: "actions" }, cancelButton, confirmButton),
  );

  main.replaceChildren(
    h("p", { class: "breadcrumb" }, h("a", { href: "#/materials" }, "All materials")),
    h("div", { class: "title-row" }, heading(material.sample_name), h("div", { class: "actions" }, h("a", { href: `#/materials/${material.sample_id}/edit`, class: "button" }, "Edit"), download, remove)),
    h("p", { class: "subtitle" }, `On ${material.substrate} · updated `, timeEl(material.last_updated)),
    alert,
    h(
      "section",
      { class: "stack-view", "aria-label": "Stack" },
      h("figure", { class: "drawing" }, drawStack(material.layers, material.substrate, { title: material.sample_name }), h("figcaption", {}, describeStack(material.layers, material.substrate))),
      h("div", { class: "table-wrap" }, layerTable(material.layers)),
    ),
    h(
      "div",
      { class: "two-col" },
      h("section", { class: "note", "aria-labelledby": "note-h" }, h("h2", { id: "note-h" }, "Note"), material.detail_note_content ? h("p", { class: "note-text" }, material.detail_note_content) : h("p", { class: "empty" }, "No note.")),
      h(
        "section",
        { "aria-labelledby": "meta-h" },
        h("h2", { id: "meta-h" }, "Details"),
        h(
          "dl",
          { class: "meta" },
          h("dt", {}, "Id"), h("dd", {}, String(material.sample_id)),
          h("dt", {}, "Owner"), h("dd", {}, material.user_name || material.user_id),
          h("dt", {}, "Created"), h("dd", {}, timeEl(material.created_at)),
          h("dt", {}, "Last updated"), h("dd", {}, timeEl(material.last_updated)),
          h("dt", {}, "Written by version"), h("dd", {}, material.version),
          h("dt", {}, "Metadata"),
          h("dd", {}, metaKeys.length ? h("pre", { class: "metadata" }, JSON.stringify(metadata, null, 2)) : "none"),
        ),
      ),
    ),
    dialog,
  );

  remove.addEventListener("click", () => {
    dialog.showModal();
    cancelButton.focus(); // the safe choice has the focus
  });
  cancelButton.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => remove.focus());
  confirmButton.addEventListener("click", async () => {
    confirmButton.disabled = true;
    try {
      await api.remove(material.sample_id);
      dialog.close();
      navigate("#/materials", `Deleted “${material.sample_name}”.`);
    } catch (err) {
      dialog.close();
      showAlert(alert, `Could not delete: ${err.message}`);
    } finally {
      confirmButton.disabled = false;
    }
  });
  download.addEventListener("click", async () => {
    try {
      const { data } = await api.svg(material.sample_id);
      const url = URL.createObjectURL(new Blob([data], { type: "image/svg+xml" }));
      const link = h("a", { href: url, download: `${safeFileName(material.sample_name)}.svg`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (err) {
      showAlert(alert, `Could not download the drawing: ${err.message}`);
    }
  });
  return {};
}

// ---------------------------------------------------------------------- create and edit

function sampleFields(values = {}) {
  return {
    name: field({ label: "Name", control: input({ name: "sample_name", value: values.sample_name || "", required: true, maxlength: 255 }) }),
    substrate: field({ label: "Substrate", hint: "A formula, e.g. SrTiO3 or Si", control: input({ name: "substrate", value: values.substrate || "", required: true, maxlength: 255 }) }),
    note: field({ label: "Note", hint: "Optional: growth conditions, references, anything.", control: h("textarea", { name: "note", rows: 3 }, values.detail_note_content || "") }),
  };
}

/** Put problems whose loc names a sample field under that field; return the rest. */
function placeSampleProblems(problems, fields, prefix) {
  const rest = [];
  const names = { sample_name: fields.name, substrate: fields.substrate, detail_note_content: fields.note };
  for (const p of problems) {
    const loc = p.loc || [];
    const target = prefix.every((part, i) => loc[i] === part) ? names[loc[prefix.length]] : undefined;
    if (target) setError(target, p.msg);
    else rest.push(p);
  }
  return rest;
}

/**
 * The part of the text a parse error names. Messages quote the piece they could not read first
 * ("could not read `Xx2`: `Xx` is not an element symbol"), then, sometimes, the culprit inside
 * it: mark the innermost quoted text that is really there.
 */
export function wrongPart(prompt, message) {
  const quoted = [...message.matchAll(/`([^`]+)`|‘([^’]+)’|“([^”]+)”/g)].map((m) => m.slice(1).find(Boolean));
  const find = (part, from = 0, to = prompt.length) => {
    const at = prompt.slice(from, to).indexOf(part);
    return at < 0 ? null : { start: from + at, end: from + at + part.length };
  };
  let outer = null;
  let rest = [];
  for (let i = 0; i < quoted.length && !outer; i += 1) {
    outer = find(quoted[i]);
    rest = quoted.slice(i + 1);
  }
  if (!outer) return null;
  let best = outer;
  for (const part of rest) {
    const inner = find(part, outer.start, outer.end);
    if (inner && inner.end - inner.start < best.end - best.start) best = inner;
  }
  return best;
}

function parsedToLayers(parsed) {
  // The API lists parsed layers topmost first; positions count from the substrate up.
  return [...parsed.layers].reverse().map((l, i) => ({
    layer_id: i + 1,
    composition_string: l.formula,
    orientation: l.orientation ?? null,
    space_group: l.space_group ?? null,
    thickness_nm: l.thickness_nm ?? null,
  }));
}

function previewFigure() {
  const figure = h("figure", { class: "drawing preview" });
  const set = (layers, substrate, caption, substrateOrientation) => {
    figure.classList.remove("stale");
    figure.replaceChildren(drawStack(layers, substrate, { title: "Preview", substrateOrientation }), h("figcaption", {}, caption));
  };
  /** Keep the last drawing, greyed, while the text cannot be read. */
  const stale = () => {
    if (!figure.firstChild || figure.classList.contains("stale")) return;
    figure.classList.add("stale");
    figure.lastChild.textContent = `Last stack that could be read: ${figure.lastChild.textContent.replace(/^Preview: /, "")}`;
  };
  return { el: figure, set, stale };
}

export function createView(main, { navigate, query }) {
  const fields = sampleFields();
  const touched = { name: false, substrate: false };
  fields.name.control.addEventListener("input", () => (touched.name = true));
  fields.substrate.control.addEventListener("input", () => (touched.substrate = true));

  const prompt = field({
    label: "Stack, film first and substrate last",
    hint: "For example: 10 nm BaTiO3 (001) / SrTiO3 on Si — or LAO/STO, [LaAlO3/SrTiO3]x10 on Si",
    control: h("textarea", { name: "prompt", rows: 2, spellcheck: "false", maxlength: 2000 }),
  });
  const echo = h("p", { class: "parse-echo", hidden: true, "aria-hidden": "true" });
  const parseStatus = h("p", { class: "parse-status", "aria-live": "polite" });
  const preview = previewFigure();
  const editor = createLayerEditor({ onChange: () => drawEditor() });
  const editorPreview = previewFigure();
  const alert = alertBox();

  const modeText = h("input", { type: "radio", name: "mode", value: "text", id: "mode-text", checked: true });
  const modeLayers = h("input", { type: "radio", name: "mode", value: "layers", id: "mode-layers" });
  const modes = h(
    "fieldset",
    { class: "modes" },
    h("legend", {}, "Enter the stack"),
    h("span", { class: "radio" }, modeText, h("label", { for: "mode-text" }, "From text")),
    h("span", { class: "radio" }, modeLayers, h("label", { for: "mode-layers" }, "Layer by layer")),
  );
  const toLayers = h("button", { type: "button", class: "secondary", disabled: true }, "Edit these layers one by one");
  const textPane = h("div", { class: "pane text-pane" }, prompt.wrap, echo, parseStatus, h("div", { class: "preview-wrap" }, preview.el), toLayers);
  const layerPane = h("div", { class: "pane layer-pane", hidden: true }, h("div", { class: "editor-grid" }, editor.el, editorPreview.el));
  const submit = h("button", { type: "submit" }, "Create material");
  const form = h(
    "form",
    { class: "material-form", novalidate: true },
    modes,
    textPane,
    layerPane,
    h("div", { class: "sample-fields" }, fields.name.wrap, fields.substrate.wrap, fields.note.wrap),
    alert,
    h("div", { class: "actions" }, submit, h("a", { href: "#/materials", class: "button secondary" }, "Cancel")),
  );
  main.replaceChildren(h("p", { class: "breadcrumb" }, h("a", { href: "#/materials" }, "All materials")), heading("New target material"), form);

  let parsed = null; // the last good parse of the current text
  let parsedText = null; // the text it was read from
  let controller = null;
  let sequence = 0;

  function mode() {
    return modeLayers.checked ? "layers" : "text";
  }

  function drawEditor() {
    const substrate = fields.substrate.control.value.trim();
    editorPreview.set(editor.drawable(), substrate, editor.count() ? describeStack(editor.drawable(), substrate) : "Add layers to see them drawn.");
  }

  function showParseError(text, message) {
    parsed = null;
    toLayers.disabled = true;
    preview.stale();
    setError(prompt, message);
    const part = wrongPart(text, message);
    if (part) {
      echo.replaceChildren(text.slice(0, part.start), h("mark", {}, text.slice(part.start, part.end)), text.slice(part.end));
      echo.hidden = false;
    } else {
      echo.hidden = true;
    }
    parseStatus.textContent = "";
    settled("error", text);
  }

  /** Record on the pane which text the preview and messages now describe. */
  function settled(state, text) {
    textPane.dataset.parse = state;
    textPane.dataset.parsed = text;
  }

  async function runParse() {
    const text = prompt.control.value.trim();
    controller?.abort();
    if (!text) {
      parsed = null;
      toLayers.disabled = true;
      setError(prompt, "");
      echo.hidden = true;
      parseStatus.textContent = "";
      preview.el.replaceChildren();
      settled("empty", "");
      return;
    }
    controller = new AbortController();
    sequence += 1;
    const mine = sequence;
    parseStatus.textContent = "Reading…";
    textPane.dataset.parse = "reading";
    try {
      const { data } = await api.parse(text, controller.signal);
      if (mine !== sequence) return;
      parsed = data;
      parsedText = text;
      setError(prompt, "");
      echo.hidden = true;
      toLayers.disabled = false;
      const layers = parsedToLayers(data);
      preview.set(layers, data.substrate, `Preview: ${data.material_name}`, data.substrate_orientation);
      parseStatus.textContent = `Read ${layers.length} layer${layers.length === 1 ? "" : "s"}${data.substrate ? ` on ${data.substrate}` : ""}.`;
      if (!touched.name) fields.name.control.value = data.material_name;
      if (!touched.substrate) fields.substrate.control.value = data.substrate;
      if (data.substrate_orientation) parsed.substrateOrientation = data.substrate_orientation;
      settled("ok", text);
    } catch (err) {
      if (err.name === "AbortError" || mine !== sequence) return;
      showParseError(text, err instanceof ApiError ? err.problems.map((p) => p.msg).join("; ") || err.message : String(err));
    }
  }

  const debouncedParse = debounce(runParse, 250);
  prompt.control.addEventListener("input", () => debouncedParse());
  fields.substrate.control.addEventListener("input", () => {
    if (mode() === "layers") drawEditor();
  });

  function switchMode() {
    const layers = mode() === "layers";
    textPane.hidden = layers;
    layerPane.hidden = !layers;
    if (layers) drawEditor();
  }
  modeText.addEventListener("change", switchMode);
  modeLayers.addEventListener("change", switchMode);
  toLayers.addEventListener("click", () => {
    if (!parsed) return;
    editor.setLayers(parsedToLayers(parsed));
    modeLayers.checked = true;
    switchMode();
    modeLayers.focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    debouncedParse.cancel();
    for (const f of Object.values(fields)) setError(f, "");
    editor.clearProblems();
    showAlert(alert, "");
    let layers;
    if (mode() === "text") {
      if (prompt.control.value.trim() && (!parsed || parsedText !== prompt.control.value.trim())) {
        await runParse();
      }
      if (!parsed) {
        if (!prompt.control.value.trim()) setError(prompt, "Describe the stack first, e.g. BaTiO3 on SrTiO3.");
        prompt.control.focus();
        return;
      }
      layers = parsedToLayers(parsed).map((l) => Object.fromEntries(Object.entries(l).filter(([, v]) => v !== null)));
    } else {
      layers = editor.payload();
    }
    const sample = { sample_name: fields.name.control.value.trim(), substrate: fields.substrate.control.value.trim() };
    if (mode() === "text" && parsed.substrateOrientation) sample.sample_metadata = { substrate_orientation: parsed.substrateOrientation };
    const note = fields.note.control.value;
    submit.disabled = true;
    try {
      const { data } = await api.create({ sample, layers });
      if (note.trim()) {
        try {
          await api.update(data.sample_id, { detail_note_content: note });
        } catch (err) {
          navigate(`#/materials/${data.sample_id}`, `Created, but the note was not saved: ${err.message}`);
          return;
        }
      }
      navigate(`#/materials/${data.sample_id}`, `Created “${data.sample_name}”.`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      let rest = placeSampleProblems(err.problems, fields, ["body", "sample"]);
      if (mode() === "layers") rest = editor.showProblems(rest, ["body", "layers"]);
      const items = rest.map((p) => {
        const loc = p.loc || [];
        if (loc[1] === "layers" && Number.isInteger(loc[2])) return `Layer ${loc[2] + 1} (${layers[loc[2]]?.composition_string ?? "?"}): ${p.msg}`;
        return problemText(p);
      });
      showAlert(alert, err.problems.length ? (items.length ? "The material was not created:" : "") : `The material was not created: ${err.message}`, items);
      const firstError = form.querySelector("[aria-invalid=true]");
      if (firstError) firstError.focus();
      else if (!alert.hidden) alert.focus?.();
    } finally {
      submit.disabled = false;
    }
  });

  if (query.get("text")) {
    prompt.control.value = query.get("text");
    runParse();
  }
  return { focus: null };
}

export async function editView(main, { id, navigate }) {
  let material;
  try {
    material = (await api.get(id)).data;
  } catch (err) {
    if (err instanceof ApiError && err.status !== 401) return notFound(main, err);
    throw err;
  }
  const fields = sampleFields(material);
  const preview = previewFigure();
  const editor = createLayerEditor({ layers: material.layers, onChange: () => draw() });
  const alert = alertBox();
  const submit = h("button", { type: "submit" }, "Save changes");
  const form = h(
    "form",
    { class: "material-form", novalidate: true },
    h("div", { class: "sample-fields" }, fields.name.wrap, fields.substrate.wrap, fields.note.wrap),
    h("div", { class: "editor-grid" }, editor.el, preview.el),
    alert,
    h("div", { class: "actions" }, submit, h("a", { href: `#/materials/${material.sample_id}`, class: "button secondary" }, "Cancel")),
  );
  main.replaceChildren(
    h("p", { class: "breadcrumb" }, h("a", { href: "#/materials" }, "All materials"), " › ", h("a", { href: `#/materials/${material.sample_id}` }, material.sample_name)),
    heading(`Edit ${material.sample_name}`),
    form,
  );

  function draw() {
    const substrate = fields.substrate.control.value.trim();
    preview.set(editor.drawable(), substrate, describeStack(editor.drawable(), substrate));
  }
  fields.substrate.control.addEventListener("input", draw);
  draw();
  let savedStack = JSON.stringify(editor.payload());
  const saved = { sample_name: material.sample_name, substrate: material.substrate, note: material.detail_note_content };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const f of Object.values(fields)) setError(f, "");
    editor.clearProblems();
    showAlert(alert, "");
    const changes = {};
    const nameValue = fields.name.control.value.trim();
    const substrateValue = fields.substrate.control.value.trim();
    const noteValue = fields.note.control.value;
    if (nameValue !== saved.sample_name) changes.sample_name = nameValue;
    if (substrateValue !== saved.substrate) changes.substrate = substrateValue;
    const note = noteValue.trim() ? noteValue : null;
    if (note !== (saved.note ?? null)) changes.detail_note_content = note;
    const stack = editor.payload();
    const stackChanged = JSON.stringify(stack) !== savedStack;
    if (!Object.keys(changes).length && !stackChanged) {
      showAlert(alert, "Nothing has changed.");
      return;
    }
    submit.disabled = true;
    let step = "details";
    try {
      if (Object.keys(changes).length) {
        await api.update(material.sample_id, changes);
        Object.assign(saved, { sample_name: nameValue, substrate: substrateValue, note });
      }
      step = "stack";
      if (stackChanged) {
        await api.replaceStack(material.sample_id, stack);
        savedStack = JSON.stringify(stack);
      }
      navigate(`#/materials/${material.sample_id}`, "Changes saved.");
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      let rest = step === "details" ? placeSampleProblems(err.problems, fields, ["body"]) : editor.showProblems(err.problems, ["body"]);
      rest = rest.map(problemText);
      const partly = step === "stack" && Object.keys(changes).length ? " The name, substrate and note were saved; the stack was not." : "";
      const lead = step === "details" ? "Nothing was saved." : `The stack was not saved.${partly}`;
      showAlert(alert, err.problems.length ? lead : `${lead} ${err.message}`, rest);
      const firstError = form.querySelector("[aria-invalid=true]");
      if (firstError) firstError.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return {};
}
