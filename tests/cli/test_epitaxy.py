"""`filmstack epitaxy` and the epitaxy table of `filmstack materials show`."""

import json

from tests.cli.conftest import Invoke


def test_epitaxy_of_stack_text_prints_the_table(cli: Invoke) -> None:
    result = cli("epitaxy", "BaTiO3 (001) 50 nm / SrTiO3 (001)")
    assert result.exit_code == 0, result.output
    assert "-2.23 %" in result.stdout and "compressive" in result.stdout
    assert "past h_c" in result.stdout  # 50 nm is past the critical thickness
    as_json = json.loads(cli("epitaxy", "BaTiO3 (001) 50 nm / SrTiO3 (001)", "--json").stdout)
    assert as_json[0]["mismatch_percent"] == -2.228


def test_epitaxy_offline_needs_no_server(cli: Invoke) -> None:
    result = cli(
        "epitaxy",
        "--offline",
        "GaN / Al2O3 (0001)",
        env={"FILMSTACK_ENDPOINT": "http://0.0.0.0:9/"},
    )
    assert result.exit_code == 0, result.output
    assert "30°" in result.stdout and "-13.86 %" in result.stdout


def test_a_bad_stack_is_one_line_on_stderr(cli: Invoke) -> None:
    result = cli("epitaxy", "--offline", "BaTiO3 / Xx2")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: stack:") and "Xx2" in result.stderr


def test_show_prints_the_epitaxy_table(cli: Invoke) -> None:
    created = cli(
        "materials", "create", "--name", "BTO/STO", "--substrate", "SrTiO3",
        "--stack", "BaTiO3 (001) (50 nm)",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    material_id = created.stdout.strip()
    stored = cli("epitaxy", material_id)
    assert stored.exit_code == 0, stored.output
    assert "unknown" in stored.stdout  # no substrate orientation given
    result = cli("materials", "show", material_id)
    assert result.exit_code == 0, result.output
    assert "epitaxy" in result.stdout and "substrate_orientation" in result.stdout
