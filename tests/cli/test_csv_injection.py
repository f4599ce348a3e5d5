"""CSV cells a spreadsheet would run are neutralised on export; import restores them exactly."""

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filmstack import Client
from filmstack.cli.importer import neutralise_cell, restore_cell, write_export
from tests.cli.conftest import Invoke, runner_for
from tests.cli.test_importer import populate, stored
from tests.client.serving import Served
from tests.conftest import Keys, ServerThread

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

HOSTILE: list[dict[str, Any]] = [
    {
        "sample": {"sample_name": '=HYPERLINK("http://x.invalid","click")', "substrate": "Si"},
        "layers": [{"layer_id": 1, "composition_string": "SrTiO3"}],
    },
    {"sample": {"sample_name": "+1+1", "substrate": "-Si"}, "layers": []},
    {
        "sample": {"sample_name": "@SUM(A1:A9)", "substrate": "Si"},
        "layers": [],
        "detail_note_content": "=cmd|' /C calc'!A0",
    },
    {"sample": {"sample_name": "'=already quoted", "substrate": "''"}, "layers": []},
    {"sample": {"sample_name": "'plain apostrophe", "substrate": "'"}, "layers": []},
    {
        "sample": {"sample_name": "-5", "substrate": "Si"},
        "layers": [],
        "detail_note_content": "\tindented\r\nnote",
    },
]


@given(st.text())
def test_neutralising_is_exactly_reversed(cell: str) -> None:
    safe = neutralise_cell(cell)
    assert not safe.startswith(TRIGGERS)
    assert restore_cell(safe) == cell


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),
        ("'x", "'x"),
        ("x=1", "x=1"),
        ("", ""),
    ],
)
def test_cells_are_written_as_owasp_advises(cell: str, written: str) -> None:
    assert neutralise_cell(cell) == written


def test_csv_export_neutralises_and_json_exports_do_not() -> None:
    bodies = [{**b, "layers": b["layers"]} for b in HOSTILE]
    out = io.StringIO()
    write_export(bodies, out, "csv")
    for row in list(csv.reader(io.StringIO(out.getvalue())))[1:]:
        assert all(not cell.startswith(TRIGGERS) for cell in row), row
    for fmt in ("json", "jsonl"):
        text = io.StringIO()
        write_export(bodies, text, fmt)
        assert '"sample_name":"=HYPERLINK' in text.getvalue()
        assert "'=HYPERLINK" not in text.getvalue()


def test_csv_export_then_import_restores_every_cell(
    cli: Invoke, server: ServerThread, keys: Keys, served: Served, tmp_path: Path
) -> None:
    with Client(keys.writer, server.url) as source:
        populate(source, HOSTILE)
        original = stored(source)
    exported = tmp_path / "export.csv"
    assert cli("materials", "export", str(exported)).exit_code == 0
    text = exported.read_text()
    assert "'=HYPERLINK" in text and "'@SUM" in text and "''=already" in text
    key = served.fresh_key()
    target = runner_for(served.url, key)
    result = target("materials", "import", str(exported))
    assert result.exit_code == 0, result.output
    with Client(key, served.url) as copy:
        assert stored(copy) == original
    names = {json.loads(r)["sample_name"] for r in original}
    assert "'plain apostrophe" in names and "-5" in names
