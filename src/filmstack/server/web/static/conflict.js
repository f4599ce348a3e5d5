// "Someone else saved first": what the editor shows when a conditional save answers 412, so that
// nobody's change is overwritten without them knowing.

import { api } from "./api.js";
import { formatTime, h } from "./dom.js";

/** Who made the newest revision, and when, as a phrase ("Bob, 1 Dec 2026, 10:14"); or "". */
async function latestChange(id) {
  try {
    const { data } = await api.history(id, null, 1);
    const entry = Array.isArray(data) ? data[0] : null;
    if (!entry) return "";
    const who = entry.user_name || entry.user_id || "someone";
    return `${who}, ${formatTime(entry.changed_at)}, revision ${entry.revision}`;
  } catch {
    return "";
  }
}

/**
 * Fill `box` (an alert) with the conflict message and a "Reload" button; `saved` says what of
 * this save did go through before the conflict ("" when nothing did).
 */
export async function showConflict(box, { id, saved, onReload }) {
  const who = await latestChange(id);
  const reload = h("button", { type: "button", class: "reload" }, "Reload the latest version");
  const keep = h(
    "a",
    { href: `#/materials/${id}/history`, class: "button secondary" },
    "See what changed",
  );
  reload.addEventListener("click", onReload);
  box.replaceChildren(
    h(
      "p",
      { class: "conflict" },
      h("strong", {}, "Someone else saved this material while you were editing it"),
      who ? ` (${who}). ` : ". ",
      saved
        ? `${saved} The rest of your changes were not saved, so theirs are not overwritten.`
        : "Your changes were not saved, so theirs are not overwritten.",
    ),
    h(
      "p",
      {},
      "Reload to edit the latest version; your unsaved edits stay in the form until you do.",
    ),
    h("div", { class: "actions" }, reload, keep),
  );
  box.hidden = false;
  box.focus();
  return reload;
}
