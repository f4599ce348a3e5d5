// Pieces that several views share: headings, alerts, the name/substrate/note fields, the
// not-found page and the live preview of a stack.

import { field, h, richText, setError } from "./dom.js";
import { drawStack } from "./draw.js";

/** Say something in the polite live region (after a navigation, for instance). */
export function announce(message) {
  const status = document.getElementById("status");
  status.textContent = "";
  // A fresh text node after a tick, so the same message is announced twice in a row too.
  setTimeout(() => {
    status.textContent = message;
  }, 50);
}

export function heading(text) {
  return h("h1", { tabindex: "-1" }, text);
}

export function alertBox() {
  return h("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true });
}

export function showAlert(box, message, items = []) {
  box.replaceChildren(
    message ? h("p", {}, richText(message)) : null,
    items.length
      ? h(
          "ul",
          {},
          items.map((i) => h("li", {}, richText(i))),
        )
      : null,
  );
  box.hidden = !message && !items.length;
}

export function problemText(p) {
  const loc = (p.loc || []).filter((part) => part !== "body");
  return loc.length ? `${loc.join(" › ")}: ${p.msg}` : p.msg;
}

export function input(attrs) {
  return h("input", { type: "text", autocomplete: "off", spellcheck: "false", ...attrs });
}

export function sampleFields(values = {}) {
  return {
    name: field({
      label: "Name",
      control: input({
        name: "sample_name",
        value: values.sample_name || "",
        required: true,
        maxlength: 255,
      }),
    }),
    substrate: field({
      label: "Substrate",
      hint: "A formula, e.g. SrTiO3 or Si",
      control: input({
        name: "substrate",
        value: values.substrate || "",
        required: true,
        maxlength: 255,
      }),
    }),
    note: field({
      label: "Note",
      hint: "Optional: growth conditions, references, anything.",
      control: h("textarea", { name: "note", rows: 3 }, values.detail_note_content || ""),
    }),
  };
}

/** Put problems whose loc names a sample field under that field; return the rest. */
export function placeSampleProblems(problems, fields, prefix) {
  const rest = [];
  const names = {
    sample_name: fields.name,
    substrate: fields.substrate,
    detail_note_content: fields.note,
  };
  for (const p of problems) {
    const loc = p.loc || [];
    const target = prefix.every((part, i) => loc[i] === part)
      ? names[loc[prefix.length]]
      : undefined;
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

export function previewFigure() {
  const figure = h("figure", { class: "drawing preview" });
  const set = (layers, substrate, caption, substrateOrientation, epitaxy) => {
    figure.classList.remove("stale");
    figure.replaceChildren(
      drawStack(layers, substrate, { title: "Preview", substrateOrientation, epitaxy }),
      h("figcaption", {}, caption),
    );
  };
  /** Keep the last drawing, greyed, while the text cannot be read. */
  const stale = () => {
    if (!figure.firstChild || figure.classList.contains("stale")) return;
    figure.classList.add("stale");
    figure.lastChild.textContent = `Last stack that could be read: ${figure.lastChild.textContent.replace(/^Preview: /, "")}`;
  };
  return { el: figure, set, stale };
}

export function notFound(main, err) {
  main.replaceChildren(
    heading(err.status === 404 ? "Not found" : "Something went wrong"),
    h(
      "p",
      {},
      err.status === 404 ? "There is no such target material in your organization." : err.message,
    ),
    h("p", {}, h("a", { href: "#/materials" }, "Back to the list")),
  );
  return {};
}
