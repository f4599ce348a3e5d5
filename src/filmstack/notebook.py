"""How materials show in Jupyter: the stack drawing beside the layer table, lists as tables.

    fs.get_target_material(12)          # a MaterialView: displays as drawing + layer table
    fs.get_target_materials([12, 13])   # a MaterialList: one row per material, with thumbnails

Everything a user typed is HTML-escaped and the HTML holds no script, so a name such as
"<script>…" shows as text. The drawing is the server's own (filmstack.server.web.svg), drawn
here from the record: no extra request.
"""

import itertools
import re
from collections.abc import Iterable
from html import escape
from typing import Any

from filmstack.schemas import Layer, MaterialDetail
from filmstack.server.web.svg import format_thickness, render_stack

THUMB_WIDTH = 120
_drawings = itertools.count(1)
_SIZE = re.compile(r'<svg([^>]*?) width="([\d.]+)" height="([\d.]+)"')


def _drawing(material: MaterialDetail, width: int | None = None) -> str:
    svg = render_stack(
        [layer.model_dump() for layer in material.layers],
        material.substrate,
        title=material.sample_name,
    )
    # Several drawings share one notebook page: each needs its own pattern id.
    svg = svg.replace("substrate-hatch", f"substrate-hatch-{next(_drawings)}")
    if width is None:
        return svg
    # Scale the drawing down by its viewBox, keeping its proportions.
    match = _SIZE.search(svg)
    if match:
        w, h = float(match.group(2)), float(match.group(3))
        scaled = f'<svg{match.group(1)} width="{width}" height="{h * width / w:.0f}"'
        svg = svg[: match.start()] + scaled + svg[match.end() :]
    return svg


def _cell(value: Any) -> str:
    return escape("—" if value is None or value == "" else str(value))


def _layer_rows(layers: list[Layer]) -> str:
    rows = []
    for layer in sorted(layers, key=lambda item: item.layer_id, reverse=True):
        thickness = format_thickness(layer.thickness_nm) if layer.thickness_nm else None
        cells = [
            layer.layer_id,
            layer.composition_string,
            layer.orientation,
            layer.space_group,
            thickness,
            layer.mp_id,
        ]
        rows.append("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in cells) + "</tr>")
    if not rows:
        rows.append('<tr><td colspan="6">No layers: the bare substrate.</td></tr>')
    return "".join(rows)


def material_html(material: MaterialDetail) -> str:
    header = "".join(
        f"<th>{escape(t)}</th>"
        for t in ("#", "Formula", "Orientation", "Space group", "Thickness", "MP id")
    )
    note = (
        f'<p class="filmstack-note">{escape(material.detail_note_content)}</p>'
        if material.detail_note_content
        else ""
    )
    return (
        '<div class="filmstack-material">'
        f"<h4>{escape(material.sample_name)} <small>#{material.sample_id} · on "
        f"{escape(material.substrate)}</small></h4>"
        '<div style="display:flex;gap:1.5em;align-items:flex-start;flex-wrap:wrap">'
        f'<figure style="margin:0">{_drawing(material)}</figure>'
        f'<table class="filmstack-layers"><caption>Layers, top first</caption>'
        f"<thead><tr>{header}</tr></thead><tbody>{_layer_rows(material.layers)}</tbody></table>"
        f"</div>{note}</div>"
    )


def _stack_text(material: MaterialDetail) -> str:
    names = [
        layer.composition_string or "?"
        for layer in sorted(material.layers, key=lambda item: item.layer_id, reverse=True)
    ]
    return " / ".join([*names, material.substrate])


def materials_html(materials: Iterable[MaterialDetail]) -> str:
    header = "".join(
        f"<th>{t}</th>" for t in ("Stack", "Id", "Name", "Substrate", "Layers", "Film first")
    )
    rows = []
    for m in materials:
        cells = [str(m.sample_id), m.sample_name, m.substrate, str(len(m.layers)), _stack_text(m)]
        rows.append(
            f"<tr><td>{_drawing(m, THUMB_WIDTH)}</td>"
            + "".join(f"<td>{escape(c)}</td>" for c in cells)
            + "</tr>"
        )
    body = "".join(rows) or '<tr><td colspan="6">No target materials.</td></tr>'
    return (
        f'<table class="filmstack-materials"><thead><tr>{header}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


class MaterialView(MaterialDetail):
    """A MaterialDetail that Jupyter displays as its stack drawing beside its layer table."""

    def _repr_html_(self) -> str:
        return material_html(self)


class MaterialList(list[MaterialView]):
    """Materials that Jupyter displays as one table, a thumbnail of each stack in a column."""

    def _repr_html_(self) -> str:
        return materials_html(self)


__all__ = ["MaterialList", "MaterialView", "material_html", "materials_html"]
