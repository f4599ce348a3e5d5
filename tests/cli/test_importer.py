"""`filmstack materials import` and `export`: CSV and JSON/JSONL, re-runs, failures, round trips."""

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from filmstack import Client
from filmstack.cli.importer import notation, stack_layers
from tests.cli.conftest import Invoke, runner_for
from tests.client.serving import Served
from tests.conftest import Keys, ServerThread

# Every kind of detail a stored material can have, including what the stack notation cannot hold.
VARIED: list[dict[str, Any]] = [
    {
        "sample": {"sample_name": "BaTiO3 on Si", "substrate": "Si"},
        "layers": [{"layer_id": 1, "composition_string": "BaTiO3", "orientation": "001"}],
    },
    {
        "sample": {"sample_name": "BaTiO3 on Si", "substrate": "Si"},  # an exact duplicate
        "layers": [{"layer_id": 1, "composition_string": "BaTiO3", "orientation": "001"}],
    },
    {
        "sample": {
            "sample_name": "superlattice",
            "substrate": "SrTiO3 (001)",
            "sample_metadata": {"operator": "Zoë", "nested": {"a": [1, 2.5, None]}},
        },
        "layers": [
            {"layer_id": 1, "composition_string": "SrTiO3", "thickness_nm": 20.0},
            {"layer_id": 2, "composition_string": "LaAlO3", "orientation": "(001)"},
            {"layer_id": 3, "composition_string": "SrTiO3", "orientation": "[110]"},
            {
                "layer_id": 4,
                "composition_string": "GaN",
                "orientation": "c-plane",
                "thickness_nm": 0.5,
            },
        ],
        "detail_note_content": 'Anneal at 700 C,\nthen "cool" slowly.',
    },
    {
        "sample": {"sample_name": 'LSMO, "best" run', "substrate": "STO"},
        "layers": [
            {"layer_id": 1, "composition_string": "BaTiO3", "space_group": "Pbnm"},
            {"layer_id": 2, "composition_string": "SrTiO3", "space_group": 99},
            {"layer_id": 3, "element_dict": {"Ba": 1, "O": 1}},
            {"layer_id": 5, "composition_string": "STO", "mp_id": "mp-lxf"},
            {
                "layer_id": 6,
                "composition_string": "BaTiO3",
                "element_dict": {"Ba": 2, "Ti": 2, "O": 6},
                "thickness_nm": 12.3456789,
            },
            {"layer_id": 7, "composition_string": "La2/3Sr1/3MnO3", "orientation": "1 1 1"},
        ],
    },
    {"sample": {"sample_name": "bare", "substrate": "MgO"}, "layers": []},
]

IGNORED = {
    "id",
    "layer_row_id",
    "sample_id",
    "user_id",
    "version",
    "last_updated",
    "detail_notes_id",
    "user_name",
    "revision",  # the source's notes came in a second request; import sends them with the create
}


def populate(client: Client, bodies: list[dict[str, Any]]) -> None:
    for body in bodies:
        sample = body["sample"]
        material = client.create_target_material(
            sample["sample_name"],
            sample["substrate"],
            body["layers"],
            sample_metadata=sample.get("sample_metadata"),
        )
        if "detail_note_content" in body:
            client.set_detail_note(material.sample_id, body["detail_note_content"])


def stored(client: Client) -> list[str]:
    """Everything the server holds for the organization, ids and timestamps aside."""
    rows = [
        {k: v for k, v in row.model_dump().items() if k not in IGNORED}
        for row in client.list_target_materials()
    ]
    return sorted(json.dumps(row, sort_keys=True) for row in rows)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ round trip


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_export_then_import_into_an_empty_server_round_trips_exactly(
    fmt: str, cli: Invoke, server: ServerThread, keys: Keys, served: Served, tmp_path: Path
) -> None:
    with Client(keys.writer, server.url) as source:
        populate(source, VARIED)
        original = stored(source)
    exported = tmp_path / f"export.{fmt}"
    result = cli("materials", "export", str(exported))
    assert result.exit_code == 0, result.output
    assert f"exported {len(VARIED)} target material(s) as {fmt}" in result.stderr

    key = served.fresh_key()  # an empty server
    target = runner_for(served.url, key)
    imported = target("materials", "import", str(exported))
    assert imported.exit_code == 0, imported.output
    assert f"{len(VARIED)} created, 0 already on the server, 0 failed" in imported.stderr
    with Client(key, served.url) as copy:
        assert stored(copy) == original
        assert {row.revision for row in copy.list_target_materials()} == {1}  # note included

    again = tmp_path / f"again.{fmt}"
    assert target("materials", "export", str(again)).exit_code == 0
    if fmt == "json":
        first, second = json.loads(exported.read_text()), json.loads(again.read_text())
    else:
        first, second = exported.read_text().splitlines(), again.read_text().splitlines()
    assert sorted(map(str, first)) == sorted(map(str, second))  # ids aside, the same file


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_a_rerun_skips_what_is_already_there(
    fmt: str, cli: Invoke, server: ServerThread, keys: Keys, tmp_path: Path
) -> None:
    with Client(keys.writer, server.url) as client:
        populate(client, VARIED)
        exported = tmp_path / f"export.{fmt}"
        assert cli("materials", "export", str(exported)).exit_code == 0
        before = stored(client)
        result = cli("materials", "import", str(exported))
        assert result.exit_code == 0, result.output
        assert f"0 created, {len(VARIED)} already on the server, 0 failed" in result.stderr
        assert stored(client) == before


def test_an_interrupted_import_finishes_on_the_rerun_without_duplicates(
    cli: Invoke, server: ServerThread, keys: Keys, tmp_path: Path
) -> None:
    lines = [json.dumps(body) for body in VARIED]
    full = write(tmp_path / "all.jsonl", "\n".join(lines) + "\n")
    write(tmp_path / "part.jsonl", "\n".join(lines[:2]) + "\n")
    assert cli("materials", "import", str(tmp_path / "part.jsonl")).exit_code == 0
    result = cli("materials", "import", str(full))
    assert result.exit_code == 0, result.output
    assert "3 created, 2 already on the server, 0 failed" in result.stderr
    with Client(keys.writer, server.url) as client:
        assert len({r.sample_id for r in client.list_target_materials()}) == len(VARIED)


# ------------------------------------------------------------------------------------ CSV


def test_csv_rows_are_parsed_with_the_stack_notation(
    cli: Invoke, server: ServerThread, keys: Keys, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "samples.csv",
        "sample_name,substrate,stack,metadata\n"
        'BTO/STO,Si,"10 nm BaTiO3 (001) / SrTiO3",{"run": 1}\n'
        "LAO on STO,SrTiO3 (001),5 u.c. LAO,\n"
        "Pt electrode,Si,Pt/Ti,\n",
    )
    result = cli("materials", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "3 row(s): 3 created" in result.stderr
    with Client(keys.writer, server.url) as client:
        rows = client.list_target_materials(name="BTO/STO")
        assert [(r.layer_id, r.composition_string, r.thickness_nm) for r in rows] == [
            (1, "SrTiO3", None),
            (2, "BaTiO3", 10.0),
        ]
        assert rows[0].sample_metadata == {"run": 1} and rows[0].substrate == "Si"
        lao = client.list_target_materials(name="LAO on STO")
        assert lao[0].composition_string == "LaAlO3" and lao[0].substrate == "SrTiO3 (001)"
        # `5 u.c.` keeps its count and gets nanometres from the lattice table (a_pc 3.790 Å).
        assert lao[0].thickness_unit_cells == 5 and lao[0].thickness_nm == 1.895
        pt = client.list_target_materials(name="Pt electrode")
        assert [r.composition_string for r in pt] == ["Ti", "Pt"]


def test_failed_rows_are_reported_and_the_others_imported(
    cli: Invoke, server: ServerThread, keys: Keys, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "mixed.csv",
        "sample_name,substrate,stack,metadata\n"
        "good one,Si,BaTiO3,\n"
        "bad formula,Si,Xx2 / BaTiO3,\n"
        'bad metadata,Si,BaTiO3,"[1, 2]"\n'
        " ,Si,BaTiO3,\n"
        "good two,MgO,SrTiO3 (001),\n",
    )
    result = cli("materials", "import", str(path))
    assert result.exit_code == 1
    assert "5 row(s): 2 created, 0 already on the server, 3 failed" in result.stderr
    report = result.stderr
    assert "line 3" in report and "Xx2" in report
    assert "line 4" in report and "JSON object" in report
    assert "line 5" in report and "sample_name" in report
    assert result.stdout == ""
    with Client(keys.writer, server.url) as client:
        names = {r.sample_name for r in client.list_target_materials()}
    assert names == {"good one", "good two"}

    rerun = cli("materials", "import", str(path))
    assert "0 created, 2 already on the server, 3 failed" in rerun.stderr


def test_a_csv_without_the_needed_columns_is_refused_whole(cli: Invoke, tmp_path: Path) -> None:
    path = write(tmp_path / "wrong.csv", "name,substrate\nx,Si\n")
    result = cli("materials", "import", str(path))
    assert result.exit_code == 2
    assert "sample_name" in result.stderr and "stack" in result.stderr


def test_an_edited_stack_with_a_stale_layers_cell_is_refused(
    cli: Invoke, server: ServerThread, keys: Keys, tmp_path: Path
) -> None:
    with Client(keys.writer, server.url) as client:
        populate(client, VARIED[:1])
    exported = tmp_path / "export.csv"
    assert cli("materials", "export", str(exported)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(exported.read_text())))
    assert rows[0]["stack"] == "BaTiO3 (001)" and rows[0]["layers"]  # "001" needs the cell
    rows[0]["stack"] = "SrTiO3 (001)"
    rows[0]["sample_name"] = "edited"
    edited = tmp_path / "edited.csv"
    with edited.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = cli("materials", "import", str(edited))
    assert result.exit_code == 1 and "empty the layers cell" in result.stderr
    rows[0]["layers"] = ""
    with edited.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert cli("materials", "import", str(edited)).exit_code == 0


def test_csv_export_leaves_the_layers_cell_empty_when_the_stack_says_it_all(
    cli: Invoke, server: ServerThread, keys: Keys, tmp_path: Path
) -> None:
    with Client(keys.writer, server.url) as client:
        client.create_from_text("10 nm BaTiO3 (001) / SrTiO3 (20 nm) / [LaAlO3/SrTiO3]x2 on Si")
    result = cli("materials", "export", "-", "--format", "csv")
    assert result.exit_code == 0
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert row["stack"] == (
        "BaTiO3 (001) (10 nm) / SrTiO3 (20 nm) / LaAlO3 / SrTiO3 / LaAlO3 / SrTiO3"
    )
    assert row["layers"] == ""


# ---------------------------------------------------------------------------- JSON, JSONL


def test_json_and_jsonl_rows_that_cannot_be_read_are_reported(
    cli: Invoke, server: ServerThread, keys: Keys, tmp_path: Path
) -> None:
    good = {"sample": {"sample_name": "ok", "substrate": "Si"}, "layers": []}
    path = write(
        tmp_path / "rows.jsonl",
        json.dumps(good) + "\n"
        "{not json\n"
        '{"sample": {"sample_name": 3, "substrate": "Si"}}\n'
        '{"sample": {"sample_name": "x", "substrate": "Si"}, "layers": [{"layer_id": "1"}]}\n'
        "\n",
    )
    result = cli("materials", "import", str(path))
    assert result.exit_code == 1
    assert "4 row(s): 1 created, 0 already on the server, 3 failed" in result.stderr
    assert "line 2" in result.stderr and "not valid JSON" in result.stderr
    assert "sample.sample_name must be text" in result.stderr
    assert "integer layer_id" in result.stderr

    array = write(tmp_path / "rows.json", json.dumps([good, {"sample": {}}]))
    again = cli("materials", "import", str(array))
    assert "item 2" in again.stderr and "1 already on the server" in again.stderr


def test_a_file_of_unknown_format_needs_the_format_option(cli: Invoke, tmp_path: Path) -> None:
    path = write(tmp_path / "rows.txt", "{}")
    assert cli("materials", "import", str(path)).exit_code == 2
    assert cli("materials", "import", str(path), "--format", "xml").exit_code == 2
    broken = write(tmp_path / "broken.json", "[{")
    result = cli("materials", "import", str(broken))
    assert result.exit_code == 2 and "not valid JSON" in result.stderr


def test_export_to_stdout_defaults_to_jsonl(cli: Invoke, server: ServerThread, keys: Keys) -> None:
    with Client(keys.writer, server.url) as client:
        populate(client, VARIED[:1])
    result = cli("materials", "export", "-")
    assert result.exit_code == 0
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {
            "sample": {"sample_name": "BaTiO3 on Si", "substrate": "Si"},
            "layers": [
                {
                    "layer_id": 1,
                    "composition_string": "BaTiO3",
                    "element_dict": {"Ba": 1, "Ti": 1, "O": 3},
                    "orientation": "001",
                }
            ],
        }
    ]


# ----------------------------------------------------------------------- stack notation


def test_notation_reads_back_through_the_parser() -> None:
    layers = stack_layers("10 nm BaTiO3 (001) / SrTiO3 [110] (20 nm) / c-plane GaN")
    assert [(x["layer_id"], x["composition_string"]) for x in layers] == [
        (1, "GaN"),
        (2, "SrTiO3"),
        (3, "BaTiO3"),
    ]
    text = notation(layers)
    assert text == "BaTiO3 (001) (10 nm) / SrTiO3 [110] (20 nm) / GaN c-plane"
    assert stack_layers(text) == layers
    assert stack_layers("") == []


def test_notation_keeps_unit_cells_as_written() -> None:
    layers = stack_layers("LaAlO3 (5 u.c.) / SrTiO3 (2 nm)")
    assert layers[1]["thickness_unit_cells"] == 5.0 and "thickness_nm" not in layers[1]
    text = notation([{**layers[1], "thickness_nm": 1.895}, layers[0]])
    assert text == "LaAlO3 (5 u.c.) / SrTiO3 (2 nm)"
    assert [x["composition_string"] for x in stack_layers(text)] == ["SrTiO3", "LaAlO3"]
