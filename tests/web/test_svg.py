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
    names = ("MIN_HEIGHT", "MAX_HEIGHT", "SUBSTRATE_HEIGHT", "WIDTH", "MARGIN", "MAX_LABEL")
    for name in (*names, "REPEAT_INSET"):
        match = re.search(rf"const {name} = (\d+);", source)
        assert match is not None, name
        assert int(match.group(1)) == getattr(svg, name), name
    assert f'const UNKNOWN_COLOUR = "{svg.UNKNOWN_COLOUR}"' in source
    assert f'const COLOUR_SALT = "{svg.COLOUR_SALT}"' in source


def superlattice(count: int = 10, period: tuple[str, ...] = ("SrTiO3", "LaAlO3")) -> list[dict]:
    """`[LaAlO3 (5 u.c.) / SrTiO3 (5 u.c.)] x10` as stored: bottom up, each with its repeat."""
    out = []
    for cycle in range(count):
        for index, formula in enumerate(period):
            position = cycle * len(period) + index + 1
            repeat = {"group": 1, "count": count, "period": len(period), "index": index}
            out.append(
                layer(
                    position,
                    formula,
                    1.9,
                    thickness_unit_cells=5,
                    repeat={**repeat, "cycle": cycle},
                )
            )
    return out


def repeat_marks(document: str) -> list[tuple[str, str]]:
    """(text, title) of every superlattice bracket: on the root, outside the bands' groups."""
    root = ET.fromstring(document)
    texts = [t.text or "" for t in root.iterfind("svg:text", NS) if t.get("class") == "repeat-mark"]
    titles = [
        path.findtext("svg:title", namespaces=NS) or ""
        for path in root.iterfind("svg:path", NS)
        if path.get("class") == "repeat-bracket"
    ]
    assert len(texts) == len(titles)
    return list(zip(texts, titles, strict=True))


def test_a_superlattice_is_drawn_once_with_its_repeat_count() -> None:
    cap = layer(21, "SrRuO3", 20)
    document = render_stack([*superlattice(), cap], "SrTiO3", substrate_orientation="(001)")
    labels = [label for _, _, _, label in drawn(document)]
    assert labels == [
        "SrRuO3 · 20 nm",
        "LaAlO3 · 5 u.c. (1.9 nm)",
        "SrTiO3 · 5 u.c. (1.9 nm)",
        "SrTiO3 (001) · substrate",
    ]
    assert repeat_marks(document) == [
        ("×10", "Layers 1–20: these 2 layers repeated 10 times (20 layers)")
    ]
    # The bracket spans the two drawn layers of the period, not the cap or the substrate.
    rows = drawn(document)
    path = ET.fromstring(document).find("svg:path", NS)
    assert path is not None
    numbers = [float(n) for n in re.findall(r"[\d.]+", path.get("d", ""))]
    top, bottom = rows[1][0], rows[2][0] + rows[2][1]
    assert numbers[1] == top + 4 and numbers[3] == bottom - 4


def test_a_superlattice_no_longer_whole_is_drawn_layer_by_layer() -> None:
    layers = superlattice(count=3)
    layers[3] = {**layers[3], "thickness_nm": 4.0}  # one repetition edited
    document = render_stack(layers, "SrTiO3")
    assert len(drawn(document)) == 6 + 1
    assert repeat_marks(document) == []
    assert len(drawn(render_stack(superlattice(count=3)[:-1], "SrTiO3"))) == 5 + 1


def test_repeat_data_of_the_wrong_shape_is_ignored() -> None:
    odd: list[object] = [None, "x10", {"group": 1, "count": "10", "period": 2}, {"count": 1}]
    for bad in odd:
        document = render_stack(
            [layer(1, "LaAlO3", 2, repeat=bad), layer(2, "SrTiO3", 2, repeat=bad)], "Si"
        )
        assert len(drawn(document)) == 3 and repeat_marks(document) == []


def test_unit_cells_are_shown_with_the_thickness_they_make() -> None:
    labels = [
        label
        for _, _, _, label in drawn(
            render_stack(
                [
                    layer(1, "LaAlO3", 1.895, thickness_unit_cells=5),
                    layer(2, "Xx", thickness_unit_cells=4),
                ],
                "SrTiO3",
            )
        )
    ]
    assert labels == ["Xx · 4 u.c.", "LaAlO3 · 5 u.c. (1.895 nm)", "SrTiO3 · substrate"]


def test_interface_marks_sit_on_each_layer_edge_with_its_mismatch() -> None:
    from filmstack.server.web.marks import format_percent, mismatch_text

    ok = {
        "layer_id": 1,
        "film": "BaTiO3",
        "film_orientation": "(001)",
        "below": "substrate",
        "below_formula": "SrTiO3",
        "below_orientation": "(001)",
        "status": "ok",
        "in_plane_relationship": "[100] || [100]",
        "rotation_deg": 0.0,
        "supercell": {"film_multiple": 1, "below_multiple": 1},
        "mismatch_percent": -2.228,
        "strain": "compressive",
        "thickness_nm": 50.0,
        "critical_thickness_nm": 3.1042,
        "coherent_expected": False,
    }
    evil = {"layer_id": 2, "film": "<b>X</b>", "status": "unknown", "reason": "add <lattice> & co"}
    document = render_stack(
        [layer(1, "BaTiO3", 50, orientation="(001)"), layer(2, "<b>X</b>")],
        "SrTiO3",
        interfaces=[ok, evil],
    )
    root = ET.fromstring(document)
    texts = [t for t in root.iterfind("svg:text", NS) if "interface-mark" in t.get("class", "")]
    assert [t.text for t in texts] == ["?", "⚠ −2.2 %"]
    substrate_top = bands([layer(1, "BaTiO3", 50), layer(2, "X")], "SrTiO3")[-1].y
    assert float(texts[1].get("y", "")) == substrate_top
    titles = [r.findtext("svg:title", namespaces=NS) for r in root.iterfind("svg:rect", NS)]
    assert (
        "BaTiO3 (001) on SrTiO3 (001) (substrate): −2.2 % compressive, cube-on-cube. "
        + ("Thicker than its critical thickness (≈ 3.1 nm): 50 nm planned")
        in titles
    )
    assert "<b>X</b> on ?: Unknown: add <lattice> & co" in titles
    assert "<lattice>" not in document  # escaped
    assert len(drawn(document)) == 3  # the bands are unchanged
    assert mismatch_text({**ok, "rotation_deg": 45.0}) == "−2.2 % compressive, 45° rotated"
    assert mismatch_text({**ok, "in_plane_relationship": "[11-20] || [11-20]"}).endswith(
        "aligned (0°)"
    )
    assert [format_percent(p) for p in (-2.228, 3.034, 0.451, -0.004, 0.125)] == [
        "−2.2 %",
        "+3.0 %",
        "+0.45 %",
        "0 %",
        "+0.13 %",  # halves round up, as the page's toFixed does
    ]
    assert render_stack([layer(1, "A")], "Si") == render_stack([layer(1, "A")], "Si", interfaces=[])


def test_the_page_marks_interfaces_with_the_same_sizes_and_colours() -> None:
    """static/marks.js mirrors marks.py; the numbers must not drift apart."""
    from filmstack.server.web import marks

    source = DRAW_JS.with_name("marks.js").read_text()
    assert f"const MARK_INSET = {marks.MARK_INSET};" in source
    for strain, colour in marks.STRAIN_COLOUR.items():
        assert f'{strain}: "{colour}"' in source
    assert f'const OTHER_COLOUR = "{marks.OTHER_COLOUR}"' in source
