"""Draw a layer stack as SVG text: substrate at the bottom, each layer above it in order.

A pure function of the layers, so notebooks, reports and tests can call it directly. The web
page's own drawing (static/draw.js) follows the same rules and the same palette, so a material
has the same colours in the browser and in an exported image.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from filmstack.server.web.marks import interface_marks

WIDTH = 420
MARGIN = 12
NUMBER_GUTTER = 34  # room for the layer positions on the left
MIN_HEIGHT = 30  # a readable label line: thin or unknown layers are never drawn thinner
MAX_HEIGHT = 160  # the thickest known layer
SUBSTRATE_HEIGHT = 54
MAX_LABEL = 46  # characters that fit beside the drawing; longer labels end in an ellipsis
REPEAT_INSET = 10  # a superlattice's bracket sits this far inside the right edge
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
    repeat: "Repeat | None" = None  # the whole superlattice this band stands for


@dataclass(frozen=True)
class Repeat:
    """A superlattice drawn as its first period: ×count over layers first…last."""

    count: int
    period: int
    first: int
    last: int

    @property
    def title(self) -> str:
        these = "this layer" if self.period == 1 else f"these {self.period} layers"
        total = self.count * self.period
        return (
            f"Layers {self.first}–{self.last}: {these} repeated {self.count} times ({total} layers)"
        )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def layer_label(layer: Mapping[str, Any]) -> str:
    """'BaTiO3 (001) · 20 nm': formula, orientation and thickness, whichever are known."""
    parts = [_text(layer.get("composition_string")) or "unnamed layer"]
    orientation = _text(layer.get("orientation"))
    if orientation:
        parts.append(orientation)
    label = " ".join(parts)
    thickness = layer_thickness(layer)
    if thickness:
        label += " · " + thickness
    return label


def _positive(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


def layer_thickness(layer: Mapping[str, Any]) -> str:
    """'20 nm', '5 u.c. (1.895 nm)', '5 u.c.', or '' when unknown."""
    nm = _positive(layer.get("thickness_nm"))
    shown = "" if nm is None else format_thickness(nm)
    cells = _positive(layer.get("thickness_unit_cells"))
    if cells is None:
        return shown
    count = f"{cells:.4g} u.c."
    return f"{count} ({shown})" if shown else count


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


def _repeat_of(layer: Mapping[str, Any]) -> Mapping[str, Any] | None:
    r = layer.get("repeat")
    if not isinstance(r, Mapping):
        return None
    numbers = [r.get(key) for key in ("group", "count", "period")]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in numbers):
        return None
    return r if r["count"] >= 2 else None


_SAME = ("composition_string", "orientation", "thickness_nm", "thickness_unit_cells")


def _whole_group(run: Sequence[Mapping[str, Any]], r: Mapping[str, Any]) -> bool:
    if len(run) != r["count"] * r["period"]:
        return False
    for k, layer in enumerate(run):
        lr = _repeat_of(layer)
        if lr is None or any(lr[key] != r[key] for key in ("group", "count", "period")):
            return False
        model = run[k % r["period"]]
        if any(layer.get(key) != model.get(key) for key in _SAME):
            return False
    return True


def collapse_repeats(
    layers: Sequence[Mapping[str, Any]],
) -> list[tuple[Mapping[str, Any], Repeat | None]]:
    """The layers bottom up, each whole superlattice ([A / B] x10) kept as its first period.

    A group that is no longer whole (a layer edited or removed) is drawn layer by layer; the
    page's collapseRepeats (static/draw.js) does the same.
    """
    stack = sorted(layers, key=lambda layer: layer.get("layer_id") or 0)
    out: list[tuple[Mapping[str, Any], Repeat | None]] = []
    i = 0
    while i < len(stack):
        r = _repeat_of(stack[i])
        if r is not None:
            size = r["count"] * r["period"]
            run = stack[i : i + size]
            if _whole_group(run, r):
                repeat = Repeat(r["count"], r["period"], run[0]["layer_id"], run[-1]["layer_id"])
                out.extend((layer, repeat) for layer in run[: r["period"]])
                i += size
                continue
        out.append((stack[i], None))
        i += 1
    return out


def bands(
    layers: Sequence[Mapping[str, Any]], substrate: str, substrate_orientation: str | None = None
) -> list[Band]:
    """The rectangles from top to bottom: the last layer first, the substrate last."""
    items = collapse_repeats(layers)
    ordered = [layer for layer, _ in items]
    heights = layer_heights(ordered)
    out: list[Band] = []
    y = float(MARGIN)
    for (layer, repeat), height in reversed(list(zip(items, heights, strict=True))):
        thickness = layer.get("thickness_nm")
        out.append(
            Band(
                y=y,
                height=height,
                colour=colour_for(layer.get("composition_string")),
                label=layer_label(layer),
                position=layer.get("layer_id"),
                known_thickness=isinstance(thickness, int | float) and thickness > 0,
                repeat=repeat,
            )
        )
        y += height
    name = _text(substrate) or "substrate"
    label = f"{name} {_text(substrate_orientation)}".strip() + " · substrate"
    out.append(Band(y, SUBSTRATE_HEIGHT, colour_for(substrate), label, None, False))
    return out


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;", "'": "&apos;"})


def render_stack(
    layers: Sequence[Mapping[str, Any]],
    substrate: str,
    *,
    title: str | None = None,
    substrate_orientation: str | None = None,
    interfaces: Sequence[Mapping[str, Any]] | None = None,
) -> str:
    """The whole drawing as a standalone SVG document (every text escaped).

    With ``interfaces`` (the epitaxy report of these layers) each interface gets its mark.
    """
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
        weight = ' font-weight="600"' if is_substrate else ""
        shown = band.label if len(band.label) <= MAX_LABEL else band.label[: MAX_LABEL - 1] + "…"
        parts.append(
            f"<title>{escape(band.label)}</title>"
            f'<text x="{x + 10}" y="{mid:g}" dominant-baseline="central" fill="{TEXT_COLOUR}" '
            f'stroke="{band.colour}" stroke-width="4" paint-order="stroke"{weight}>'
            f"{escape(shown)}</text></g>"
        )
    parts.extend(_repeat_marks(drawn, x + width))
    if interfaces:
        edges = {b.position: b.y + b.height for b in drawn if b.position is not None}
        parts.extend(interface_marks(edges, interfaces, x + width))
    parts.append("</svg>")
    return "".join(parts)


def _repeat_marks(drawn: Sequence[Band], right: float) -> list[str]:
    """A bracket with ×N at the right edge of each superlattice (as static/draw.js draws it)."""
    spans: dict[Repeat, tuple[float, float]] = {}
    for band in drawn:
        if band.repeat is None:
            continue
        top, bottom = spans.get(band.repeat, (band.y, band.y + band.height))
        spans[band.repeat] = (min(top, band.y), max(bottom, band.y + band.height))
    line_x = right - REPEAT_INSET
    out = []
    for repeat, (top, bottom) in spans.items():
        t, b, mid = top + 4, bottom - 4, (top + bottom) / 2
        # Straight on the root, not in a group: <g> holds the bands alone.
        out.append(
            f'<path class="repeat-bracket" d="M{line_x - 5:g} {t:g}H{line_x:g}V{b:g}'
            f'H{line_x - 5:g}" fill="none" stroke="{TEXT_COLOUR}" stroke-width="1.5">'
            f"<title>{escape(repeat.title)}</title></path>"
            f'<text class="repeat-mark" x="{line_x - 6:g}" y="{mid:g}" text-anchor="end" '
            f'dominant-baseline="central" fill="{TEXT_COLOUR}" stroke="#ffffff" stroke-width="4" '
            f'paint-order="stroke" font-weight="700">×{repeat.count}</text>'
        )
    return out
