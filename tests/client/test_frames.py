"""list_target_materials(as_frame=True): a DataFrame in the public Atomscale client's style."""

import sys

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from filmstack import Client
from filmstack.frames import MATERIAL_COLUMNS

EXPECTED_COLUMNS = [
    "Target Material ID",
    "Sample Name",
    "Substrate",
    "Layer Position",
    "Composition",
    "Elements",
    "Orientation",
    "Space Group",
    "Space Group Number",
    "Thickness (nm)",
    "MP ID",
    "Sample Metadata",
    "Sample Notes",
    "Owner",
    "Last Updated",
]


def test_one_row_per_layer_title_case_columns_internal_ids_dropped(fs: Client) -> None:
    material = fs.create_target_material(
        "BaTiO3 on Si",
        "Si",
        [
            {"layer_id": 1, "composition_string": "SrTiO3", "thickness_nm": 20.0},
            {
                "layer_id": 2,
                "composition_string": "BaTiO3",
                "orientation": "001",
                "space_group": "P4mm",
                "mp_id": "mp-5986",
            },
        ],
        sample_metadata={"run": 1},
    )
    fs.set_detail_note(material.sample_id, "note")
    frame = fs.list_target_materials(as_frame=True)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == EXPECTED_COLUMNS
    for internal in ("id", "layer_row_id", "user_id", "detail_notes_id", "version"):
        assert internal not in frame.columns
    assert len(frame) == 2
    top = frame.iloc[1]
    assert top["Target Material ID"] == material.sample_id
    assert top["Layer Position"] == 2 and top["Composition"] == "BaTiO3"
    assert top["Elements"] == {"Ba": 1, "Ti": 1, "O": 3}
    assert top["Space Group"] == "P4mm" and top["Space Group Number"] == 99
    assert top["MP ID"] == "mp-5986" and top["Owner"] == "alice"
    assert top["Sample Notes"] == "note" and top["Sample Metadata"] == {"run": 1}
    assert frame.iloc[0]["Thickness (nm)"] == 20.0


def test_a_material_without_layers_is_one_row_and_no_materials_an_empty_frame(fs: Client) -> None:
    empty = fs.list_target_materials(as_frame=True)
    assert list(empty.columns) == EXPECTED_COLUMNS and len(empty) == 0
    fs.create_target_material("bare", "MgO")
    frame = fs.list_target_materials(as_frame=True)
    assert len(frame) == 1 and pd.isna(frame.iloc[0]["Layer Position"])


def test_filters_apply_to_frames_too(fs: Client) -> None:
    fs.create_target_material("a", "Si")
    fs.create_target_material("b", "MgO")
    assert list(fs.list_target_materials(substrate="MgO", as_frame=True)["Sample Name"]) == ["b"]


def test_physical_samples_frame_uses_the_public_clients_columns(fs: Client) -> None:
    material = fs.create_target_material("m", "Si")
    sample = fs.create_physical_sample("run 1", target_material_id=material.sample_id)
    frame = fs.list_physical_samples(as_frame=True)
    assert list(frame.columns) == [
        "Physical Sample ID",
        "Physical Sample Name",
        "Target Material",
        "Sample Metadata",
        "Sample Notes",
        "Sample Notes Last Updated",
        "Growth Instrument",
        "Data Items",
        "Created Datetime",
        "Last Updated",
        "Owner",
    ]
    row = frame.iloc[0]
    assert row["Physical Sample ID"] == sample.id
    assert row["Target Material"] == {"substrate": "Si", "sample_name": "m"}


def test_importing_filmstack_does_not_import_pandas_or_the_server() -> None:
    import subprocess

    code = (
        "import sys, filmstack, filmstack.client; "
        "print(sorted(m for m in ('pandas', 'pymatgen', 'fastapi', 'sqlalchemy') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert set(MATERIAL_COLUMNS.values()) == set(EXPECTED_COLUMNS)


def _missing_values(frame: pd.DataFrame) -> set[str]:
    """The kinds of missing value in a frame: '<NA>', 'NaT', 'None' or 'nan'."""
    kinds = set()
    for column in frame.columns:
        for value in frame[column]:
            if value is None:
                kinds.add("None")
            elif value is pd.NA:
                kinds.add("<NA>")
            elif value is pd.NaT:
                kinds.add("NaT")
            elif isinstance(value, float) and value != value:
                kinds.add("nan")
    return kinds


def test_material_columns_are_typed_with_one_missing_value(fs: Client) -> None:
    fs.create_target_material(
        "typed", "Si", [{"layer_id": 1, "composition_string": "SrTiO3", "thickness_nm": 20.0}]
    )
    fs.create_target_material("bare", "MgO")
    frame = fs.list_target_materials(as_frame=True)
    dtypes = {column: str(dtype) for column, dtype in frame.dtypes.items()}
    assert dtypes["Target Material ID"] == "Int64" and dtypes["Layer Position"] == "Int64"
    assert dtypes["Space Group Number"] == "Int64" and dtypes["Thickness (nm)"] == "Float64"
    for text in ("Sample Name", "Substrate", "Composition", "Orientation", "MP ID", "Owner"):
        assert isinstance(frame[text].dtype, pd.StringDtype), text
    assert dtypes["Last Updated"].startswith("datetime64") and dtypes["Last Updated"].endswith(
        ", UTC]"
    )
    updated = frame.iloc[0]["Last Updated"]
    assert isinstance(updated, pd.Timestamp) and str(updated.tz) == "UTC"
    assert _missing_values(frame) == {"<NA>"}
    bare = frame[frame["Sample Name"] == "bare"].iloc[0]
    for column in ("Layer Position", "Composition", "Elements", "Thickness (nm)", "Sample Notes"):
        assert bare[column] is pd.NA, column


def test_physical_sample_columns_are_typed_with_one_missing_value(fs: Client) -> None:
    material = fs.create_target_material("m", "Si")
    fs.create_physical_sample("linked", target_material_id=material.sample_id)
    fs.create_physical_sample("alone")
    frame = fs.list_physical_samples(as_frame=True)
    for column in ("Created Datetime", "Last Updated", "Sample Notes Last Updated"):
        assert str(frame[column].dtype).endswith(", UTC]"), column
    assert str(frame["Data Items"].dtype) == "Int64"
    assert isinstance(frame["Physical Sample Name"].dtype, pd.StringDtype)
    alone = frame[frame["Physical Sample Name"] == "alone"].iloc[0]
    assert alone["Target Material"] is pd.NA and alone["Sample Notes"] is pd.NA
    assert alone["Sample Notes Last Updated"] is pd.NaT
    assert _missing_values(frame) <= {"<NA>", "NaT"}
