"""docs/chemistry.md shows what the code does: its example tables are checked against it."""

import json
import re
from pathlib import Path

import pytest

from filmstack.chemistry import parse_formula, parse_orientation, parse_space_group

DOC = (Path(__file__).resolve().parents[2] / "docs" / "chemistry.md").read_text(encoding="utf-8")


def _table(heading: str) -> list[list[str]]:
    """The rows (cells as written) of the first table after `heading`."""
    section = DOC[DOC.index(heading) :]
    rows = []
    for line in section.splitlines()[1:]:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
        elif rows:
            break
    return rows[2:]  # without the header and the --- line


def _codes(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


FORMULAS = _table("## Formulas")
SPACE_GROUPS = _table("## Space groups")
ORIENTATIONS = _table("## Orientations")


def test_the_tables_were_found() -> None:
    assert len(FORMULAS) >= 8 and len(SPACE_GROUPS) >= 9 and len(ORIENTATIONS) >= 8


@pytest.mark.parametrize("row", FORMULAS, ids=lambda row: row[0])
def test_formula_rows(row: list[str]) -> None:
    typed = _codes(row[0])[0]
    shown = _codes(row[1])[0]
    if shown.startswith("{"):
        assert parse_formula(typed).element_dict == json.loads(shown)
    else:  # "as `BaTiO3`"
        assert parse_formula(typed).element_dict == parse_formula(shown).element_dict


@pytest.mark.parametrize("row", SPACE_GROUPS, ids=lambda row: row[0])
def test_space_group_rows(row: list[str]) -> None:
    symbol, number = _codes(row[1])[0], int(row[2])
    for typed in _codes(row[0]):
        parsed = parse_space_group(typed)
        assert (parsed.symbol, parsed.number, parsed.input) == (symbol, number, typed)


@pytest.mark.parametrize("row", ORIENTATIONS, ids=lambda row: row[0])
def test_orientation_rows(row: list[str]) -> None:
    typed = _codes(row[0])
    indices = [json.loads(cell) for cell in _codes(row[2])]
    if len(indices) == 1:
        indices *= len(typed)
    elif "…" in row[2]:  # "`[0, 0, 1]`, …, `[1, 1, 1]`, `[1, 1, 0]`": the first ones alike
        indices = [indices[0]] * (len(typed) - len(indices) + 1) + indices[1:]
    assert len(indices) == len(typed), row
    for text, expected in zip(typed, indices, strict=True):
        parsed = parse_orientation(text)
        assert parsed.kind == row[1] and list(parsed.indices) == expected, text
