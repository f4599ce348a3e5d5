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


# Each column's dtype. One missing-value convention throughout: pandas' nullable dtypes, so a
# missing value is <NA> (NaT in the timestamp columns) and `isna()` finds every one of them.
#   "Int64", "Float64", "string": pandas' nullable integer, float and text
#   "datetime": timezone-aware, UTC (datetime64[ns, UTC]), read from the API's ISO 8601 text
#   "object": JSON values as sent (dicts), with <NA> where there is none
MATERIAL_DTYPES: dict[str, str] = {
    "Target Material ID": "Int64",
    "Sample Name": "string",
    "Substrate": "string",
    "Layer Position": "Int64",
    "Composition": "string",
    "Elements": "object",
    "Orientation": "string",
    "Space Group": "string",
    "Space Group Number": "Int64",
    "Thickness (nm)": "Float64",
    "MP ID": "string",
    "Sample Metadata": "object",
    "Sample Notes": "string",
    "Owner": "string",
    "Last Updated": "datetime",
}

PHYSICAL_SAMPLE_DTYPES: dict[str, str] = {
    "Physical Sample ID": "string",
    "Physical Sample Name": "string",
    "Target Material": "object",
    "Sample Metadata": "object",
    "Sample Notes": "string",
    "Sample Notes Last Updated": "datetime",
    "Growth Instrument": "object",
    "Data Items": "Int64",
    "Created Datetime": "datetime",
    "Last Updated": "datetime",
    "Owner": "string",
}


def _typed(frame: "pd.DataFrame", dtypes: dict[str, str]) -> "pd.DataFrame":
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    for column, dtype in dtypes.items():
        values = frame[column]
        if dtype == "datetime":
            frame[column] = pd.to_datetime(values, utc=True, format="ISO8601")
        elif dtype == "object":
            values = values.astype(object)
            frame[column] = values.where(values.notna(), pd.NA)
        else:
            frame[column] = values.astype(dtype)
    return frame


def materials_frame(rows: Iterable[MaterialRow]) -> "pd.DataFrame":
    """One row per layer, in the public client's column style, typed as MATERIAL_DTYPES."""
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    records = [{new: getattr(row, old) for old, new in MATERIAL_COLUMNS.items()} for row in rows]
    frame = pd.DataFrame.from_records(records, columns=list(MATERIAL_COLUMNS.values()))
    return _typed(frame, MATERIAL_DTYPES)


def physical_samples_frame(rows: Iterable[PhysicalSampleRow]) -> "pd.DataFrame":
    """One row per physical sample, in the public client's list_physical_samples style, typed."""
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
    frame = pd.DataFrame.from_records(records, columns=list(PHYSICAL_SAMPLE_COLUMNS.values()))
    return _typed(frame, PHYSICAL_SAMPLE_DTYPES)


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
