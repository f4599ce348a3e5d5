"""Known epitaxial pairs: nominal mismatch, rotation and sign, within ±0.3 percentage points.

The convention is mismatch = 100 × (d_below − d_film) / d_film (negative: the film is
compressed). Papers often quote (a_film − a_substrate) / a_substrate instead; where they do,
the figure they quote is given with its conversion.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from filmstack.epitaxy import LayerSpec, StackSpec, epitaxy_report


@dataclass(frozen=True)
class Pair:
    film: str
    film_orientation: str
    below: str
    below_orientation: str
    mismatch: float
    rotation: float
    strain: str
    source: str


PAIRS = [
    Pair(
        "BaTiO3", "(001)", "SrTiO3", "(001)", -2.2, 0, "compressive",
        # The worked example of the epitaxy docs: 100 × (3.905 − 3.992) / 3.992; with the
        # ICDD 05-0626 cell (a = 3.994 Å) −2.23 %.
        "docs/epitaxy.md worked example",
    ),
    Pair(
        "SrTiO3", "(001)", "Si", "(001)", -1.7, 45, "compressive",
        # McKee, Walker & Chisholm, Phys. Rev. Lett. 81, 3014 (1998): SrTiO3 grows on Si(001)
        # rotated 45° (SrTiO3 [100] || Si [110]); 3.905 Å on a_Si/√2 = 3.840 Å.
        "McKee et al., PRL 81, 3014 (1998)",
    ),
    Pair(
        "GaAs", "(001)", "Si", "(001)", -3.93, 0, "compressive",
        # The "4.1 %" GaAs/Si misfit, (a_GaAs − a_Si)/a_Si with the Vurgaftman (2001) and
        # Ioffe constants, is −3.93 % in the film convention.
        "Vurgaftman et al., J. Appl. Phys. 89, 5815 (2001); 4.1 % in the substrate convention",
    ),
    Pair(
        "GaP", "(001)", "Si", "(001)", -0.36, 0, "compressive",
        # GaP is the near-lattice-matched III-V on Si: 0.37 % in the substrate convention.
        "Vurgaftman et al. (2001) constants; 0.37 % GaP/Si misfit",
    ),
    Pair(
        "TiN", "(001)", "MgO", "(001)", -0.7, 0, "compressive",
        # Rock-salt nitride on rock-salt oxide, cube on cube: ICDD 38-1420 (TiN) on 45-0946.
        "ICDD PDF 00-038-1420 and 00-045-0946; the 0.7 % TiN/MgO misfit",
    ),
    Pair(
        "Fe", "(001)", "MgO", "(001)", 3.8, 45, "tensile",
        # Fe(001)[100] || MgO(001)[110], the Fe/MgO/Fe tunnel-junction epitaxy of Yuasa et al.,
        # Nature Mater. 3, 868 (2004): √2 × 2.867 Å on 4.211 Å, about 3.8 %.
        "Yuasa et al., Nature Mater. 3, 868 (2004)",
    ),
    Pair(
        "GaN", "(0001)", "Al2O3", "(0001)", -13.9, 30, "compressive",
        # GaN on c-plane sapphire turns 30°: the "16 %" misfit, (a_GaN − a_s/√3)/(a_s/√3),
        # is −13.9 % in the film convention.
        "the 16 % GaN/sapphire misfit (substrate convention), 30° rotation",
    ),
    Pair(
        "ZnO", "(0001)", "GaN", "(0001)", -1.9, 0, "compressive",
        # Özgür et al., J. Appl. Phys. 98, 041301 (2005): ZnO and GaN differ by 1.8 %.
        "Özgür et al., J. Appl. Phys. 98, 041301 (2005)",
    ),
    Pair(
        "GaN", "(0001)", "6H-SiC", "(0001)", -3.4, 0, "compressive",
        # The 3.5 % GaN/6H-SiC misfit (substrate convention) is −3.4 % for the film.
        "Vurgaftman et al. (2001) and Ioffe SiC constants; 3.5 % GaN/SiC misfit",
    ),
    Pair(
        "Pt", "(111)", "Al2O3", "(0001)", -1.0, 30, "compressive",
        # Pt(111) on c-sapphire, √3 × a/√2 = 4.806 Å on 4.758 Å with a 30° rotation.
        "King (CRC) Pt and ICDD 10-0173 sapphire constants",
    ),
    Pair(
        "LaAlO3", "(001)", "SrTiO3", "(001)", 3.0, 0, "tensile",
        # The LaAlO3/SrTiO3 interface: a_pc 3.79 Å on 3.905 Å, 3 % tensile.
        "ICDD 31-0022 (LaAlO3) and 35-0734 (SrTiO3)",
    ),
    Pair(
        "SrRuO3", "(001)", "DyScO3", "(110)", 0.4, 0, "tensile",
        # SrRuO3 (a_pc ≈ 3.93 Å) on DyScO3(110) (≈ 3.944 Å): slightly tensile.
        "Jones et al., Acta Cryst. C45, 365 (1989); Schlom et al., J. Am. Ceram. Soc. 91, 2429",
    ),
    Pair(
        "SrTiO3", "(001)", "MgO", "(001)", 7.8, 0, "tensile",
        # Cube on cube, 3.905 Å on 4.211 Å: the 7.9 % SrTiO3/MgO misfit.
        "ICDD 35-0734 and 45-0946",
    ),
]  # fmt: skip


def _report(pair: Pair) -> dict[str, object]:
    stack = StackSpec(
        LayerSpec(pair.below, pair.below_orientation),
        (LayerSpec(pair.film, pair.film_orientation),),
    )
    (entry,) = epitaxy_report(stack)
    return entry


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p.film}{p.film_orientation}/{p.below}")
def test_literature_pairs(pair: Pair) -> None:
    entry = _report(pair)
    assert entry["status"] == "ok", entry["reason"]
    assert entry["relationship"] == "usual"
    assert entry["mismatch_percent"] == pytest.approx(pair.mismatch, abs=0.3), pair.source
    assert entry["rotation_deg"] == pytest.approx(pair.rotation, abs=0.5)
    assert entry["strain"] == pair.strain


def test_the_headline_spacings_give_the_mismatch() -> None:
    entry = _report(PAIRS[1])  # SrTiO3 on Si, 45°
    film, below = entry["film_spacing_angstrom"], entry["below_spacing_angstrom"]
    assert isinstance(film, float) and isinstance(below, float)
    assert film == pytest.approx(3.905)
    assert below == pytest.approx(5.431 / 2**0.5, abs=1e-3)
    assert entry["mismatch_percent"] == pytest.approx(100 * (below - film) / film, abs=1e-3)
    assert entry["in_plane_relationship"] == "[100] || [110]"


def test_the_30_degree_relationship_is_named_in_four_indices() -> None:
    entry = _report(PAIRS[6])  # GaN on sapphire
    assert entry["in_plane_relationship"] == "[11-20] || [10-10]"
    assert entry["supercell"] == {
        "film_multiple": 3,
        "below_multiple": 1,
        "film_vectors": entry["supercell"]["film_vectors"],  # type: ignore[index]
        "below_vectors": entry["supercell"]["below_vectors"],  # type: ignore[index]
    }


def test_an_anisotropic_substrate_gives_both_directions_and_the_larger_as_headline() -> None:
    stack = StackSpec(LayerSpec("SrTiO3", "(001)"), (LayerSpec("YBa2Cu3O7", "(001)"),))
    (entry,) = epitaxy_report(stack)
    directions = entry["directions"]
    assert isinstance(directions, list) and len(directions) == 2
    misfits = sorted(abs(d["mismatch_percent"]) for d in directions)
    # a = 3.82 Å and b = 3.89 Å on 3.905 Å (Jorgensen et al., PRB 41, 1863 (1990)).
    assert misfits == [pytest.approx(0.39, abs=0.02), pytest.approx(2.23, abs=0.02)]
    assert abs(entry["mismatch_percent"]) == misfits[1]
