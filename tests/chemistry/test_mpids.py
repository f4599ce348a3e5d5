"""Materials Project ids: syntax only, letter ids folded to the integer form they stand for."""

from __future__ import annotations

import pytest

from filmstack.chemistry import ChemistryError, normalize_mp_id


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("mp-149", "mp-149"),  # Si
        ("mp-5229", "mp-5229"),  # SrTiO3
        ("mp-2657", "mp-2657"),  # TiO2 (rutile)
        ("mvc-1234", "mvc-1234"),
        ("  mp-149  ", "mp-149"),
        ("mp-lxf", "mp-8039"),  # base 26, a = 0
        ("mp-ft", "mp-149"),
        ("mp-aaaaft", "mp-149"),  # left-padded letter ids name the same integer
        ("mp-hilzd", "mp-3347529"),  # the last id minted as an integer
        ("mp-hilze", "mp-hilze"),  # 3,347,530: a letter id proper, stored as typed
        ("mp-0149", "mp-149"),
    ],
)
def test_material_ids_are_normalized(typed: str, stored: str) -> None:
    assert normalize_mp_id(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message", "fix"),
    [
        ("MP-149", "use `mp-149`", "mp-149"),
        ("Mp-149", "lowercase", "mp-149"),
        ("149", "needs its prefix: write `mp-149`", "mp-149"),
        ("mp-149_GGA_GGA+U", "not a material id; use the material id `mp-149`", "mp-149"),
        ("mp-123-GGA", "thermo or calculation id", "mp-123"),
        ("mp149", "write `mp-149`", "mp-149"),
        ("mp_149", "write `mp-149`", "mp-149"),
        ("https://next-gen.materialsproject.org/materials/mp-149", "alone, `mp-149`", "mp-149"),
        ("mol-123", "not a Materials Project material id", None),
        ("mp-12ab", "not a Materials Project material id", None),
        ("", "empty", None),
        ("mp-" + "1" * 100, "too long", None),
    ],
)
def test_common_mistakes_get_a_fix(typed: str, message: str, fix: str | None) -> None:
    with pytest.raises(ChemistryError, match=message.replace("+", r"\+")) as err:
        normalize_mp_id(typed)
    assert err.value.fix == fix


def test_non_text_is_rejected() -> None:
    with pytest.raises(ChemistryError, match="is text"):
        normalize_mp_id(149)  # type: ignore[arg-type]
