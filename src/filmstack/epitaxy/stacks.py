"""The stack the epitaxy report reads: a substrate and its layers, bottom up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from filmstack.chemistry import ParsedStack


@dataclass(frozen=True)
class LayerSpec:
    """A layer (or the substrate) as the report needs it."""

    formula: str
    orientation: str | None = None
    space_group: str | int | None = None
    thickness_nm: float | None = None
    thickness_unit_cells: float | None = None
    lattice: Mapping[str, object] | None = None
    in_plane_relationship: str | None = None
    layer_id: int | None = None


@dataclass(frozen=True)
class StackSpec:
    """A substrate and its layers, bottom up (``layers[0]`` sits on the substrate)."""

    substrate: LayerSpec
    layers: tuple[LayerSpec, ...] = field(default_factory=tuple)


def stack_from_layers(
    substrate: str,
    substrate_orientation: str | None,
    layers: Sequence[Mapping[str, Any]],
    *,
    substrate_lattice: Mapping[str, object] | None = None,
    substrate_space_group: str | int | None = None,
) -> StackSpec:
    """A :class:`StackSpec` from wire-shaped layers (``composition_string``, ``layer_id``, …)."""
    ordered = sorted(layers, key=lambda layer: int(layer.get("layer_id") or 0))
    return StackSpec(
        substrate=LayerSpec(
            formula=substrate,
            orientation=substrate_orientation,
            space_group=substrate_space_group,
            lattice=substrate_lattice,
        ),
        layers=tuple(
            LayerSpec(
                formula=str(layer.get("composition_string") or layer.get("formula") or ""),
                orientation=layer.get("orientation"),
                space_group=layer.get("space_group"),
                thickness_nm=layer.get("thickness_nm"),
                thickness_unit_cells=layer.get("thickness_unit_cells"),
                lattice=layer.get("lattice"),
                in_plane_relationship=layer.get("in_plane_relationship"),
                layer_id=layer.get("layer_id"),
            )
            for layer in ordered
        ),
    )


def stack_from_parsed(parsed: ParsedStack) -> StackSpec:
    """A :class:`StackSpec` from stack text read by :func:`filmstack.chemistry.parse_stack`."""
    return StackSpec(
        substrate=LayerSpec(parsed.substrate, parsed.substrate_orientation),
        layers=tuple(
            LayerSpec(
                formula=layer.formula,
                orientation=layer.orientation,
                space_group=layer.space_group,
                thickness_nm=layer.thickness_nm,
                thickness_unit_cells=layer.thickness_unit_cells,
                layer_id=position,
            )
            for position, layer in enumerate(reversed(parsed.layers), start=1)
        ),
    )
