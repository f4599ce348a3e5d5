// The words and marks of the epitaxy report for the page's views (epitaxy.js): an interface's
// headline ("−2.2 % compressive, cube-on-cube"), its warning past the critical thickness and
// its mark on the drawing. filmstack/server/web/marks.py says the same in stack.svg.

import { s } from "./dom.js";
import { formatThickness } from "./draw.js";

export const MINUS = "\u2212";
const MARK_INSET = 56; // right end of an interface mark, left of a superlattice's ×N
const STRAIN_COLOUR = {
  compressive: "#0b5cad",
  tensile: "#a3410b",
  matched: "#1e6b34",
};
const OTHER_COLOUR = "#595959";

export function finite(v) {
  return typeof v === "number" && Number.isFinite(v);
}

export function words(v) {
  return typeof v === "string" ? v.trim() : "";
}

/** −2.228 → "−2.2 %", 0.451 → "+0.45 %": one decimal from 1 % up, two below. */
export function formatPercent(p) {
  if (!finite(p)) return "";
  const shown = Math.abs(p).toFixed(Math.abs(p) >= 1 ? 1 : 2);
  if (Number(shown) === 0) return "0 %";
  return `${p < 0 ? MINUS : "+"}${shown} %`;
}

export function formatDegrees(d) {
  return `${String(Number(d.toFixed(1)))}°`;
}

function indexCount(direction) {
  const inside = /\[([^\]]*)\]/.exec(direction || "");
  return inside ? (inside[1].match(/-?\d/g) || []).length : 0;
}

/** "cube-on-cube", "aligned (0°)" for hexagonal meshes, "45° rotated"; "" when unknown. */
export function rotationText(entry) {
  const rotation = entry.rotation_deg;
  if (!finite(rotation)) return "";
  if (Math.abs(rotation) > 0.05) return `${formatDegrees(rotation)} rotated`;
  const sides = words(entry.in_plane_relationship).split("||");
  const cubic = sides.length === 2 && sides.every((side) => indexCount(side) === 3);
  const cell = entry.supercell || {};
  const oneToOne = (cell.film_multiple ?? 1) === 1 && (cell.below_multiple ?? 1) === 1;
  return cubic && oneToOne ? "cube-on-cube" : "aligned (0°)";
}

export function relationshipText(entry) {
  const rel = words(entry.in_plane_relationship);
  return rel ? rel.replace(/\s*\|\|\s*/, " ∥ ") : "";
}

/** The headline: "−2.2 % compressive, cube-on-cube"; "" when the interface has no number. */
export function mismatchText(entry) {
  if (entry.status !== "ok" || !finite(entry.mismatch_percent)) return "";
  const strain = words(entry.strain);
  const percent = formatPercent(entry.mismatch_percent);
  const head = strain === "matched" ? `matched (${percent})` : `${percent} ${strain}`.trim();
  const rotation = rotationText(entry);
  return rotation ? `${head}, ${rotation}` : head;
}

export function problemText(entry) {
  const reason = words(entry.reason) || "not enough data for this interface";
  return entry.status === "unsupported" ? `Not computed: ${reason}` : `Unknown: ${reason}`;
}

export function pastCritical(entry) {
  return entry.status === "ok" && entry.coherent_expected === false;
}

/** An estimate, so two significant digits: 3.1042 → "3.1 nm". */
export function criticalText(entry) {
  const nm = entry.critical_thickness_nm;
  return finite(nm) && nm > 0 ? formatThickness(Number(nm.toPrecision(2))) : "";
}

export function plannedText(entry) {
  return finite(entry.thickness_nm) ? formatThickness(entry.thickness_nm) : "";
}

export function warningText(entry) {
  const critical = criticalText(entry);
  return `Thicker than its critical thickness${critical ? ` (≈ ${critical})` : ""}`;
}

export function basisText(entry) {
  return (
    words(entry.critical_thickness_basis) ||
    "Matthews–Blakeslee estimate; films often stay strained past it"
  );
}

export function sideText(formula, orientation) {
  return `${words(formula) || "?"} ${words(orientation)}`.trim();
}

export function belowText(entry) {
  const name = sideText(entry.below_formula, entry.below_orientation);
  return entry.below === "substrate" ? `${name} (substrate)` : name;
}

/** A mark on each drawn interface (the bottom edge of its layer): the mismatch, or "?". */
export function markDrawing(svg, interfaces) {
  if (!svg) return;
  for (const old of svg.querySelectorAll(":scope > .interface-mark, :scope > .interface-box"))
    old.remove();
  for (const entry of [...interfaces].sort((a, b) => b.layer_id - a.layer_id)) {
    const rect = svg.querySelector(`g.layer[data-layer-id="${entry.layer_id}"] > rect`);
    if (!rect) continue; // a superlattice's repeats are drawn once
    const y = Number(rect.getAttribute("y")) + Number(rect.getAttribute("height"));
    const right = Number(rect.getAttribute("x")) + Number(rect.getAttribute("width")) - MARK_INSET;
    const headline = mismatchText(entry);
    const warn = pastCritical(entry);
    const label = `${warn ? "⚠ " : ""}${headline ? formatPercent(entry.mismatch_percent) : "?"}`;
    const colour = headline ? STRAIN_COLOUR[entry.strain] || OTHER_COLOUR : OTHER_COLOUR;
    const width = Math.round(label.length * 6.6 + 12);
    const title = `${sideText(entry.film, entry.film_orientation)} on ${belowText(entry)}: ${
      headline || problemText(entry)
    }${warn ? `. ${warningText(entry)}: ${plannedText(entry)} planned` : ""}`;
    // Straight on the root, not in a group (<g> holds the bands alone); the box has the tooltip.
    const kind = `${headline ? words(entry.strain) : "unknown"}${warn ? " past-critical" : ""}`;
    svg.append(
      s(
        "rect",
        {
          class: `interface-box ${kind}`,
          x: right - width,
          y: y - 8,
          width,
          height: 16,
          rx: 8,
          fill: warn ? "#fff4e5" : "#ffffff",
          stroke: warn ? "#b00020" : colour,
          "stroke-width": warn ? 1.5 : 1,
          "stroke-dasharray": headline ? null : "3 2",
        },
        s("title", {}, title),
      ),
      s(
        "text",
        {
          class: `interface-mark ${kind}`,
          "data-layer-id": entry.layer_id,
          x: right - width / 2,
          y,
          "text-anchor": "middle",
          "dominant-baseline": "central",
          "font-size": 11,
          "font-weight": 600,
          fill: warn ? "#b00020" : colour,
          "pointer-events": "none",
        },
        label,
      ),
    );
  }
}
