"""The client's exchange calls against the real app."""

import io
import zipfile

import pytest

from filmstack import Client, InvalidInput, NotFound


def test_export_and_import_eln_and_nomad(fs: Client) -> None:
    made = fs.create_target_material(
        "BTO", "SrTiO3", [{"layer_id": 1, "composition_string": "BaTiO3"}]
    ).sample_id
    fs.create_physical_sample("run", target_material_id=made)
    one = fs.export_target_material(made)
    assert zipfile.ZipFile(io.BytesIO(one)).namelist()[0] == "BTO/"
    archive = fs.export_target_material(made, format="nomad")
    assert b"ThinFilmStack" in archive
    everything = fs.export_eln()
    assert fs.export_eln([made]) != b"" and everything != b""

    answer = fs.import_eln(everything)
    copy = answer["target_materials"][0]["sample_id"]
    assert copy != made and fs.get_target_material(copy).sample_name == "BTO"
    assert answer["physical_samples"][0]["sample_id"] == copy
    with pytest.raises(InvalidInput, match="not a .eln"):
        fs.import_eln(b"nonsense")
    with pytest.raises(NotFound):
        fs.export_target_material(10**9)
