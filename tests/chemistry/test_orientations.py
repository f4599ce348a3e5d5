"""Orientations: the Miller-index grammar of docs/chemistry.md."""

from __future__ import annotations

import pytest

from filmstack.chemistry import ChemistryError, parse_orientation

ACCEPTED = [
    ("(001)", "plane", (0, 0, 1)),
    ("[110]", "direction", (1, 1, 0)),
    ("{111}", "plane_family", (1, 1, 1)),
    ("<100>", "direction_family", (1, 0, 0)),
    ("⟨110⟩", "direction_family", (1, 1, 0)),
    ("001", "plane", (0, 0, 1)),
    ("1 1 1", "plane", (1, 1, 1)),
    ("1,1,0", "plane", (1, 1, 0)),
    ("-1 1 1", "plane", (-1, 1, 1)),
    ("(1̄11)", "plane", (-1, 1, 1)),  # combining overline
    ("(−110)", "plane", (-1, 1, 0)),  # Unicode minus
    ("(11-20)", "plane", (1, 1, -2, 0)),
    ("0001", "plane", (0, 0, 0, 1)),
    ("(10-10)", "plane", (1, 0, -1, 0)),
    ("(0 0 12)", "plane", (0, 0, 12)),
    ("[2-1-10]", "direction", (2, -1, -1, 0)),  # four-index direction, t = -(u+v)
    ("(1-102)", "plane", (1, -1, 0, 2)),
    ("( 1, -1, 0 )", "plane", (1, -1, 0)),
    ("(111)", "plane", (1, 1, 1)),  # Si(111), Pt(111)
    ("(110)", "plane", (1, 1, 0)),  # DyScO3(110)
    ("  (001)  ", "plane", (0, 0, 1)),
]

NAMED = [
    ("c-plane", (0, 0, 0, 1)),
    ("a-plane", (1, 1, -2, 0)),
    ("m-plane", (1, 0, -1, 0)),
    ("r-plane", (1, -1, 0, 2)),
    ("C plane", (0, 0, 0, 1)),
]


@pytest.mark.parametrize(("typed", "kind", "indices"), ACCEPTED)
def test_notations_parse_to_kind_and_indices(
    typed: str, kind: str, indices: tuple[int, ...]
) -> None:
    orientation = parse_orientation(typed)
    assert (orientation.kind, orientation.indices) == (kind, indices)
    assert orientation.text == typed.strip()


@pytest.mark.parametrize(("name", "indices"), NAMED)
def test_named_planes_resolve(name: str, indices: tuple[int, ...]) -> None:
    orientation = parse_orientation(name)
    assert (orientation.text, orientation.kind, orientation.indices) == (name, "plane", indices)


def test_as_dict_is_the_orientation_indices_extension_field() -> None:
    assert parse_orientation("(11-20)").as_dict() == {"kind": "plane", "indices": [1, 1, -2, 0]}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("(000)", "all zeros"),
        ("(001", "not closed"),
        ("001)", "closes nothing"),
        ("[001)", "not closed"),
        ("((001))", "unexpected `\\(`"),
        ("(1 1 1 1 1)", "5 indices"),
        ("(1 2)", "2 indices"),
        ("0012", "i must be −\\(h\\+k\\) = 0, not 1; multi-digit indices need separators"),
        ("abc", "not a list of integer indices"),
        ("[1.5 0 0]", "`1.5` is not an integer index"),
        ("(0 0 1000)", "over 999"),
        ("", "empty"),
        ("(" + "1 " * 40 + ")", "too long"),
    ],
)
def test_malformed_orientations_are_rejected(typed: str, message: str) -> None:
    with pytest.raises(ChemistryError, match=message):
        parse_orientation(typed)


@pytest.mark.parametrize(
    ("typed", "expected_i", "fix"),
    [("(1120)", -2, "(11-20)"), ("(10-20)", -1, None), ("[2110]", -3, None)],
)
def test_four_index_check_names_the_expected_i(
    typed: str, expected_i: int, fix: str | None
) -> None:
    with pytest.raises(ChemistryError, match=f"= {expected_i}, not") as err:
        parse_orientation(typed)
    assert err.value.fix == fix


def test_non_text_is_rejected() -> None:
    with pytest.raises(ChemistryError, match="must be text"):
        parse_orientation(1)  # type: ignore[arg-type]


def test_parsing_is_cached_and_errors_are_raised_each_time() -> None:
    assert parse_orientation("(001)") is parse_orientation(" (001) ")  # one frozen answer
    first = parse_orientation("(001)").as_dict()
    first["indices"].append(9)  # a caller's dict is its own
    assert parse_orientation("(001)").as_dict() == {"kind": "plane", "indices": [0, 0, 1]}
    for _ in range(2):
        with pytest.raises(ChemistryError):
            parse_orientation("(00")
