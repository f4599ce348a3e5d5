"""The client's epitaxy: objects and a DataFrame, for stored stacks and stack text; lattices."""

import pytest

from filmstack import Client
from filmstack.errors import NotFound


def test_epitaxy_of_a_stored_material_as_objects_and_a_frame(fs: Client) -> None:
    material = fs.create_from_text("BaTiO3 (001) (50 nm) / SrTiO3 (001)")
    (interface,) = fs.epitaxy(material.sample_id)
    assert interface.film == "BaTiO3" and interface.below == "substrate"
    assert interface.mismatch_percent == pytest.approx(-2.23, abs=0.01)
    assert interface.coherent_expected is False
    frame = fs.epitaxy(material.sample_id, as_frame=True)
    assert list(frame["Film"]) == ["BaTiO3"]
    assert frame["Mismatch (%)"].iloc[0] == pytest.approx(-2.23, abs=0.01)
    assert frame["Coherent Expected"].iloc[0] == False  # noqa: E712 - a pandas boolean


def test_epitaxy_of_stack_text_stores_nothing(fs: Client) -> None:
    interfaces = fs.epitaxy("SrTiO3 (10 nm) / Si (001)")
    assert interfaces[0].rotation_deg == 45
    assert fs.list_target_materials() == []


def test_create_from_text_counts_unit_cells_in_nanometres(fs: Client) -> None:
    material = fs.create_from_text("5 u.c. LaAlO3 / SrTiO3 (001)")
    (layer,) = fs.get_target_material(material.sample_id).layers
    assert layer.thickness_unit_cells == 5 and layer.thickness_nm == pytest.approx(1.895)


def test_lattices_built_in_and_own(fs: Client) -> None:
    assert len(fs.lattices()) >= 60
    row = fs.create_lattice(
        {
            "formula": "CeO2",
            "phase": "fluorite",
            "space_group": "Fm-3m",
            "a": 5.411,
            "source": "our powder XRD, 2026",
        }
    )
    assert [r.id for r in fs.lattices("CeO2")] == [row.id]
    fs.delete_lattice(row.id)
    with pytest.raises(NotFound):
        fs.lattices("CeO2")
