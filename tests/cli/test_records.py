"""`filmstack materials history/revert/restore` and `filmstack trash list/restore/purge`."""

import json

import pytest

from filmstack import Client, NotFound
from tests.cli.conftest import Invoke
from tests.conftest import Keys, ServerThread

BTO = {"layer_id": 1, "composition_string": "BaTiO3", "orientation": "(001)"}


def made(server: ServerThread, keys: Keys, note: str | None = None) -> int:
    with Client(keys.writer, server.url) as fs:
        material = fs.create_target_material(
            "BTO on STO", "SrTiO3", [BTO], detail_note_content=note
        )
        return material.sample_id


def test_create_with_a_note_makes_one_revision(
    cli: Invoke, server: ServerThread, keys: Keys
) -> None:
    result = cli("materials", "create", "--from-text", "BaTiO3 on Si", "--note", "first try")
    assert result.exit_code == 0, result.output
    with Client(keys.writer, server.url) as fs:
        history = fs.history(int(result.stdout))
    assert [e.action for e in history] == ["create"]  # the note came with the create


def test_history_prints_revision_when_who_action_and_changes(
    cli: Invoke, server: ServerThread, keys: Keys
) -> None:
    material_id = made(server, keys)
    with Client(keys.writer, server.url) as fs:
        fs.update_target_material(material_id, sample_name="BTO on STO, run 2")
        fs.update_layer(material_id, 1, orientation="(111)")
    result = cli("materials", "history", str(material_id))
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    header = next(line for line in lines if "Revision" in line)
    for column in ("Revision", "When (UTC)", "Who", "Action", "Changes"):
        assert column in header
    table = result.stdout
    assert "update_layer" in table and "layers[1].orientation: (001) → (111)" in table
    assert "sample_name: BTO on STO → BTO on STO, run 2" in table
    assert "alice" in table and "create" in table
    order = [table.index(action) for action in ("update_layer", " update ", "create")]
    assert order == sorted(order)  # newest first
    assert "3 revisions shown" in result.stderr

    newest = cli("materials", "history", str(material_id), "--limit", "1", "--json")
    assert newest.exit_code == 0, newest.output
    entries = json.loads(newest.stdout)
    assert [e["revision"] for e in entries] == [3]
    assert entries[0]["changes"] == [
        {"field": "layers[1].orientation", "before": "(001)", "after": "(111)"}
    ]


def test_history_of_a_missing_material_fails_on_stderr(cli: Invoke) -> None:
    result = cli("materials", "history", "987654")
    assert result.exit_code == 1 and "404" in result.stderr


def test_revert_makes_a_new_revision_equal_to_the_old_one(
    cli: Invoke, server: ServerThread, keys: Keys
) -> None:
    material_id = made(server, keys)
    with Client(keys.writer, server.url) as fs:
        fs.update_target_material(material_id, sample_name="renamed")
    result = cli("materials", "revert", str(material_id), "1")
    assert result.exit_code == 0, result.output
    assert "reverted target material" in result.stderr and "revision 3" in result.stderr
    with Client(keys.writer, server.url) as fs:
        assert fs.get_target_material(material_id).sample_name == "BTO on STO"


def test_delete_then_trash_list_then_restore(cli: Invoke, server: ServerThread, keys: Keys) -> None:
    material_id = made(server, keys, note="keep me")
    assert cli("materials", "delete", str(material_id), "--yes").exit_code == 0
    listed = cli("trash", "list")
    assert listed.exit_code == 0, listed.output
    for column in ("ID", "Name", "Substrate", "Layers", "Deleted (UTC)", "Deleted by"):
        assert column in listed.stdout
    assert str(material_id) in listed.stdout and "BTO on STO" in listed.stdout
    assert "alice" in listed.stdout
    assert "1 deleted target material" in listed.stderr
    as_json = json.loads(cli("trash", "list", "--json").stdout)
    assert [m["sample_id"] for m in as_json] == [material_id]

    restored = cli("materials", "restore", str(material_id))
    assert restored.exit_code == 0, restored.output
    assert f"restored target material {material_id}: BTO on STO" in restored.stderr
    with Client(keys.writer, server.url) as fs:
        assert fs.get_target_material(material_id).detail_note_content == "keep me"
    assert "0 deleted target materials" in cli("trash", "list").stderr
    missing = cli("materials", "restore", str(material_id))
    assert missing.exit_code == 1 and "404" in missing.stderr


def test_trash_purge_asks_first_then_removes_for_good(
    cli: Invoke, server: ServerThread, keys: Keys
) -> None:
    material_id = made(server, keys)
    assert cli("materials", "delete", str(material_id), "--yes").exit_code == 0
    refused = cli("trash", "purge", str(material_id), input="n\n")
    assert refused.exit_code == 1 and "Purge" in refused.stderr
    assert "1 deleted target material" in cli("trash", "list").stderr
    purged = cli("trash", "purge", str(material_id), "--yes")
    assert purged.exit_code == 0, purged.output
    assert f"purged target material {material_id}" in purged.stderr
    with Client(keys.writer, server.url) as fs:
        assert fs.trash() == []
        with pytest.raises(NotFound):
            fs.restore(material_id)
    restored = cli("trash", "restore", str(material_id))
    assert restored.exit_code == 1 and "404" in restored.stderr
