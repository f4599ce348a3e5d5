// Editing a target material: name, substrate and note (PATCH), and the whole stack (replaced in
// one request only when it changed).

import { api, ApiError } from "./api.js";
import { h, setError } from "./dom.js";
import { describeStack } from "./draw.js";
import { showConflict } from "./conflict.js";
import { createLayerEditor } from "./editor.js";
import {
  alertBox,
  heading,
  notFound,
  placeSampleProblems,
  previewFigure,
  problemText,
  sampleFields,
  showAlert,
} from "./views.js";

export async function editView(main, { id, navigate }) {
  let material;
  let etag; // the revision this form was filled from: every save is conditional on it
  try {
    const answer = await api.get(id);
    material = answer.data;
    etag = answer.headers.get("ETag");
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
    h(
      "div",
      { class: "actions" },
      submit,
      h("a", { href: `#/materials/${material.sample_id}`, class: "button secondary" }, "Cancel"),
    ),
  );
  main.replaceChildren(
    h(
      "p",
      { class: "breadcrumb" },
      h("a", { href: "#/materials" }, "All materials"),
      " › ",
      h("a", { href: `#/materials/${material.sample_id}` }, material.sample_name),
    ),
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
  const saved = {
    sample_name: material.sample_name,
    substrate: material.substrate,
    note: material.detail_note_content,
  };

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
        const answer = await api.update(material.sample_id, changes, etag);
        etag = answer.headers.get("ETag") || etag;
        Object.assign(saved, { sample_name: nameValue, substrate: substrateValue, note });
      }
      step = "stack";
      if (stackChanged) {
        const answer = await api.replaceStack(material.sample_id, stack, etag);
        etag = answer.headers.get("ETag") || etag;
        savedStack = JSON.stringify(stack);
      }
      navigate(`#/materials/${material.sample_id}`, "Changes saved.");
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.isConflict) {
        const partly =
          step === "stack" && Object.keys(changes).length
            ? "Your name, substrate and note were saved before that; the stack was not."
            : "";
        await showConflict(alert, {
          id: material.sample_id,
          saved: partly,
          onReload: () =>
            navigate(`#/materials/${material.sample_id}/edit`, "Reloaded the latest version."),
        });
        return;
      }
      let rest =
        step === "details"
          ? placeSampleProblems(err.problems, fields, ["body"])
          : editor.showProblems(err.problems, ["body"]);
      rest = rest.map(problemText);
      const partly =
        step === "stack" && Object.keys(changes).length
          ? " The name, substrate and note were saved; the stack was not."
          : "";
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
