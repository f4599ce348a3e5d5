"""`filmstack materials list/show/create/parse/edit/delete` against a real server."""

import csv
import io
import json
import subprocess
import sys

import pytest
import typer
from typer.main import get_command

from filmstack import Client
from filmstack.cli import app
from tests.cli.conftest import Invoke
from tests.conftest import Keys, ServerThread

BTO_ON_STO = "10 nm BaTiO3 (001) / SrTiO3 (20 nm) on Si"


def create(cli: Invoke, *args: str) -> int:
    result = cli("materials", "create", *args)
    assert result.exit_code == 0, result.output
    return int(result.stdout)


def test_create_from_text_prints_the_id_on_stdout_and_a_message_on_stderr(
    cli: Invoke, server: ServerThread, keys: Keys
) -> None:
    result = cli("materials", "create", "--from-text", BTO_ON_STO, "--note", "first try")
    assert result.exit_code == 0, result.output
    material_id = int(result.stdout)
    assert "created target material" in result.stderr
    with Client(keys.writer, server.url) as fs:
        material = fs.get_target_material(material_id)
    assert material.sample_name == "BaTiO3/SrTiO3 on Si" and material.substrate == "Si"
    assert [(x.layer_id, x.composition_string, x.thickness_nm) for x in material.layers] == [
        (1, "SrTiO3", 20.0),
        (2, "BaTiO3", 10.0),
    ]
    assert material.detail_note_content == "first try"


def test_create_with_name_substrate_and_stack(
    cli: Invoke, server: ServerThread, keys: Keys
) -> None:
    material_id = create(
        cli,
        "--name",
        "LSMO on STO",
        "--substrate",
        "SrTiO3 (001)",
        "--stack",
        "La2/3Sr1/3MnO3 (001) / SRO",
        "--metadata",
        '{"run": 7}',
    )
    with Client(keys.writer, server.url) as fs:
        material = fs.get_target_material(material_id)
    assert material.substrate == "SrTiO3 (001)" and material.sample_metadata == {"run": 7}
    assert [x.composition_string for x in material.layers] == ["SrRuO3", "La2/3Sr1/3MnO3"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stack", "BaTiO3"], "--name and --substrate"),
        (["--name", "x", "--substrate", "Si", "--stack", "Xx2"], "Xx2"),
        (["--from-text", "BaTiO3", "--stack", "Pt"], "not both"),
        (["--from-text", "BaTiO3 on Si", "--metadata", "[1]"], "JSON object"),
        (["--from-text", "BaTiO3 on Si", "--metadata", "{"], "not valid JSON"),
    ],
)
def test_create_refuses_unusable_input_with_exit_code_2(
    cli: Invoke, args: list[str], message: str
) -> None:
    result = cli("materials", "create", *args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stdout == ""


def test_create_reports_the_servers_refusal(cli: Invoke) -> None:
    result = cli("materials", "create", "--from-text", "BaTiO3 on Si", "--name", " ")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: 422") and "--name:" in result.stderr


def test_list_shows_one_line_per_material_with_the_stack_film_first(cli: Invoke) -> None:
    create(cli, "--from-text", BTO_ON_STO, "--name", "bilayer")
    create(cli, "--name", "bare", "--substrate", "MgO", "--stack", "")
    result = cli("materials", "list")
    assert result.exit_code == 0, result.output
    assert "BaTiO3 (001) / SrTiO3" in result.stdout
    assert "bilayer" in result.stdout and "bare" in result.stdout
    assert "2 target materials" in result.stderr


def test_list_as_json_and_csv_gives_the_api_rows(cli: Invoke) -> None:
    material_id = create(cli, "--from-text", BTO_ON_STO)
    rows = json.loads(cli("materials", "list", "--json").stdout)
    assert [(r["sample_id"], r["layer_id"]) for r in rows] == [(material_id, 1), (material_id, 2)]
    assert rows[1]["element_dict"] == {"Ba": 1, "Ti": 1, "O": 3}
    table = list(csv.DictReader(io.StringIO(cli("materials", "list", "--csv").stdout)))
    assert [r["composition_string"] for r in table] == ["SrTiO3", "BaTiO3"]
    assert json.loads(table[1]["element_dict"]) == {"Ba": 1, "Ti": 1, "O": 3}
    assert cli("materials", "list", "--json", "--csv").exit_code == 2


def test_list_filters(cli: Invoke) -> None:
    create(cli, "--from-text", "BaTiO3 on SrTiO3", "--name", "ferroelectric")
    create(cli, "--from-text", "Pt on Si", "--name", "electrode")
    by_element = json.loads(cli("materials", "list", "--json", "--element", "Ba").stdout)
    assert {r["sample_name"] for r in by_element} == {"ferroelectric"}
    by_name = json.loads(cli("materials", "list", "--json", "--name", "ELECTRO").stdout)
    assert {r["sample_name"] for r in by_name} == {"electrode"}
    by_substrate = json.loads(cli("materials", "list", "--json", "--substrate", "Si").stdout)
    assert {r["sample_name"] for r in by_substrate} == {"electrode"}
    bad = cli("materials", "list", "--element", "Qq")
    assert bad.exit_code == 1 and "element" in bad.stderr


def test_show_draws_the_stack_with_the_substrate_at_the_bottom(cli: Invoke) -> None:
    material_id = create(cli, "--from-text", BTO_ON_STO, "--metadata", '{"run": 1}')
    result = cli("materials", "show", str(material_id))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    top = next(i for i, line in enumerate(lines) if "BaTiO3 (001)" in line)
    middle = next(i for i, line in enumerate(lines) if "SrTiO3" in line and "nm" in line)
    bottom = next(i for i, line in enumerate(lines) if "(substrate)" in line)
    assert top < middle < bottom
    assert lines[top].split()[0] == "2" and lines[middle].split()[0] == "1"
    assert "10 nm" in lines[top] and "20 nm" in lines[middle] and "Si" in lines[bottom]
    assert '"run": 1' in result.stdout and "revision 1" in result.stdout
    as_json = json.loads(cli("materials", "show", str(material_id), "--json").stdout)
    assert [x["layer_id"] for x in as_json["layers"]] == [1, 2]


def test_show_of_a_missing_material_fails_on_stderr(cli: Invoke) -> None:
    result = cli("materials", "show", "987654")
    assert result.exit_code == 1
    assert result.stdout == "" and result.stderr.startswith("error: 404")


def test_parse_shows_the_layers_and_stores_nothing(cli: Invoke) -> None:
    result = cli("materials", "parse", "5 u.c. LaAlO3 / SrTiO3 (001)")
    assert result.exit_code == 0, result.output
    assert "LaAlO3" in result.stdout and "substrate" in result.stdout and "(001)" in result.stdout
    parsed = json.loads(cli("materials", "parse", "LAO/STO", "--json").stdout)
    assert parsed["material_name"] == "LaAlO3 on SrTiO3"
    assert json.loads(cli("materials", "list", "--json").stdout) == []
    bad = cli("materials", "parse", "BaTiO3 on Xx2")
    assert bad.exit_code == 1 and "Xx2" in bad.stderr


def test_edit_changes_name_substrate_metadata_and_note(
    cli: Invoke, server: ServerThread, keys: Keys
) -> None:
    material_id = create(cli, "--from-text", BTO_ON_STO, "--metadata", '{"a": 1}')
    result = cli(
        "materials",
        "edit",
        str(material_id),
        "--name",
        "renamed",
        "--substrate",
        "MgO",
        "--metadata",
        '{"b": 2}',
        "--note",
        "anneal",
    )
    assert result.exit_code == 0, result.output
    with Client(keys.writer, server.url) as fs:
        material = fs.get_target_material(material_id)
        assert (material.sample_name, material.substrate) == ("renamed", "MgO")
        assert material.sample_metadata == {"b": 2} and material.detail_note_content == "anneal"
        assert len(material.layers) == 2
        assert cli("materials", "edit", str(material_id), "--clear-note").exit_code == 0
        assert fs.get_target_material(material_id).detail_note_content is None
    assert cli("materials", "edit", str(material_id)).exit_code == 2
    assert cli("materials", "edit", str(material_id), "--note", "x", "--clear-note").exit_code == 2


def test_delete_asks_first(cli: Invoke, server: ServerThread, keys: Keys) -> None:
    material_id = create(cli, "--from-text", BTO_ON_STO)
    refused = cli("materials", "delete", str(material_id), input="n\n")
    assert refused.exit_code == 1 and "Delete" in refused.stderr
    with Client(keys.writer, server.url) as fs:
        assert fs.get_target_material(material_id)
    accepted = cli("materials", "delete", str(material_id), input="y\n")
    assert accepted.exit_code == 0, accepted.output
    again = cli("materials", "delete", str(material_id), "--yes")
    assert again.exit_code == 1 and "404" in again.stderr


def test_delete_with_yes_does_not_ask(cli: Invoke) -> None:
    material_id = create(cli, "--from-text", BTO_ON_STO)
    result = cli("materials", "delete", str(material_id), "--yes")
    assert result.exit_code == 0 and "Delete" not in result.stderr
    assert "to the trash" in result.stderr and "filmstack materials restore" in result.stderr


def test_a_read_only_key_cannot_create(server: ServerThread, keys: Keys) -> None:
    from tests.cli.conftest import runner_for

    reader = runner_for(server.url, keys.reader)
    result = reader("materials", "create", "--from-text", "Pt on Si")
    assert result.exit_code == 1 and "403" in result.stderr


def test_an_unreachable_server_is_one_line_on_stderr(keys: Keys) -> None:
    from tests.cli.conftest import runner_for
    from tests.conftest import free_port

    result = runner_for(f"http://127.0.0.1:{free_port()}", keys.writer)("materials", "list")
    assert result.exit_code == 1
    assert result.stderr.startswith("error:") and len(result.stderr.strip().splitlines()) == 1


def _commands(group: typer.Typer) -> list[list[str]]:
    root = get_command(group)
    paths: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(root, [])
    return paths


def test_every_help_has_an_example() -> None:
    from typer.testing import CliRunner

    runner = CliRunner()
    paths = _commands(app)
    assert [] in paths and ["keys", "create"] in paths and ["serve"] in paths
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        example = result.stdout.partition("Example:")[2]
        assert "filmstack " in example, path


def test_help_imports_neither_the_server_nor_pymatgen_nor_pandas() -> None:
    code = (
        "import sys\n"
        "from filmstack.cli import app\n"
        "try:\n    app(['materials', 'import', '--help'])\n"
        "except SystemExit:\n    pass\n"
        "heavy = ('pymatgen', 'fastapi', 'sqlalchemy', 'pandas')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip() == "[]"
