// The stack drawing, built as SVG nodes in the page. It follows the rules and palette of
// filmstack/server/web/svg.py (the /stack.svg image), so a material looks the same in both.

import { s } from "./dom.js";

const WIDTH = 420;
const MARGIN = 12;
const NUMBER_GUTTER = 34;
const MIN_HEIGHT = 30;
const MAX_HEIGHT = 160;
const SUBSTRATE_HEIGHT = 54;
const MAX_LABEL = 46;

export const PALETTE = [
  "#8dd3c7",
  "#ffffb3",
  "#bebada",
  "#fb8072",
  "#80b1d3",
  "#fdb462",
  "#b3de69",
  "#fccde5",
  "#e5c494",
  "#bc80bd",
  "#ccebc5",
  "#ffed6f",
];
const UNKNOWN_COLOUR = "#d9d9d9";
const SUBSTRATE_STROKE = "#5c5c5c";
const TEXT_COLOUR = "#1b1b1b";

const COLOUR_SALT = "301640:"; // see svg.py: common materials and neighbours differ
const encoder = new TextEncoder();

/** A palette colour that depends only on the formula text: FNV-1a, then Murmur3's finaliser. */
export function colourFor(formula) {
  const key = (formula || "").trim().replace(/[₀-₉]/g, (c) => String(c.charCodeAt(0) - 0x2080));
  if (!key) return UNKNOWN_COLOUR;
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(COLOUR_SALT + key)) {
    h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return PALETTE[(h >>> 0) % PALETTE.length];
}

function fmt(value) {
  return String(Number(value.toPrecision(4)));
}

export function formatThickness(nm) {
  if (nm >= 1e6) return `${fmt(nm / 1e6)} mm`;
  if (nm >= 1000) return `${fmt(nm / 1000)} µm`;
  return `${fmt(nm)} nm`;
}

function text(value) {
  return value === null || value === undefined ? "" : String(value).trim();
}

function known(t) {
  return typeof t === "number" && Number.isFinite(t) && t > 0;
}

export function layerLabel(layer) {
  const parts = [text(layer.composition_string) || "unnamed layer"];
  const orientation = text(layer.orientation);
  if (orientation) parts.push(orientation);
  let label = parts.join(" ");
  if (known(layer.thickness_nm)) label += ` · ${formatThickness(layer.thickness_nm)}`;
  return label;
}

/** Heights proportional to thickness_nm (the thickest gets `max`), never below `min`. */
export function layerHeights(layers, min = MIN_HEIGHT, max = MAX_HEIGHT) {
  const thick = layers.map((l) => l.thickness_nm).filter(known);
  const scale = thick.length ? max / Math.max(...thick) : 0;
  return layers.map((l) =>
    known(l.thickness_nm) ? Math.max(min, Math.round(l.thickness_nm * scale * 100) / 100) : min,
  );
}

function ordered(layers) {
  return [...layers].sort((a, b) => (a.layer_id || 0) - (b.layer_id || 0));
}

/** The layers top first: "BaTiO3 / SrTiO3". */
export function layersText(layers) {
  return ordered(layers)
    .reverse()
    .map((l) => text(l.composition_string) || "unnamed layer")
    .join(" / ");
}

/** A short spoken description: "BaTiO3 / SrTiO3 on Si". */
export function describeStack(layers, substrate) {
  const sub = text(substrate) || "a substrate";
  return layers.length ? `${layersText(layers)} on ${sub}` : `${sub} with no layers`;
}

let patternCount = 0;

/**
 * The full drawing with labels: substrate at the bottom, position 1 on it, the others above.
 * Layers are {layer_id, composition_string, orientation, thickness_nm, repeat}; `epitaxy`,
 * the interfaces of GET /target-materials/{id}/epitaxy, adds each layer's mismatch (⚠ past its
 * critical thickness) and a superlattice shows its ×N on its first layer.
 */
/** "−2.23 %": the headline mismatch of an interface, with a true minus sign. */
export function formatMismatch(percent) {
  const shown = Math.abs(percent).toFixed(2);
  return `${percent < 0 ? "−" : percent > 0 ? "+" : "±"}${shown} %`;
}

/** What the drawing and the layer table say about a layer's interface, or null. */
export function mismatchNote(entry) {
  if (!entry || entry.status !== "ok") return null;
  const past = entry.coherent_expected === false;
  const critical =
    entry.critical_thickness_nm === null ? "none" : `${fmt(entry.critical_thickness_nm)} nm`;
  return {
    text: `${past ? "⚠ " : ""}${formatMismatch(entry.mismatch_percent)}`,
    strain: entry.strain,
    past,
    title:
      `${formatMismatch(entry.mismatch_percent)} ${entry.strain} on ${entry.below_formula}` +
      ` (${entry.in_plane_relationship || "usual relationship"}, ${entry.rotation_deg}°);` +
      ` critical thickness ${critical} (Matthews–Blakeslee estimate)` +
      (past ? ": this layer is thicker than that" : ""),
  };
}

export function drawStack(layers, substrate, { title, substrateOrientation, epitaxy } = {}) {
  const stack = ordered(layers);
  const byLayer = new Map((epitaxy || []).map((entry) => [entry.layer_id, entry]));
  const heights = layerHeights(stack);
  const x = MARGIN + NUMBER_GUTTER;
  const width = WIDTH - x - MARGIN;
  const bands = [];
  let y = MARGIN;
  for (let i = stack.length - 1; i >= 0; i -= 1) {
    const layer = stack[i];
    bands.push({
      y,
      height: heights[i],
      colour: colourFor(layer.composition_string),
      label: layerLabel(layer),
      position: layer.layer_id,
      known: known(layer.thickness_nm),
      mismatch: mismatchNote(byLayer.get(layer.layer_id)),
      repeat:
        layer.repeat && layer.repeat.count > 1 && !layer.repeat.cycle && !layer.repeat.index
          ? `×${layer.repeat.count}`
          : null,
    });
    y += heights[i];
  }
  const subName = text(substrate) || "substrate";
  const subLabel = `${`${subName} ${text(substrateOrientation)}`.trim()} · substrate`;
  bands.push({
    y,
    height: SUBSTRATE_HEIGHT,
    colour: colourFor(substrate),
    label: subLabel,
    position: null,
  });
  const height = y + SUBSTRATE_HEIGHT + MARGIN;
  const name = text(title) || `Layer stack on ${text(substrate) || "a substrate"}`;
  patternCount += 1;
  const hatch = `substrate-hatch-${patternCount}`;

  const svg = s(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      viewBox: `0 0 ${WIDTH} ${height}`,
      width: WIDTH,
      height,
      role: "img",
      "aria-label": `${name}: ${describeStack(layers, substrate)}`,
      class: "stack-drawing",
      "font-size": 14,
    },
    s("title", {}, name),
    s(
      "defs",
      {},
      s(
        "pattern",
        {
          id: hatch,
          width: 8,
          height: 8,
          patternUnits: "userSpaceOnUse",
          patternTransform: "rotate(45)",
        },
        s("line", {
          x1: 0,
          y1: 0,
          x2: 0,
          y2: 8,
          stroke: SUBSTRATE_STROKE,
          "stroke-opacity": 0.35,
          "stroke-width": 2,
        }),
      ),
    ),
    s("rect", { width: WIDTH, height, fill: "#ffffff" }),
  );
  for (const band of bands) {
    const mid = band.y + band.height / 2;
    const isSubstrate = band.position === null;
    const shown =
      band.label.length <= MAX_LABEL ? band.label : `${band.label.slice(0, MAX_LABEL - 1)}…`;
    const g = s(
      "g",
      { class: isSubstrate ? "substrate" : "layer" },
      s("rect", {
        x,
        y: band.y,
        width,
        height: band.height,
        fill: band.colour,
        stroke: "#3a3a3a",
        "stroke-width": 1,
        "stroke-dasharray": band.known || isSubstrate ? null : "4 3",
      }),
      isSubstrate
        ? s("rect", { x, y: band.y, width, height: band.height, fill: `url(#${hatch})` })
        : null,
      isSubstrate
        ? null
        : s(
            "text",
            {
              x: x - 8,
              y: mid,
              "text-anchor": "end",
              "dominant-baseline": "central",
              fill: "#555555",
            },
            String(band.position),
          ),
      s("title", {}, band.mismatch ? `${band.label}: ${band.mismatch.title}` : band.label),
      band.repeat
        ? s(
            "text",
            {
              class: "repeat",
              x: x + width - 8,
              y: mid,
              "text-anchor": "end",
              "dominant-baseline": "central",
              fill: TEXT_COLOUR,
              "font-weight": 600,
            },
            band.repeat,
          )
        : null,
      band.mismatch
        ? s(
            "text",
            {
              class: band.mismatch.past ? "mismatch past-critical" : "mismatch",
              x: x + width - (band.repeat ? 48 : 8),
              y: mid,
              "text-anchor": "end",
              "dominant-baseline": "central",
              fill: band.mismatch.past ? "#8b0000" : "#333333",
              stroke: band.colour,
              "stroke-width": 4,
              "paint-order": "stroke",
            },
            band.mismatch.text,
          )
        : null,
      s(
        "text",
        {
          x: x + 10,
          y: mid,
          "dominant-baseline": "central",
          fill: TEXT_COLOUR,
          stroke: band.colour,
          "stroke-width": 4,
          "paint-order": "stroke",
          "font-weight": isSubstrate ? 600 : null,
        },
        shown,
      ),
    );
    svg.append(g);
  }
  return svg;
}

/** A small drawing without labels, for the list: same colours and proportions, fixed size. */
export function drawThumbnail(layers, substrate) {
  const width = 96;
  const stack = ordered(layers);
  const heights = layerHeights(stack, 4, 36);
  const subHeight = 12;
  const total = heights.reduce((a, b) => a + b, 0) + subHeight;
  const svg = s("svg", {
    xmlns: "http://www.w3.org/2000/svg",
    viewBox: `0 0 ${width} ${total}`,
    width,
    height: 56,
    preserveAspectRatio: "none",
    role: "img",
    "aria-label": `Stack: ${describeStack(layers, substrate)}`,
    class: "stack-thumbnail",
  });
  let y = 0;
  for (let i = stack.length - 1; i >= 0; i -= 1) {
    svg.append(
      s("rect", {
        x: 0,
        y,
        width,
        height: heights[i],
        fill: colourFor(stack[i].composition_string),
        stroke: "#3a3a3a",
        "stroke-width": 0.5,
        "vector-effect": "non-scaling-stroke",
      }),
    );
    y += heights[i];
  }
  svg.append(
    s("rect", {
      x: 0,
      y,
      width,
      height: subHeight,
      fill: colourFor(substrate),
      stroke: "#3a3a3a",
      "stroke-width": 0.5,
      "vector-effect": "non-scaling-stroke",
    }),
  );
  svg.append(
    s("rect", { x: 0, y, width, height: subHeight, fill: "#5c5c5c", "fill-opacity": 0.25 }),
  );
  return svg;
}
