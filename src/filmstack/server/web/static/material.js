// One target material: its drawing with the layer table beside it, note, metadata, delete.

import { api, ApiError } from "./api.js";
import { h, timeEl } from "./dom.js";
import { describeStack, drawStack, formatThickness, mismatchNote } from "./draw.js";
import { alertBox, heading, notFound, showAlert } from "./views.js";

function mismatchCell(entry) {
  const note = mismatchNote(entry);
  if (!note) {
    return h(
      "td",
      { "data-label": "Mismatch", title: entry ? entry.reason || "" : "" },
      entry ? "not known" : "—",
    );
  }
  return h(
    "td",
    { "data-label": "Mismatch", title: note.title, class: note.past ? "past-critical" : null },
    `${note.text} ${note.strain}`,
    note.past
      ? h(
          "span",
          { class: "warning" },
          ` — thicker than its critical thickness (${formatThickness(entry.critical_thickness_nm)}, an estimate)`,
        )
      : null,
  );
}

function layerTable(layers, epitaxy) {
  const top = [...layers].sort((a, b) => b.layer_id - a.layer_id);
  const byLayer = new Map((epitaxy || []).map((entry) => [entry.layer_id, entry]));
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
        ["#", "Formula", "Orientation", "Space group", "Thickness", "MP id", "Mismatch"].map((t) =>
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
                l.thickness_nm ? formatThickness(l.thickness_nm) : "—",
              ),
              h("td", { "data-label": "MP id" }, l.mp_id || "—"),
              mismatchCell(byLayer.get(l.layer_id)),
            ),
          )
        : h("tr", {}, h("td", { colspan: 7 }, "No layers: the bare substrate.")),
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
  let epitaxy = null; // a server without the epitaxy extension still shows the material
  if (material.layers.length) {
    try {
      epitaxy = (await api.epitaxy(id)).data.interfaces;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw err;
    }
  }
  const substrateText = [material.substrate, material.substrate_orientation]
    .filter(Boolean)
    .join(" ");
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
    h(
      "p",
      { id: "delete-text" },
      `“${material.sample_name}” and its ${material.layers.length} layer${material.layers.length === 1 ? "" : "s"} will be deleted. This cannot be undone.`,
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
        download,
        remove,
      ),
    ),
    h(
      "p",
      { class: "subtitle" },
      `On ${substrateText} · updated `,
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
          epitaxy,
        }),
        h("figcaption", {}, describeStack(material.layers, material.substrate)),
      ),
      h("div", { class: "table-wrap" }, layerTable(material.layers, epitaxy)),
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
          h("dt", {}, "Metadata"),
          h(
            "dd",
            {},
            metaKeys.length
              ? h("pre", { class: "metadata" }, JSON.stringify(metadata, null, 2))
              : "none",
          ),
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
