// A new target material, from free text (read by POST /target-materials/parse as it is typed)
// or layer by layer.

import { api, ApiError, newIdempotencyKey } from "./api.js";
import { debounce, field, h, setError } from "./dom.js";
import { describeStack } from "./draw.js";
import { createLayerEditor } from "./editor.js";
import { epitaxyPreview } from "./epitaxy.js";
import {
  alertBox,
  heading,
  placeSampleProblems,
  previewFigure,
  problemText,
  sampleFields,
  showAlert,
} from "./views.js";

export function wrongPart(prompt, message) {
  const quoted = [...message.matchAll(/`([^`]+)`|‘([^’]+)’|“([^”]+)”/g)].map((m) =>
    m.slice(1).find(Boolean),
  );
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
    thickness_unit_cells: l.thickness_unit_cells ?? null,
    repeat: l.repeat ?? null,
  }));
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
  const fit = epitaxyPreview();
  const editor = createLayerEditor({ onChange: () => drawEditor() });
  const editorPreview = previewFigure();
  const alert = alertBox();

  const modeText = h("input", {
    type: "radio",
    name: "mode",
    value: "text",
    id: "mode-text",
    checked: true,
  });
  const modeLayers = h("input", {
    type: "radio",
    name: "mode",
    value: "layers",
    id: "mode-layers",
  });
  const modes = h(
    "fieldset",
    { class: "modes" },
    h("legend", {}, "Enter the stack"),
    h("span", { class: "radio" }, modeText, h("label", { for: "mode-text" }, "From text")),
    h("span", { class: "radio" }, modeLayers, h("label", { for: "mode-layers" }, "Layer by layer")),
  );
  const toLayers = h(
    "button",
    { type: "button", class: "secondary", disabled: true },
    "Edit these layers one by one",
  );
  const textPane = h(
    "div",
    { class: "pane text-pane" },
    prompt.wrap,
    echo,
    parseStatus,
    h("div", { class: "preview-wrap" }, preview.el),
    fit.el,
    toLayers,
  );
  const layerPane = h(
    "div",
    { class: "pane layer-pane", hidden: true },
    h("div", { class: "editor-grid" }, editor.el, editorPreview.el),
  );
  const submit = h("button", { type: "submit" }, "Create material");
  const form = h(
    "form",
    { class: "material-form", novalidate: true },
    modes,
    textPane,
    layerPane,
    h("div", { class: "sample-fields" }, fields.name.wrap, fields.substrate.wrap, fields.note.wrap),
    alert,
    h(
      "div",
      { class: "actions" },
      submit,
      h("a", { href: "#/materials", class: "button secondary" }, "Cancel"),
    ),
  );
  main.replaceChildren(
    h("p", { class: "breadcrumb" }, h("a", { href: "#/materials" }, "All materials")),
    heading("New target material"),
    form,
  );

  let parsed = null; // the last good parse of the current text
  let parsedText = null; // the text it was read from
  let controller = null;
  let sequence = 0;

  function mode() {
    return modeLayers.checked ? "layers" : "text";
  }

  function drawEditor() {
    const substrate = fields.substrate.control.value.trim();
    editorPreview.set(
      editor.drawable(),
      substrate,
      editor.count()
        ? describeStack(editor.drawable(), substrate)
        : "Add layers to see them drawn.",
    );
  }

  function showParseError(text, message) {
    parsed = null;
    toLayers.disabled = true;
    preview.stale();
    setError(prompt, message);
    const part = wrongPart(text, message);
    if (part) {
      echo.replaceChildren(
        text.slice(0, part.start),
        h("mark", {}, text.slice(part.start, part.end)),
        text.slice(part.end),
      );
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
      fit.clear();
      settled("empty", "");
      return;
    }
    fit.update(text);
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
      preview.set(
        layers,
        data.substrate,
        `Preview: ${data.material_name}`,
        data.substrate_orientation,
      );
      fit.drawn(text, preview.el.querySelector("svg"));
      parseStatus.textContent = `Read ${layers.length} layer${layers.length === 1 ? "" : "s"}${data.substrate ? ` on ${data.substrate}` : ""}.`;
      if (!touched.name) fields.name.control.value = data.material_name;
      if (!touched.substrate) fields.substrate.control.value = data.substrate;
      if (data.substrate_orientation) parsed.substrateOrientation = data.substrate_orientation;
      settled("ok", text);
    } catch (err) {
      if (err.name === "AbortError" || mine !== sequence) return;
      showParseError(
        text,
        err instanceof ApiError
          ? err.problems.map((p) => p.msg).join("; ") || err.message
          : String(err),
      );
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

  const lastSent = { body: null, key: null };
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
        if (!prompt.control.value.trim())
          setError(prompt, "Describe the stack first, e.g. BaTiO3 on SrTiO3.");
        prompt.control.focus();
        return;
      }
      layers = parsedToLayers(parsed).map((l) =>
        Object.fromEntries(Object.entries(l).filter(([, v]) => v !== null)),
      );
    } else {
      layers = editor.payload();
    }
    const sample = {
      sample_name: fields.name.control.value.trim(),
      substrate: fields.substrate.control.value.trim(),
    };
    if (mode() === "text" && parsed.substrateOrientation)
      sample.substrate_orientation = parsed.substrateOrientation;
    const note = fields.note.control.value;
    if (note.trim()) sample.detail_note_content = note; // created with the material, at once
    // A second click after a lost answer sends the same key, so the server creates it once.
    const sent = JSON.stringify({ sample, layers });
    if (sent !== lastSent.body) Object.assign(lastSent, { body: sent, key: newIdempotencyKey() });
    submit.disabled = true;
    try {
      const { data } = await api.create({ sample, layers }, lastSent.key);
      navigate(`#/materials/${data.sample_id}`, `Created “${data.sample_name}”.`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      let rest = placeSampleProblems(err.problems, fields, ["body", "sample"]);
      if (mode() === "layers") rest = editor.showProblems(rest, ["body", "layers"]);
      const items = rest.map((p) => {
        const loc = p.loc || [];
        if (loc[1] === "layers" && Number.isInteger(loc[2]))
          return `Layer ${loc[2] + 1} (${layers[loc[2]]?.composition_string ?? "?"}): ${p.msg}`;
        return problemText(p);
      });
      showAlert(
        alert,
        err.problems.length
          ? items.length
            ? "The material was not created:"
            : ""
          : `The material was not created: ${err.message}`,
        items,
      );
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
