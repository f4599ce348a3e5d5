// One target material: its drawing with the layer table beside it, note, metadata, delete.

import { api, ApiError } from "./api.js";
import { h, timeEl } from "./dom.js";
import { describeStack, drawStack, layerThickness } from "./draw.js";
import { showMaterialEpitaxy, substrateText } from "./epitaxy.js";
import { downloadButtons } from "./exchange.js";
import { metadataEditor } from "./metadata.js";
import { samplesSection } from "./samples.js";
import { alertBox, heading, notFound, showAlert } from "./views.js";

function layerTable(layers) {
  const top = [...layers].sort((a, b) => b.layer_id - a.layer_id);
  return h(
    "table",
    { class: "layers" },
    h("caption", {}, "Layers, top first"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["#", "Formula", "Orientation", "Space group", "Thickness", "MP id"].map((t) =>
          h("th", { scope: "col" }, t),
        ),
      ),
    ),
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
              h(
                "td",
                { "data-label": "Space group" },
                l.space_group
                  ? l.space_group_input && l.space_group_input !== l.space_group
                    ? `${l.space_group} (${l.space_group_input})`
                    : l.space_group
                  : "—",
              ),
              h(
                "td",
                { "data-label": "Thickness" },
                layerThickness(l) || "—",
              ),
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

  const confirmButton = h("button", { type: "button", class: "danger", value: "delete" }, "Delete");
  const cancelButton = h("button", { type: "button", class: "secondary" }, "Cancel");
  const dialog = h(
    "dialog",
    { "aria-labelledby": "delete-title", "aria-describedby": "delete-text" },
    h("h2", { id: "delete-title" }, "Move this target material to the trash?"),
    h(
      "p",
      { id: "delete-text" },
      `“${material.sample_name}” and its ${material.layers.length} layer${material.layers.length === 1 ? "" : "s"} will go to the trash, from where it can be restored with its id, note and history.`,
    ),
    h("div", { class: "actions" }, cancelButton, confirmButton),
  );

  main.replaceChildren(
    h("p", { class: "breadcrumb" }, h("a", { href: "#/materials" }, "All materials")),
    h(
      "div",
      { class: "title-row" },
      heading(material.sample_name),
      h(
        "div",
        { class: "actions" },
        h("a", { href: `#/materials/${material.sample_id}/edit`, class: "button" }, "Edit"),
        h(
          "a",
          { href: `#/materials/${material.sample_id}/history`, class: "button secondary" },
          "History",
        ),
        download,
        ...downloadButtons(material, alert),
        remove,
      ),
    ),
    h(
      "p",
      { class: "subtitle" },
      `On ${substrateText(material)} · updated `,
      timeEl(material.last_updated),
    ),
    alert,
    h(
      "section",
      { class: "stack-view", "aria-label": "Stack" },
      h(
        "figure",
        { class: "drawing" },
        drawStack(material.layers, material.substrate, {
          title: material.sample_name,
          substrateOrientation: material.substrate_orientation,
        }),
        h("figcaption", {}, describeStack(material.layers, material.substrate)),
      ),
      h("div", { class: "table-wrap" }, layerTable(material.layers)),
    ),
    h(
      "div",
      { class: "two-col" },
      h(
        "section",
        { class: "note", "aria-labelledby": "note-h" },
        h("h2", { id: "note-h" }, "Note"),
        material.detail_note_content
          ? h("p", { class: "note-text" }, material.detail_note_content)
          : h("p", { class: "empty" }, "No note."),
      ),
      h(
        "section",
        { "aria-labelledby": "meta-h" },
        h("h2", { id: "meta-h" }, "Details"),
        h(
          "dl",
          { class: "meta" },
          h("dt", {}, "Id"),
          h("dd", {}, String(material.sample_id)),
          h("dt", {}, "Owner"),
          h("dd", {}, material.user_name || material.user_id),
          h("dt", {}, "Created"),
          h("dd", {}, timeEl(material.created_at)),
          h("dt", {}, "Last updated"),
          h("dd", {}, timeEl(material.last_updated)),
          h("dt", {}, "Written by version"),
          h("dd", {}, material.version),
        ),
      ),
    ),
    h(
      "div",
      { class: "two-col" },
      samplesSection(material),
      metadataEditor(material),
    ),
    dialog,
  );
  showMaterialEpitaxy(main, material); // fills in the fit of each layer when it arrives

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
      navigate("#/materials", `Moved “${material.sample_name}” to the trash.`);
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
      const link = h("a", {
        href: url,
        download: `${safeFileName(material.sample_name)}.svg`,
        hidden: true,
      });
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
