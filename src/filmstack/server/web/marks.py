"""Interface marks for the stack drawing: each layer's lattice mismatch on its lower edge.

The words and numbers of the page's static/marks.js (mismatchText, markDrawing), so that an
exported stack.svg carries the same marks as the page: "−2.2 %", "⚠ −2.2 %" past the critical
thickness, "?" where the report has no number. Input: the interfaces of the epitaxy report.
"""

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.sax.saxutils import escape

MARK_INSET = 56  # right end of a mark, left of a superlattice's ×N
STRAIN_COLOUR = {"compressive": "#0b5cad", "tensile": "#a3410b", "matched": "#1e6b34"}
OTHER_COLOUR = "#595959"
WARN_COLOUR = "#b00020"
MINUS = "\u2212"


def _finite(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if number == number and abs(number) != float("inf"):
            return number
    return None


def _words(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _g(value: float, digits: int) -> str:
    """JavaScript's String(Number(v.toPrecision(digits))) for the numbers drawn here."""
    text = f"{value:.{digits}g}"
    return f"{float(text):g}" if "e" in text else text


def format_thickness(nm: float) -> str:
    if nm >= 1e6:
        return f"{_g(nm / 1e6, 4)} mm"
    if nm >= 1000:
        return f"{_g(nm / 1000, 4)} µm"
    return f"{_g(nm, 4)} nm"


def format_percent(percent: float) -> str:
    """−2.228 → '−2.2 %', 0.451 → '+0.45 %': one decimal from 1 % up, two below."""
    places = Decimal("0.1") if abs(percent) >= 1 else Decimal("0.01")
    if abs(percent) >= 1e15:  # no mismatch is this large; keep Decimal within its precision
        return f"{MINUS if percent < 0 else '+'}{abs(percent):.1f} %"
    shown = Decimal(abs(percent)).quantize(places, rounding=ROUND_HALF_UP)
    if shown == 0:
        return "0 %"
    return f"{MINUS if percent < 0 else '+'}{shown} %"


def _index_count(side: str) -> int:
    start, end = side.find("["), side.find("]")
    if start < 0 or end < start:
        return 0
    return sum(ch.isdigit() for ch in side[start + 1 : end])


def rotation_text(entry: Mapping[str, Any]) -> str:
    rotation = _finite(entry.get("rotation_deg"))
    if rotation is None:
        return ""
    if abs(rotation) > 0.05:
        return f"{round(rotation, 1):g}° rotated"
    sides = _words(entry.get("in_plane_relationship")).split("||")
    cubic = len(sides) == 2 and all(_index_count(side) == 3 for side in sides)
    supercell = entry.get("supercell")
    cell: Mapping[str, Any] = supercell if isinstance(supercell, Mapping) else {}
    multiples = [cell.get(key) for key in ("film_multiple", "below_multiple")]
    one_to_one = all(m is None or m == 1 for m in multiples)
    return "cube-on-cube" if cubic and one_to_one else "aligned (0°)"


def mismatch_text(entry: Mapping[str, Any]) -> str:
    """'−2.2 % compressive, cube-on-cube'; '' when the interface has no number."""
    percent = _finite(entry.get("mismatch_percent"))
    if entry.get("status") != "ok" or percent is None:
        return ""
    strain = _words(entry.get("strain"))
    shown = format_percent(percent)
    head = f"matched ({shown})" if strain == "matched" else f"{shown} {strain}".strip()
    rotation = rotation_text(entry)
    return f"{head}, {rotation}" if rotation else head


def _problem_text(entry: Mapping[str, Any]) -> str:
    reason = _words(entry.get("reason")) or "not enough data for this interface"
    word = "Not computed" if entry.get("status") == "unsupported" else "Unknown"
    return f"{word}: {reason}"


def _past_critical(entry: Mapping[str, Any]) -> bool:
    return entry.get("status") == "ok" and entry.get("coherent_expected") is False


def _warning(entry: Mapping[str, Any]) -> str:
    nm = _finite(entry.get("critical_thickness_nm"))
    critical = format_thickness(float(f"{nm:.2g}")) if nm is not None and nm > 0 else ""
    planned_nm = _finite(entry.get("thickness_nm"))
    planned = format_thickness(planned_nm) if planned_nm is not None else ""
    over = f" (≈ {critical})" if critical else ""
    return f"Thicker than its critical thickness{over}: {planned} planned"


def _side(formula: object, orientation: object) -> str:
    return f"{_words(formula) or '?'} {_words(orientation)}".strip()


def interface_marks(
    edges: Mapping[int, float], interfaces: Sequence[Mapping[str, Any]], right: float
) -> list[str]:
    """SVG fragments, top first, for the root of the drawing (not in a band's group).

    ``edges``: the lower edge of each drawn layer by position; ``right``: the bands' right
    edge (marks end MARK_INSET before it).
    """
    right -= MARK_INSET
    out = []
    ordered = sorted(interfaces, key=lambda entry: -int(entry.get("layer_id") or 0))
    for entry in ordered:
        position = entry.get("layer_id")
        y = edges.get(position) if isinstance(position, int) else None
        if y is None:
            continue  # a superlattice's repeats are drawn once
        headline = mismatch_text(entry)
        warn = _past_critical(entry)
        percent = _finite(entry.get("mismatch_percent"))
        number = format_percent(percent) if headline and percent is not None else "?"
        label = ("⚠ " if warn else "") + number
        strain = _words(entry.get("strain"))
        colour = STRAIN_COLOUR.get(strain, OTHER_COLOUR) if headline else OTHER_COLOUR
        width = int(len(label) * 6.6 + 12 + 0.5)
        below = _side(entry.get("below_formula"), entry.get("below_orientation"))
        if entry.get("below") == "substrate":
            below += " (substrate)"
        title = f"{_side(entry.get('film'), entry.get('film_orientation'))} on {below}: "
        title += headline or _problem_text(entry)
        if warn:
            title += f". {_warning(entry)}"
        kind = (strain if headline else "unknown") + (" past-critical" if warn else "")
        edge = WARN_COLOUR if warn else colour
        dash = "" if headline else ' stroke-dasharray="3 2"'
        out.append(
            f'<rect class="interface-box {kind}" x="{right - width:g}" y="{y - 8:g}" '
            f'width="{width}" height="16" rx="8" fill="{"#fff4e5" if warn else "#ffffff"}" '
            f'stroke="{edge}" stroke-width="{1.5 if warn else 1:g}"{dash}>'
            f"<title>{escape(title)}</title></rect>"
            f'<text class="interface-mark {kind}" x="{right - width / 2:g}" y="{y:g}" '
            'text-anchor="middle" dominant-baseline="central" font-size="11" font-weight="600" '
            f'fill="{WARN_COLOUR if warn else colour}" pointer-events="none">{escape(label)}</text>'
        )
    return out
