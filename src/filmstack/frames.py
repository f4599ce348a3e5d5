"""pandas DataFrames of list answers, in the public Atomscale client's column style."""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from filmstack.schemas import MaterialRow, PhysicalSampleRow
from filmstack.schemas_epitaxy import Interface

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]


# Column names follow the public Atomscale client: Title Case, "ID" in capitals, internal ids
# (layer row ids, user ids, note ids, the record's schema version) left out.
MATERIAL_COLUMNS: dict[str, str] = {
    "sample_id": "Target Material ID",
    "sample_name": "Sample Name",
    "substrate": "Substrate",
    "layer_id": "Layer Position",
    "composition_string": "Composition",
    "element_dict": "Elements",
    "orientation": "Orientation",
    "space_group": "Space Group",
    "space_group_number": "Space Group Number",
    "thickness_nm": "Thickness (nm)",
    "mp_id": "MP ID",
    "sample_metadata": "Sample Metadata",
    "detail_note_content": "Sample Notes",
    "user_name": "Owner",
    "last_updated": "Last Updated",
}

PHYSICAL_SAMPLE_COLUMNS: dict[str, str] = {
    "id": "Physical Sample ID",
    "name": "Physical Sample Name",
    "target_material": "Target Material",
    "physical_sample_metadata": "Sample Metadata",
    "detail_note_content": "Sample Notes",
    "detail_note_last_updated": "Sample Notes Last Updated",
    "growth_instrument": "Growth Instrument",
    "num_data_items": "Data Items",
    "created_datetime": "Created Datetime",
    "last_updated": "Last Updated",
    "owner_name": "Owner",
}


def materials_frame(rows: Iterable[MaterialRow]) -> "pd.DataFrame":
    """One DataFrame row per layer, in the public client's column style."""
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    records = [{new: getattr(row, old) for old, new in MATERIAL_COLUMNS.items()} for row in rows]
    frame = pd.DataFrame.from_records(records, columns=list(MATERIAL_COLUMNS.values()))
    return frame.astype({"Layer Position": "Int64", "Space Group Number": "Int64"})


def physical_samples_frame(rows: Iterable[PhysicalSampleRow]) -> "pd.DataFrame":
    """One DataFrame row per physical sample, in the public client's list_physical_samples style."""
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    records = []
    for row in rows:
        material = row.target_material
        record = row.model_dump()
        record["target_material"] = (
            {"substrate": material.substrate, "sample_name": material.sample_name}
            if material
            else None
        )
        record["detail_note_content"] = row.detail_notes.content if row.detail_notes else None
        record["detail_note_last_updated"] = (
            row.detail_notes.last_updated if row.detail_notes else None
        )
        records.append({new: record[old] for old, new in PHYSICAL_SAMPLE_COLUMNS.items()})
    return pd.DataFrame.from_records(records, columns=list(PHYSICAL_SAMPLE_COLUMNS.values()))


EPITAXY_COLUMNS: dict[str, str] = {
    "layer_id": "Layer Position",
    "film": "Film",
    "film_orientation": "Film Orientation",
    "below_formula": "On",
    "below_orientation": "On Orientation",
    "status": "Status",
    "in_plane_relationship": "In-plane Relationship",
    "rotation_deg": "Rotation (deg)",
    "film_spacing_angstrom": "Film Spacing (Å)",
    "below_spacing_angstrom": "Below Spacing (Å)",
    "mismatch_percent": "Mismatch (%)",
    "strain": "Strain",
    "thickness_nm": "Thickness (nm)",
    "critical_thickness_nm": "Critical Thickness (nm)",
    "coherent_expected": "Coherent Expected",
    "reason": "Reason",
}


def epitaxy_frame(interfaces: Iterable[Interface]) -> "pd.DataFrame":
    """One DataFrame row per interface, bottom up."""
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    records = [
        {new: getattr(entry, old, None) for old, new in EPITAXY_COLUMNS.items()}
        for entry in interfaces
    ]
    frame = pd.DataFrame.from_records(records, columns=list(EPITAXY_COLUMNS.values()))
    return frame.astype({"Layer Position": "Int64", "Coherent Expected": "boolean"})
