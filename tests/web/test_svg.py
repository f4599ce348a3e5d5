"""The stack drawing as SVG: order, proportions, minimum height, stable colours, escaping."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from filmstack.server.web import svg
from filmstack.server.web.svg import (
    MAX_HEIGHT,
    MIN_HEIGHT,
    PALETTE,
    SUBSTRATE_HEIGHT,
    bands,
    colour_for,
    format_thickness,
    layer_heights,
    render_stack,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
DRAW_JS = Path(svg.__file__).with_name("static") / "draw.js"


def layer(
    position: int, formula: str | None, thickness: float | None = None, **extra: object
) -> dict:
    return {"layer_id": position, "composition_string": formula, "thickness_nm": thickness, **extra}


def drawn(document: str) -> list[tuple[float, float, str, str]]:
    """(y, height, fill, label) of every band, top to bottom, read back from the SVG text."""
    root = ET.fromstring(document)
    out = []
    for group in root.iterfind("svg:g", NS):
        rect = group.find("svg:rect", NS)
        texts = group.findall("svg:text", NS)
        assert rect is not None and texts
        out.append(
            (
                float(rect.get("y", 0)),
                float(rect.get("height", 0)),
                rect.get("fill", ""),
                texts[-1].text or "",
            )
        )
    return out


def test_substrate_is_at_the_bottom_and_layers_stack_upwards_in_order() -> None:
    document = render_stack([layer(2, "BaTiO3"), layer(1, "SrRuO3"), layer(3, "Pt")], "SrTiO3")
    labels = [label for _, _, _, label in drawn(document)]
    assert labels == ["Pt", "BaTiO3", "SrRuO3", "SrTiO3 · substrate"]
    ys = [y for y, _, _, _ in drawn(document)]
    assert ys == sorted(ys)


def test_bands_touch_without_gaps_or_overlaps() -> None:
    rows = drawn(render_stack([layer(1, "SrTiO3", 20), layer(2, "BaTiO3", 5)], "Si"))
    for (y, height, _, _), (next_y, _, _, _) in zip(rows, rows[1:], strict=False):
        assert y + height == next_y


def test_heights_are_proportional_to_thickness() -> None:
    heights = layer_heights([layer(1, "A", 10), layer(2, "B", 40), layer(3, "C", 20)])
    assert heights == [MAX_HEIGHT / 4, MAX_HEIGHT, MAX_HEIGHT / 2]
    rows = drawn(render_stack([layer(1, "SrTiO3", 10), layer(2, "BaTiO3", 40)], "Si"))
    assert rows[0][1] == 4 * rows[1][1]


def test_thin_and_unknown_layers_keep_a_readable_minimum_height() -> None:
    heights = layer_heights([layer(1, "A", 0.4), layer(2, "B", 100), layer(3, "C", None)])
    assert heights == [MIN_HEIGHT, MAX_HEIGHT, MIN_HEIGHT]
    assert layer_heights([layer(1, "A"), layer(2, "B")]) == [MIN_HEIGHT, MIN_HEIGHT]


def test_unknown_thickness_is_drawn_dashed_and_known_solid() -> None:
    document = render_stack([layer(1, "SrTiO3", 20), layer(2, "BaTiO3")], "Si")
    root = ET.fromstring(document)
    rects = [g.find("svg:rect", NS) for g in root.iterfind("svg:g", NS)]
    assert [r.get("stroke-dasharray") for r in rects if r is not None] == ["4 3", None, None]


def test_substrate_has_a_fixed_height_whatever_the_layers() -> None:
    assert bands([], "Si")[-1].height == SUBSTRATE_HEIGHT
    assert bands([layer(1, "SrTiO3", 1e6)], "Si")[-1].height == SUBSTRATE_HEIGHT


def test_labels_give_formula_orientation_and_thickness() -> None:
    document = render_stack(
        [layer(1, "SrRuO3", 20, orientation="(001)"), layer(2, "Pt", 1500), layer(3, None)],
        "SrTiO3",
        substrate_orientation="(001)",
    )
    labels = [label for _, _, _, label in drawn(document)]
    assert labels == [
        "unnamed layer",
        "Pt · 1.5 µm",
        "SrRuO3 (001) · 20 nm",
        "SrTiO3 (001) · substrate",
    ]
    assert format_thickness(12.5) == "12.5 nm"
    assert format_thickness(0.39) == "0.39 nm"
    assert format_thickness(2e6) == "2 mm"


def test_the_same_formula_always_gets_the_same_colour() -> None:
    assert colour_for("BaTiO3") == colour_for("BaTiO3") == colour_for(" BaTiO3 ")
    assert colour_for("BaTiO3") in PALETTE
    assert colour_for("BaTiO₃") == colour_for("BaTiO3")  # Unicode subscripts folded
    # Written down once: a lab's colours must not change from one release to the next.
    assert colour_for("SrTiO3") == "#b3de69"
    assert colour_for("Si") == "#fccde5"
    assert colour_for("BaTiO3") == "#ffffb3"
    first = drawn(render_stack([layer(1, "SrTiO3"), layer(2, "BaTiO3")], "SrTiO3"))
    again = drawn(render_stack([layer(1, "BaTiO3"), layer(2, "LaAlO3"), layer(3, "SrTiO3")], "Si"))
    fills = {label.split(" ")[0]: fill for _, _, fill, label in first + again}
    assert fills["SrTiO3"] == colour_for("SrTiO3")
    assert fills["BaTiO3"] == colour_for("BaTiO3")
    # The substrate SrTiO3 of the first drawing matches the layer SrTiO3 of the second.
    assert first[-1][2] == again[0][2] == colour_for("SrTiO3")


def test_the_most_common_materials_get_different_colours() -> None:
    common = ["SrTiO3", "Si", "BaTiO3", "LaAlO3", "SrRuO3", "Al2O3", "MgO", "GaN", "Pt"]
    common += ["La0.7Sr0.3MnO3", "TiO2", "ZnO"]
    assert len({colour_for(f) for f in common}) == len(PALETTE) == 12


def test_layers_often_grown_on_each_other_differ_in_colour() -> None:
    pairs = [("Pt", "Ti"), ("Ti", "SiO2"), ("SiO2", "Si"), ("SrRuO3", "SrTiO3")]
    pairs += [("BaTiO3", "SrTiO3"), ("LaAlO3", "SrTiO3"), ("GaN", "AlN"), ("AlN", "Al2O3")]
    pairs += [("BiFeO3", "DyScO3"), ("Au", "Cr"), ("Cr", "SiO2"), ("HfO2", "TiN")]
    assert [pair for pair in pairs if colour_for(pair[0]) == colour_for(pair[1])] == []
    assert colour_for(None) == colour_for("") == svg.UNKNOWN_COLOUR
    assert svg.UNKNOWN_COLOUR not in PALETTE


def test_every_text_is_escaped() -> None:
    evil = "<script>alert(\"x\")</script> & 'quoted'"
    document = render_stack(
        [layer(1, evil, orientation="<b>(001)</b>")], "Si<img src=x onerror=alert(1)>", title=evil
    )
    assert "<script>" not in document and "<img" not in document and "<b>" not in document
    root = ET.fromstring(document)  # still well-formed XML
    assert root.get("aria-label") == evil
    assert root.findtext("svg:title", namespaces=NS) == evil
    labels = [label for _, _, _, label in drawn(document)]
    assert labels[0].startswith("<script>alert")
    assert labels[-1].startswith("Si<img src=x")


def test_long_labels_are_shortened_but_kept_whole_in_a_tooltip() -> None:
    formula = "(LaAlO3)0.3(Sr2TaAlO6)0.7"
    document = render_stack([layer(1, formula, 12.5, orientation="(0 0 12)")], "Si" * 40)
    root = ET.fromstring(document)
    group = root.findall("svg:g", NS)[-1]
    assert group.findtext("svg:title", namespaces=NS) == "Si" * 40 + " · substrate"
    assert (group.findall("svg:text", NS)[-1].text or "").endswith("…")


def test_an_empty_stack_is_the_bare_substrate() -> None:
    rows = drawn(render_stack([], "Si"))
    assert [label for _, _, _, label in rows] == ["Si · substrate"]


def test_a_large_stack_renders_quickly_and_stays_well_formed() -> None:
    layers = [layer(i, "LaAlO3" if i % 2 else "SrTiO3", 4) for i in range(1, 501)]
    document = render_stack(layers, "SrTiO3")
    assert len(drawn(document)) == 501


def test_the_page_draws_with_the_same_palette_and_sizes() -> None:
    """static/draw.js mirrors this module; the numbers must not drift apart."""
    source = DRAW_JS.read_text()
    palette = re.search(r"export const PALETTE = \[(.*?)\];", source, re.S)
    assert palette is not None
    assert tuple(re.findall(r'"(#[0-9a-f]{6})"', palette.group(1))) == PALETTE
    for name in ("MIN_HEIGHT", "MAX_HEIGHT", "SUBSTRATE_HEIGHT", "WIDTH", "MARGIN", "MAX_LABEL"):
        match = re.search(rf"const {name} = (\d+);", source)
        assert match is not None, name
        assert int(match.group(1)) == getattr(svg, name), name
    assert f'const UNKNOWN_COLOUR = "{svg.UNKNOWN_COLOUR}"' in source
    assert f'const COLOUR_SALT = "{svg.COLOUR_SALT}"' in source


def test_a_superlattice_shows_its_repeat_count_once() -> None:
    period = [
        {"layer_id": 2 * cycle + i + 1, "composition_string": formula,
         "repeat": {"group": 1, "count": 10, "period": 2, "index": 1 - i, "cycle": 9 - cycle}}
        for cycle in range(10)
        for i, formula in enumerate(("SrTiO3", "LaAlO3"))
    ]  # fmt: skip
    svg = render_stack(period, "SrTiO3", substrate_orientation="(001)")
    assert svg.count('class="repeat"') == 1 and ">×10</text>" in svg
    assert "SrTiO3 (001) · substrate" in svg
    assert 'class="repeat"' not in render_stack(period[:2], "SrTiO3")  # no first period there
