// Downloads for the lab's other tools: the material as a .eln file (ELN Consortium: SampleDB,
// Kadi4Mat, eLabFTW) and as a NOMAD archive. The key goes in the header, never in a URL.

import { ApiError, getKey } from "./api.js";
import { h } from "./dom.js";
import { showAlert } from "./views.js";

async function fetchFile(path) {
  let response;
  try {
    response = await fetch(path, {
      headers: { "X-API-KEY": getKey() || "" },
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, null);
  }
  if (!response.ok) {
    let detail = null;
    try {
      detail = (await response.json()).detail;
    } catch {
      detail = null;
    }
    throw new ApiError(response.status, detail);
  }
  const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  return { blob: await response.blob(), filename: match ? match[1] : "download" };
}

/** Hand a blob to the browser as a file download. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The buttons that download one material for other tools. */
export function downloadButtons(material, alert) {
  const base = `/target-materials/${material.sample_id}/export`;
  const make = (label, format, what) => {
    const button = h("button", { type: "button", class: "secondary", title: what }, label);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const { blob, filename } = await fetchFile(`${base}?format=${format}`);
        saveBlob(blob, filename);
      } catch (err) {
        showAlert(alert, `Could not download the ${label.replace("Download ", "")}: ${err.message}`);
      } finally {
        button.disabled = false;
      }
    });
    return button;
  };
  return [
    make(
      "Download .eln",
      "eln",
      "An ELN Consortium file with the physical samples, for SampleDB, Kadi4Mat, eLabFTW",
    ),
    make("Download NOMAD archive", "nomad", "A NOMAD .archive.json (ThinFilmStack) for an Oasis"),
  ];
}
