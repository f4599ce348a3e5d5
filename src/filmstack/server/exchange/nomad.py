"""A target material as a NOMAD archive (`.archive.json`) in nomad-material-processing's terms.

The entry's data section is a `ThinFilmStack`: `layers` is its ordered list (from the
substrate up) of `ThinFilmReference` sections and `substrate` a `SubstrateReference`, as the
plugin defines them in nomad_material_processing.general. Each reference carries the `name` and
`lab_id` the plugin gives it; the stack's elements go to `elemental_composition` (one
`ElementalComposition` per element, from NOMAD's base sections). docs/exchange.md maps every
field.
"""

import json
from typing import Any

# Sub-sections need no m_def: each has the section definition the plugin declares for it.
STACK = "nomad_material_processing.general.ThinFilmStack"


def lab_id(material_id: int, part: str | None = None) -> str:
    base = f"filmstack-target-material-{material_id}"
    return f"{base}-{part}" if part else base


def _layer_name(layer: dict[str, Any]) -> str:
    words = [layer.get("composition_string") or "unnamed layer"]
    if layer.get("orientation"):
        words.append(str(layer["orientation"]))
    if layer.get("thickness_nm") is not None:
        words.append(f"{layer['thickness_nm']:g} nm")
    return " ".join(words)


def _layer_line(layer: dict[str, Any]) -> str:
    details = [f"{layer['layer_id']}: {_layer_name(layer)}"]
    for key, label in (("space_group", "space group"), ("mp_id", "Materials Project")):
        if layer.get(key):
            details.append(f"{label} {layer[key]}")
    return ", ".join(details)


def _iso(ts: str) -> str:
    # filmstack writes UTC with a Z; NOMAD's Datetime reads ISO 8601 with an offset.
    return ts[:-1] + "+00:00" if ts.endswith("Z") else ts


def nomad_archive(material: dict[str, Any]) -> dict[str, Any]:
    """The archive of one material, from material_detail's dict."""
    layers = sorted(material["layers"], key=lambda layer: layer["layer_id"])
    elements = sorted({e for layer in layers for e in (layer.get("element_dict") or {})})
    lines = [f"filmstack target material {material['sample_id']} on {material['substrate']}."]
    if material.get("sample_metadata"):
        lines.append(f"Metadata: {json.dumps(material['sample_metadata'], ensure_ascii=False)}")
    lines += ["Layers from the substrate up:", *(_layer_line(layer) for layer in layers)]
    if material.get("detail_note_content"):
        lines += ["", str(material["detail_note_content"])]
    data: dict[str, Any] = {
        "m_def": STACK,
        "name": material["sample_name"],
        "lab_id": lab_id(material["sample_id"]),
        "datetime": _iso(material["created_at"]),
        "description": "\n".join(lines),
        "substrate": {
            "name": material["substrate"],
            "lab_id": lab_id(material["sample_id"], "substrate"),
        },
        "layers": [
            {
                "name": _layer_name(layer),
                "lab_id": lab_id(material["sample_id"], f"layer-{layer['layer_id']}"),
            }
            for layer in layers
        ],
        "elemental_composition": [{"element": e} for e in elements],
    }
    return {"data": data}
