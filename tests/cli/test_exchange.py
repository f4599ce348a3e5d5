"""`filmstack materials export --format eln|nomad` and `materials import x.eln`."""

import io
import json
import zipfile
from pathlib import Path

from filmstack import Client
from tests.cli.conftest import Invoke, runner_for
from tests.conftest import Keys, ServerThread


def _material(fs: Client, name: str) -> int:
    made = fs.create_target_material(
        name,
        "SrTiO3",
        [{"layer_id": 1, "composition_string": "BaTiO3", "thickness_nm": 10}],
        sample_metadata={"run": 2},
    )
    return made.sample_id


def test_export_eln_then_import_it_elsewhere(
    cli: Invoke, server: ServerThread, keys: Keys, tmp_path: Path
) -> None:
    with Client(keys.writer, server.url) as fs:
        first = _material(fs, "BTO one")
        _material(fs, "BTO two")
        fs.set_detail_note(first, "grown twice")
        fs.create_physical_sample("run A", target_material_id=first)
    out = tmp_path / "lab.eln"
    result = cli("materials", "export", str(out))
    assert result.exit_code == 0, result.output
    assert "whole organization as .eln" in result.stderr
    with zipfile.ZipFile(out) as archive:
        assert "filmstack-export/ro-crate-metadata.json" in archive.namelist()

    rival = runner_for(server.url, keys.other)
    imported = rival("materials", "import", str(out))
    assert imported.exit_code == 0, imported.output
    assert "2 target material(s) and 1 physical sample(s) created" in imported.stderr
    new_ids = json.loads(imported.stdout)
    with Client(keys.other, server.url) as fs:
        names = sorted(fs.get_target_material(i).sample_name for i in new_ids)
        assert names == ["BTO one", "BTO two"]
        sample = fs.list_physical_samples()[0]
        assert sample.target_material is not None
        assert sample.target_material.sample_name == "BTO one"


def test_export_a_selection_and_a_nomad_archive(
    cli: Invoke, server: ServerThread, keys: Keys, tmp_path: Path
) -> None:
    with Client(keys.writer, server.url) as fs:
        first = _material(fs, "picked")
        _material(fs, "left out")
    picked = tmp_path / "picked.eln"
    assert cli("materials", "export", "--id", str(first), str(picked)).exit_code == 0
    with zipfile.ZipFile(picked) as archive:
        root = archive.namelist()[0].split("/")[0]
        metadata = json.loads(archive.read(f"{root}/ro-crate-metadata.json"))
    names = [n.get("name") for n in metadata["@graph"] if n.get("genre") == "target material"]
    assert names == ["picked"]

    nomad = tmp_path / "picked.archive.json"
    result = cli("materials", "export", "--id", str(first), str(nomad))
    assert result.exit_code == 0, result.output
    data = json.loads(nomad.read_text())["data"]
    assert data["m_def"].endswith("ThinFilmStack") and data["name"] == "picked"

    stdout = cli("materials", "export", "--format", "nomad", "--id", str(first), "-")
    assert json.loads(stdout.stdout)["data"]["name"] == "picked"
    missing = cli("materials", "export", "--format", "nomad", str(tmp_path / "x.json"))
    assert missing.exit_code == 2 and "give its id with --id" in missing.stderr
    mixed = cli("materials", "export", "--id", str(first), str(tmp_path / "x.csv"))
    assert mixed.exit_code == 2 and "--id works with --format eln or nomad" in mixed.stderr


def test_import_of_a_broken_eln_says_why_and_writes_nothing(
    cli: Invoke, server: ServerThread, keys: Keys, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.eln"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("broken/notes.txt", "no metadata here")
    broken.write_bytes(buffer.getvalue())
    result = cli("materials", "import", str(broken))
    assert result.exit_code != 0
    assert "ro-crate-metadata.json" in result.stderr
    with Client(keys.writer, server.url) as fs:
        assert fs.list_target_materials() == []
