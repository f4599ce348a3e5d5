"""Draw a layer stack as SVG text: substrate at the bottom, each layer above it in order.

A pure function of the layers, so notebooks, reports and tests can call it directly. The web
page's own drawing (static/draw.js) follows the same rules and the same palette, so a material
has the same colours in the browser and in an exported image.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

WIDTH = 420
MARGIN = 12
NUMBER_GUTTER = 34  # room for the layer positions on the left
MIN_HEIGHT = 30  # a readable label line: thin or unknown layers are never drawn thinner
MAX_HEIGHT = 160  # the thickest known layer
SUBSTRATE_HEIGHT = 54
MAX_LABEL = 46  # characters that fit beside the drawing; longer labels end in an ellipsis
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

# ColorBrewer's Set3 (grey swapped for tan, as grey means "no formula"): twelve light, distinct
# hues, so that dark label text stays readable on every one of them.
PALETTE = (
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
)
UNKNOWN_COLOUR = "#d9d9d9"
SUBSTRATE_STROKE = "#5c5c5c"
TEXT_COLOUR = "#1b1b1b"


# Chosen by search so that the twelve most common thin-film materials (SrTiO3, Si, BaTiO3, LaAlO3,
# SrRuO3, Al2O3, MgO, GaN, Pt, La0.7Sr0.3MnO3, TiO2, ZnO) get twelve different colours, and so do
# layers that are often grown on each other (Pt/Ti, Ti/SiO2, SrRuO3/SrTiO3, GaN/AlN, Au/Cr, ...).
COLOUR_SALT = "301640:"
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def colour_for(formula: str | None) -> str:
    """A palette colour that depends only on the formula text: the same formula, the same colour.

    FNV-1a over the UTF-8 bytes, then MurmurHash3's finaliser so that every bit counts; the page
    (static/draw.js) computes exactly the same.
    """
    key = (formula or "").strip().translate(_SUBSCRIPTS)
    if not key:
        return UNKNOWN_COLOUR
    h = 0x811C9DC5
    for byte in (COLOUR_SALT + key).encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return PALETTE[h % len(PALETTE)]


def format_thickness(nm: float) -> str:
    """12.5 → '12.5 nm'; 0.4 → '0.4 nm'; 1500 → '1.5 µm'; 2e6 → '2 mm'."""
    if nm >= 1e6:
        return f"{nm / 1e6:.4g} mm"
    if nm >= 1000:
        return f"{nm / 1000:.4g} µm"
    return f"{nm:.4g} nm"


@dataclass(frozen=True)
class Band:
    """One drawn rectangle: a layer or the substrate."""

    y: float
    height: float
    colour: str
    label: str
    position: int | None  # None for the substrate
    known_thickness: bool
    repeat: str | None = None  # "×10" on the first layer of a superlattice


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def layer_label(layer: Mapping[str, Any]) -> str:
    """'BaTiO3 (001) · 20 nm': formula, orientation and thickness, whichever are known."""
    parts = [_text(layer.get("composition_string")) or "unnamed layer"]
    orientation = _text(layer.get("orientation"))
    if orientation:
        parts.append(orientation)
    label = " ".join(parts)
    thickness = layer.get("thickness_nm")
    if isinstance(thickness, int | float) and thickness > 0:
        label += " · " + format_thickness(float(thickness))
    return label


def layer_heights(layers: Sequence[Mapping[str, Any]]) -> list[float]:
    """Heights proportional to thickness_nm (the thickest gets MAX_HEIGHT), at least MIN_HEIGHT."""
    thicknesses = [layer.get("thickness_nm") for layer in layers]
    known = [t for t in thicknesses if isinstance(t, int | float) and t > 0]
    scale = MAX_HEIGHT / max(known) if known else 0.0
    heights = []
    for t in thicknesses:
        if isinstance(t, int | float) and t > 0:
            heights.append(max(MIN_HEIGHT, round(float(t) * scale, 2)))
        else:
            heights.append(float(MIN_HEIGHT))
    return heights


def bands(
    layers: Sequence[Mapping[str, Any]], substrate: str, substrate_orientation: str | None = None
) -> list[Band]:
    """The rectangles from top to bottom: the last layer first, the substrate last."""
    ordered = sorted(layers, key=lambda layer: layer.get("layer_id") or 0)
    heights = layer_heights(ordered)
    out: list[Band] = []
    y = float(MARGIN)
    for layer, height in reversed(list(zip(ordered, heights, strict=True))):
        thickness = layer.get("thickness_nm")
        out.append(
            Band(
                y=y,
                height=height,
                colour=colour_for(layer.get("composition_string")),
                label=layer_label(layer),
                position=layer.get("layer_id"),
                known_thickness=isinstance(thickness, int | float) and thickness > 0,
                repeat=_repeat(layer.get("repeat")),
            )
        )
        y += height
    name = _text(substrate) or "substrate"
    label = f"{name} {_text(substrate_orientation)}".strip() + " · substrate"
    out.append(Band(y, SUBSTRATE_HEIGHT, colour_for(substrate), label, None, False))
    return out


def _repeat(value: Any) -> str | None:
    """ "×N" for the first-written layer of a superlattice's first period, else None."""
    if not isinstance(value, Mapping):
        return None
    count = value.get("count")
    if isinstance(count, int) and count > 1 and not value.get("cycle") and not value.get("index"):
        return f"×{count}"
    return None


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;", "'": "&apos;"})


def render_stack(
    layers: Sequence[Mapping[str, Any]],
    substrate: str,
    *,
    title: str | None = None,
    substrate_orientation: str | None = None,
) -> str:
    """The whole drawing as a standalone SVG document (every text escaped)."""
    drawn = bands(layers, substrate, substrate_orientation)
    height = drawn[-1].y + drawn[-1].height + MARGIN
    x = MARGIN + NUMBER_GUTTER
    width = WIDTH - x - MARGIN
    name = _text(title) or f"Layer stack on {_text(substrate) or 'a substrate'}"
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{WIDTH}" height="{height:g}" viewBox="0 0 {WIDTH} {height:g}" '
        f'role="img" aria-label="{_attr(name)}" font-family="{_attr(FONT)}" font-size="14">',
        f"<title>{escape(name)}</title>",
        '<defs><pattern id="substrate-hatch" width="8" height="8" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<line x1="0" y1="0" x2="0" y2="8" stroke="{SUBSTRATE_STROKE}" '
        'stroke-opacity="0.35" stroke-width="2"/></pattern></defs>',
        f'<rect width="{WIDTH}" height="{height:g}" fill="#ffffff"/>',
    ]
    for band in drawn:
        mid = band.y + band.height / 2
        is_substrate = band.position is None
        dash = "" if band.known_thickness or is_substrate else ' stroke-dasharray="4 3"'
        parts.append(
            f'<g class="{"substrate" if is_substrate else "layer"}">'
            f'<rect x="{x}" y="{band.y:g}" width="{width}" height="{band.height:g}" '
            f'fill="{band.colour}" stroke="#3a3a3a" stroke-width="1"{dash}/>'
        )
        if is_substrate:
            parts.append(
                f'<rect x="{x}" y="{band.y:g}" width="{width}" height="{band.height:g}" '
                'fill="url(#substrate-hatch)"/>'
            )
        else:
            parts.append(
                f'<text x="{x - 8}" y="{mid:g}" text-anchor="end" dominant-baseline="central" '
                f'fill="#555555">{escape(str(band.position))}</text>'
            )
        if band.repeat:
            parts.append(
                f'<text class="repeat" x="{x + width - 8}" y="{mid:g}" text-anchor="end" '
                f'dominant-baseline="central" fill="{TEXT_COLOUR}" font-weight="600">'
                f"{escape(band.repeat)}</text>"
            )
        weight = ' font-weight="600"' if is_substrate else ""
        shown = band.label if len(band.label) <= MAX_LABEL else band.label[: MAX_LABEL - 1] + "…"
        parts.append(
            f"<title>{escape(band.label)}</title>"
            f'<text x="{x + 10}" y="{mid:g}" dominant-baseline="central" fill="{TEXT_COLOUR}" '
            f'stroke="{band.colour}" stroke-width="4" paint-order="stroke"{weight}>'
            f"{escape(shown)}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)
