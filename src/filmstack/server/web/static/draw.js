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
const REPEAT_INSET = 10;

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
  const thickness = layerThickness(layer);
  if (thickness) label += ` · ${thickness}`;
  return label;
}

/** "20 nm", "5 u.c. (1.895 nm)", "5 u.c.", or "" when unknown. */
export function layerThickness(layer) {
  const cells = layer.thickness_unit_cells;
  const nm = known(layer.thickness_nm) ? formatThickness(layer.thickness_nm) : "";
  if (!known(cells)) return nm;
  return nm ? `${fmt(cells)} u.c. (${nm})` : `${fmt(cells)} u.c.`;
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

function repeatOf(layer) {
  const r = layer && layer.repeat;
  if (!r || typeof r !== "object") return null;
  const ok = [r.group, r.count, r.period].every((n) => Number.isInteger(n) && n >= 1);
  return ok && r.count >= 2 ? r : null;
}

function sameLayer(a, b) {
  return ["composition_string", "orientation", "thickness_nm", "thickness_unit_cells"].every(
    (k) => (a[k] ?? null) === (b[k] ?? null),
  );
}

/**
 * The layers bottom up with each whole superlattice ([A / B] x10) kept as its first period:
 * [{layer, repeat}], repeat = {count, period, first, last} (positions) or null. A group that is
 * no longer whole (a layer edited or removed) is drawn layer by layer. svg.py does the same.
 */
export function collapseRepeats(layers) {
  const stack = ordered(layers);
  const out = [];
  let i = 0;
  while (i < stack.length) {
    const r = repeatOf(stack[i]);
    const size = r ? r.count * r.period : 1;
    const run = stack.slice(i, i + size);
    const whole =
      r &&
      run.length === size &&
      run.every((l, k) => {
        const lr = repeatOf(l);
        return (
          lr &&
          lr.group === r.group &&
          lr.count === r.count &&
          lr.period === r.period &&
          sameLayer(l, run[k % r.period])
        );
      });
    if (whole) {
      const repeat = {
        count: r.count,
        period: r.period,
        first: run[0].layer_id,
        last: run[size - 1].layer_id,
      };
      for (const layer of run.slice(0, r.period)) out.push({ layer, repeat });
      i += size;
    } else {
      out.push({ layer: stack[i], repeat: null });
      i += 1;
    }
  }
  return out;
}

/** The layers top first: "BaTiO3 / SrTiO3", a superlattice as "[LaAlO3 / SrTiO3] ×10". */
export function layersText(layers) {
  const parts = [];
  const items = collapseRepeats(layers).reverse();
  for (let i = 0; i < items.length; i += 1) {
    const { layer, repeat } = items[i];
    if (!repeat) {
      parts.push(text(layer.composition_string) || "unnamed layer");
      continue;
    }
    const period = items.slice(i, i + repeat.period).map((it) => it.layer);
    const names = period.map((l) => text(l.composition_string) || "unnamed layer");
    parts.push(`[${names.join(" / ")}] ×${repeat.count}`);
    i += repeat.period - 1;
  }
  return parts.join(" / ");
}

/** A short spoken description: "BaTiO3 / SrTiO3 on Si". */
export function describeStack(layers, substrate) {
  const sub = text(substrate) || "a substrate";
  return layers.length ? `${layersText(layers)} on ${sub}` : `${sub} with no layers`;
}

let patternCount = 0;

/**
 * The full drawing with labels: substrate at the bottom, position 1 on it, the others above.
 * Layers are {layer_id, composition_string, orientation, thickness_nm}.
 */
export function drawStack(layers, substrate, { title, substrateOrientation } = {}) {
  const items = collapseRepeats(layers);
  const stack = items.map((it) => it.layer);
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
      repeat: items[i].repeat,
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
      { class: isSubstrate ? "substrate" : "layer", "data-layer-id": band.position },
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
      s("title", {}, band.label),
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
  for (const mark of repeatMarks(bands, x + width).flat()) svg.append(mark);
  return svg;
}

/** Superlattice brackets: one per whole group, at the right edge, with its ×N. */
function repeatMarks(bands, right) {
  const groups = new Map();
  for (const band of bands) {
    if (!band.repeat) continue;
    const g = groups.get(band.repeat.first) || { repeat: band.repeat, top: band.y, bottom: 0 };
    g.top = Math.min(g.top, band.y);
    g.bottom = Math.max(g.bottom, band.y + band.height);
    groups.set(band.repeat.first, g);
  }
  const lineX = right - REPEAT_INSET;
  return [...groups.values()].map(({ repeat, top, bottom }) => {
    const t = top + 4;
    const b = bottom - 4;
    const mid = (top + bottom) / 2;
    const label = `×${repeat.count}`;
    const path = `M${lineX - 5} ${t}H${lineX}V${b}H${lineX - 5}`;
    // Straight on the root, not in a group: `g` holds the bands alone. The tooltip is the path's.
    return [
      s(
        "path",
        { class: "repeat-bracket", d: path, fill: "none", stroke: TEXT_COLOUR, "stroke-width": 1.5 },
        s("title", {}, repeatTitle(repeat)),
      ),
      s(
        "text",
        {
          class: "repeat-mark",
          x: lineX - 6,
          y: mid,
          "text-anchor": "end",
          "dominant-baseline": "central",
          fill: TEXT_COLOUR,
          stroke: "#ffffff",
          "stroke-width": 4,
          "paint-order": "stroke",
          "font-weight": 700,
        },
        label,
      ),
    ];
  });
}

export function repeatTitle(repeat) {
  const layers = repeat.count * repeat.period;
  return `Layers ${repeat.first}–${repeat.last}: ${repeat.period === 1 ? "this layer" : `these ${repeat.period} layers`} repeated ${repeat.count} times (${layers} layers)`;
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
