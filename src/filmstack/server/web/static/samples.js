// The physical samples (growth runs) that point at a material, with link and unlink.

import { request } from "./api.js";
import { h, timeEl } from "./dom.js";
import { alertBox, announce, showAlert } from "./views.js";

const link = (id, target) =>
  request("PATCH", `/physical_samples/${id}/target_material`, {
    body: { target_material_id: target },
  });

function sampleRow(sample, onUnlink) {
  const unlink = h("button", { type: "button", class: "secondary" }, "Unlink");
  unlink.setAttribute("aria-label", `Unlink ${sample.name}`);
  unlink.addEventListener("click", () => onUnlink(sample, unlink));
  const note = sample.detail_notes ? sample.detail_notes.content : "";
  const metadata = Object.keys(sample.physical_sample_metadata || {}).length
    ? JSON.stringify(sample.physical_sample_metadata)
    : "—";
  return h(
    "tr",
    { dataset: { sampleId: sample.id } },
    h("th", { scope: "row", "data-label": "Name" }, sample.name),
    h("td", { "data-label": "Grown" }, timeEl(sample.created_datetime)),
    h("td", { "data-label": "Owner" }, sample.owner_name),
    h("td", { "data-label": "Metadata" }, h("code", {}, metadata)),
    h("td", { "data-label": "Note" }, note || "—"),
    h("td", {}, unlink),
  );
}

function choiceLabel(sample) {
  const where = sample.target_material
    ? ` (now on “${sample.target_material.sample_name}”)`
    : " (not linked)";
  return `${sample.name}${where}`;
}

/** The section; it fills itself in once the samples have loaded. */
export function samplesSection(material) {
  const alert = alertBox();
  const body = h("div", { class: "samples-body" }, h("p", { class: "empty" }, "Loading…"));
  const section = h(
    "section",
    { class: "samples", "aria-labelledby": "samples-h" },
    h("h2", { id: "samples-h" }, "Physical samples"),
    h("p", { class: "hint" }, "Growth runs that realise this target material."),
    alert,
    body,
  );

  async function load(message) {
    let linked;
    let all;
    try {
      [linked, all] = await Promise.all([
        request("GET", "/physical_samples/", { query: { sample_id: material.sample_id } }),
        request("GET", "/physical_samples/"),
      ]);
    } catch (err) {
      showAlert(alert, `Could not load the physical samples: ${err.message}`);
      return;
    }
    const here = linked.data;
    const others = all.data.filter((s) => s.sample_id !== material.sample_id);
    const select = h(
      "select",
      { id: "link-sample", name: "physical_sample", disabled: !others.length },
      others.length
        ? [
            h("option", { value: "" }, "Choose a physical sample…"),
            others.map((s) => h("option", { value: s.id }, choiceLabel(s))),
          ]
        : h("option", { value: "" }, "No other physical sample in your organization"),
    );
    const linkButton = h("button", { type: "submit", disabled: !others.length }, "Link");
    const form = h(
      "form",
      { class: "link-sample" },
      h("label", { for: "link-sample" }, "Link a physical sample"),
      h("div", { class: "inline" }, select, linkButton),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!select.value) {
        showAlert(alert, "Choose the physical sample to link first.");
        select.focus();
        return;
      }
      linkButton.disabled = true;
      const chosen = others.find((s) => s.id === select.value);
      try {
        await link(select.value, material.sample_id);
        await load(`Linked “${chosen.name}”.`);
      } catch (err) {
        linkButton.disabled = false;
        showAlert(alert, `Could not link: ${err.message}`);
      }
    });

    const onUnlink = async (sample, button) => {
      button.disabled = true;
      try {
        await link(sample.id, null);
        await load(`Unlinked “${sample.name}”.`);
      } catch (err) {
        button.disabled = false;
        showAlert(alert, `Could not unlink: ${err.message}`);
      }
    };

    body.replaceChildren(
      here.length
        ? h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { class: "samples-table" },
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  ["Name", "Grown", "Owner", "Metadata", "Note", ""].map((t) =>
                    h("th", { scope: "col" }, t),
                  ),
                ),
              ),
              h(
                "tbody",
                {},
                here.map((s) => sampleRow(s, onUnlink)),
              ),
            ),
          )
        : h("p", { class: "empty" }, "No physical sample points at this material yet."),
      form,
    );
    if (message) {
      showAlert(alert, "");
      announce(message);
    }
  }

  load();
  return section;
}
