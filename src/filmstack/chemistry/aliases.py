"""Lab abbreviations for common film and substrate materials, resolved before parsing.

Abbreviations parse as wrong formulas (``STO`` would read as S, H, O), so they are looked up
first. Acronyms match exactly as typed or all-lowercase (``sto``), never case-folded otherwise:
``YbCo`` is a real formula and must not become ``YBCO``.
"""

from __future__ import annotations

from .errors import ChemistryError

# Alias -> formula. Where a name covers a range, the composition most labs mean is chosen and
# recorded here so the choice is visible.
ALIASES: dict[str, str] = {
    "STO": "SrTiO3",
    "BTO": "BaTiO3",
    "PTO": "PbTiO3",
    "LAO": "LaAlO3",
    "LSMO": "La0.7Sr0.3MnO3",
    "LSAT": "(LaAlO3)0.3(Sr2TaAlO6)0.7",
    "YBCO": "YBa2Cu3O7",
    "Y123": "YBa2Cu3O7",
    "Bi2212": "Bi2Sr2CaCu2O8",
    "Bi2223": "Bi2Sr2Ca2Cu3O10",
    "BFO": "BiFeO3",
    "KTO": "KTaO3",
    "DSO": "DyScO3",
    "GSO": "GdScO3",
    "TSO": "TbScO3",
    "NSO": "NdScO3",
    "SSO": "SmScO3",
    "NGO": "NdGaO3",
    "YAO": "YAlO3",
    "SRO": "SrRuO3",
    "YIG": "Y3Fe5O12",
    "GGG": "Gd3Ga5O12",
    "IGZO": "InGaZnO4",
    # 8 mol% Y2O3 ("8YSZ"), the usual substrate and electrolyte composition.
    "YSZ": "(ZrO2)0.92(Y2O3)0.08",
    "sapphire": "Al2O3",
    "spinel": "MgAl2O4",
    "quartz": "SiO2",
}

# Abbreviations used for more than one material: refused, listing the choices.
AMBIGUOUS: dict[str, tuple[str, ...]] = {
    "LNO": ("LaNiO3", "LiNbO3"),
    "LCO": ("LaCoO3", "LiCoO2", "La2CuO4"),
    "LTO": ("LaTiO3", "LiTaO3", "Li4Ti5O12"),
    "BSCCO": ("Bi2Sr2CuO6", "Bi2Sr2CaCu2O8", "Bi2Sr2Ca2Cu3O10"),
}

# Names of a composition range rather than one composition: refused, with an example.
FAMILIES: dict[str, tuple[str, str]] = {
    "PZT": ("Pb(Zr,Ti)O3", "PbZr0.52Ti0.48O3"),
    "BST": ("(Ba,Sr)TiO3", "Ba0.6Sr0.4TiO3"),
    "ITO": ("tin-doped In2O3", "In1.8Sn0.2O3"),
    "LSCO": ("La2-xSrxCuO4 or La1-xSrxCoO3", "La1.85Sr0.15CuO4"),
    "PMN-PT": ("Pb(Mg1/3Nb2/3)O3-PbTiO3", "(PbMg1/3Nb2/3O3)0.7(PbTiO3)0.3"),
}

_WORDS = {key.lower(): key for key in (*ALIASES, *AMBIGUOUS, *FAMILIES)}


def _lookup_key(text: str) -> str | None:
    if text in ALIASES or text in AMBIGUOUS or text in FAMILIES:
        return text
    if text.islower() or (text.istitle() and text.lower() in {"sapphire", "spinel", "quartz"}):
        return _WORDS.get(text.lower())
    return None


def resolve_alias(text: str) -> str | None:
    """The formula an abbreviation stands for, ``None`` if ``text`` is not one.

    Raises ``ChemistryError`` for ambiguous abbreviations and for names of composition ranges.
    """
    key = _lookup_key(text)
    if key is None:
        return None
    if key in AMBIGUOUS:
        choices = AMBIGUOUS[key]
        listed = ", ".join(f"`{c}`" for c in choices[:-1]) + f" or `{choices[-1]}`"
        raise ChemistryError(
            f"`{text}` is ambiguous: it can mean {listed}; write the formula you mean",
            text=text,
        )
    if key in FAMILIES:
        family, example = FAMILIES[key]
        raise ChemistryError(
            f"`{text}` names a range of compositions ({family}), not one composition; "
            f"write the formula with numbers, e.g. `{example}`",
            text=text,
            fix=example,
        )
    return ALIASES[key]
