"""Space groups: every spelling in docs/chemistry.md, the standard setting, and rejections."""

from __future__ import annotations

import warnings

import pytest
import spglib

from filmstack.chemistry import ChemistryError, parse_space_group

SPEC_SPELLINGS: list[tuple[str | int, str, int]] = [
    ("P4mm", "P4mm", 99),
    ("P 4 m m", "P4mm", 99),
    ("99", "P4mm", 99),
    (99, "P4mm", 99),
    ("Pm-3m", "Pm-3m", 221),
    ("Pm3m", "Pm-3m", 221),
    ("P6_3mc", "P6_3mc", 186),
    ("P63mc", "P6_3mc", 186),
    ("P6₃mc", "P6_3mc", 186),
    ("Fm−3m", "Fm-3m", 225),
    ("R-3m:H", "R-3m", 166),
    ("C2/m", "C2/m", 12),
    ("P2_1/c", "P2_1/c", 14),
    ("P21/c", "P2_1/c", 14),
    ("P2/m2/m2/m", "Pmmm", 47),
]

LITERATURE: list[tuple[str | int, str, int]] = [
    ("Pnma", "Pnma", 62),  # orthorhombic perovskites (GdScO3, NdGaO3)
    ("Pbnm", "Pnma", 62),  # the same group in the setting most perovskite papers use
    ("R-3c", "R-3c", 167),  # sapphire, LaAlO3 at room temperature
    ("R3c", "R3c", 161),  # BiFeO3
    ("P4/mmm", "P4/mmm", 123),  # YBa2Cu3O6
    ("Pmmm", "Pmmm", 47),  # YBa2Cu3O7
    ("I4/mmm", "I4/mmm", 139),  # Bi2Sr2CaCu2O8
    ("P6_3/mmc", "P6_3/mmc", 194),  # 2H-MoS2, WSe2
    ("P 63/m m c", "P6_3/mmc", 194),
    ("F-43m", "F-43m", 216),  # zinc blende GaAs, InGaAs
    ("Fd-3m", "Fd-3m", 227),  # spinels MgAl2O4, NiFe2O4; Si
    ("Fd3m", "Fd-3m", 227),
    ("Fd-3m:2", "Fd-3m", 227),
    ("Ia-3d", "Ia-3d", 230),  # garnets Y3Fe5O12, Gd3Ga5O12
    ("Ia3d", "Ia-3d", 230),
    ("C2/m", "C2/m", 12),  # β-Ga2O3
    ("R-3m:R", "R-3m", 166),
    ("Pm3̄m", "Pm-3m", 221),  # combining overline
    ("P 1 21/c 1", "P2_1/c", 14),  # full symbol, unique axis b
    ("P 1 2_1/n 1", "P2_1/c", 14),  # another cell choice
    ("  P4mm  ", "P4mm", 99),
]


@pytest.mark.parametrize(("typed", "symbol", "number"), SPEC_SPELLINGS + LITERATURE)
def test_spellings_resolve_to_the_standard_short_symbol(
    typed: str | int, symbol: str, number: int
) -> None:
    group = parse_space_group(typed)
    assert (group.symbol, group.number) == (symbol, number)
    assert group.input == str(typed).strip()


def test_non_standard_setting_is_kept_as_typed() -> None:
    group = parse_space_group("Pbnm")
    assert (group.symbol, group.number, group.input) == ("Pnma", 62, "Pbnm")


def test_every_number_round_trips_through_its_symbol() -> None:
    for number in range(1, 231):
        by_number = parse_space_group(number)
        assert parse_space_group(by_number.symbol).number == number


def test_every_hall_setting_spelling_is_understood() -> None:
    for hall in range(1, 531):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # spglib's legacy-error notice
            sg = spglib.get_spacegroup_type(hall)
        assert sg is not None
        for spelling in (sg.international_short, sg.international_full):
            assert parse_space_group(spelling).number == sg.number, (hall, spelling)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Q99", "lattice letters"),
        (0, "1 to 230"),
        ("0", "1 to 230"),
        ("231", "1 to 230"),
        (231, "1 to 230"),
        (-5, "1 to 230"),
        ("p4mm", "plane-group"),
        ("", "empty"),
        ("P4xx", "not the symbol"),
        ("R3m3", "not the symbol"),
        ("Pnma:H", "no setting"),
        (":H", "lattice letters"),
        ("P4mm!", "not the symbol"),
        ("P" * 41, "too long"),
        (True, "not True"),
        (3.0, "not 3.0"),
    ],
)
def test_nonsense_is_rejected(value: object, message: str) -> None:
    with pytest.raises(ChemistryError, match=message):
        parse_space_group(value)  # type: ignore[arg-type]


def test_plane_group_spelling_suggests_the_capital() -> None:
    with pytest.raises(ChemistryError, match="did you mean `P4mm`") as err:
        parse_space_group("p4mm")
    assert err.value.fix == "P4mm"


def test_near_miss_suggests_a_symbol() -> None:
    with pytest.raises(ChemistryError, match="did you mean `Fm-3m`"):
        parse_space_group("Fm3-m")


def test_symbols_are_cached_and_errors_are_raised_each_time() -> None:
    assert parse_space_group("Pm-3m") is parse_space_group("Pm-3m")
    assert parse_space_group("Pm-3m").input == "Pm-3m"
    assert parse_space_group("P m -3 m").input == "P m -3 m"  # each spelling keeps its own
    for _ in range(2):
        with pytest.raises(ChemistryError):
            parse_space_group("Qx7")
        with pytest.raises(ChemistryError):
            parse_space_group(True)  # type: ignore[arg-type]
