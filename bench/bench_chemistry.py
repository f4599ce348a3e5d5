"""Chemistry micro-benchmark: microseconds per call over a realistic corpus.

Run by hand, never as a timed test:

    .venv/bin/python bench/bench_chemistry.py [--rounds N]

Each parser is warmed up (imports, the space-group table) before timing; the figure is the best
of several rounds, divided by the corpus size, so it is per call and as free of noise as a shared
machine allows. Rejections are timed too: malformed input is part of the realistic load.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence

from filmstack.chemistry import (
    ChemistryError,
    parse_formula,
    parse_orientation,
    parse_space_group,
    parse_stack,
)

FORMULAS = [
    "BaTiO3",
    "SrTiO3",
    "STO",
    "LSAT",
    "Ba0.5Sr0.5TiO3",
    "La0.7Sr0.3MnO3",
    "La2/3Sr1/3MnO3",
    "(LaAlO3)0.3(Sr2TaAlO6)0.7",
    "PbZr0.52Ti0.48O3",
    "YBa2Cu3O7",
    "Bi2Sr2CaCu2O8",
    "Y3Fe5O12",
    "Gd3Ga5O12",
    "MgAl2O4",
    "NiFe2O4",
    "Al0.3Ga0.7N",
    "In0.53Ga0.47As",
    "GaN",
    "β-Ga2O3",
    "4H-SiC",
    "MoS2",
    "WSe2",
    "CuSO4·5H2O",
    "BaTiO₃",
    # rejected
    "YBa2Cu3O7-x",
    "CuSO4.5H2O",
    "Xx2",
    "Ba1e3",
]

SPACE_GROUPS: list[str | int] = [
    "P4mm",
    "P 4 m m",
    99,
    "Pm-3m",
    "Pm3m",
    "P6_3mc",
    "P63mc",
    "P6₃mc",
    "Fm−3m",
    "R-3m:H",
    "C2/m",
    "P2_1/c",
    "P21/c",
    "P2/m2/m2/m",
    "Pbnm",
    "Pnma",
    "Ia-3d",
    "Fd-3m",
    "221",
    # rejected
    "Q99",
    "p4mm",
]

ORIENTATIONS = [
    "(001)",
    "001",
    "[110]",
    "{111}",
    "<100>",
    "1 1 1",
    "1,1,0",
    "-1 1 1",
    "(1̄11)",
    "(11-20)",
    "0001",
    "(10-10)",
    "(0 0 12)",
    "c-plane",
    "r-plane",
    # rejected
    "(000)",
    "0012",
    "abc",
]

STACKS = [
    "BaTiO3 on SrTiO3 on Si",
    "10 nm LaAlO3 / SrTiO3(001)",
    "SrRuO3 (20 nm) / SrTiO3 (001)",
    "Pt/Ti/SiO2/Si",
    "La2/3Sr1/3MnO3/SrTiO3(001)",
    "GaN/Al2O3(0001)",
    "5 u.c. LaAlO3 on SrTiO3 (001)",
    "LAO/STO",
    "BTO || STO",
    "[LaAlO3/SrTiO3]x10 on Si",
    "10 nm BaTiO3 (001) / SrTiO3 on Si",
    "β-Ga2O3 on c-plane sapphire",
    "YBa2Cu3O7 (100 nm) / LaAlO3 (001)",
    # rejected
    "Xx2/Si",
]

# Not part of the realistic corpus: the largest stack text accepted (2000 characters, 352
# distinct layers), to show that even the worst legal input stays in milliseconds.
WORST_STACK = "/".join(f"Ba{i}" for i in range(1, 400))[:2000].rstrip("/")


def _per_call(func: Callable[..., object], corpus: Sequence[object], rounds: int) -> float:
    """Best-of-rounds microseconds per call, rejections included."""

    def one_pass() -> None:
        for item in corpus:
            with contextlib.suppress(ChemistryError):
                func(item)

    one_pass()  # warm-up: lazy imports, the space-group table, regex caches
    loops = max(1, 2000 // len(corpus))
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(loops):
            one_pass()
        timings.append((time.perf_counter() - start) / (loops * len(corpus)))
    return min(timings) * 1e6


def _worst_stack_ms(rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        parse_stack(WORST_STACK)
        timings.append(time.perf_counter() - start)
    return min(timings) * 1000


def _import_ms(pycache: str) -> tuple[float, bool]:
    """Import time of filmstack.chemistry in a fresh interpreter, and whether it was lazy.

    The parent package (the client, httpx, pydantic) is imported first and not counted.
    Bytecode is cached under ``pycache`` (outside the tree), as an installed package would have
    it, even where PYTHONDONTWRITEBYTECODE is set.
    """
    code = (
        "import sys, time, filmstack; t = time.perf_counter(); import filmstack.chemistry; "
        "print(time.perf_counter() - t, any(m.startswith(('pymatgen', 'spglib')) "
        "for m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    command = [sys.executable, "-X", f"pycache_prefix={pycache}", "-c", code]
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    seconds, eager = out.stdout.split()
    return float(seconds) * 1000, eager == "False"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timing rounds (best is kept)")
    args = parser.parse_args(argv)

    cases: list[tuple[str, Callable[..., object], Sequence[object]]] = [
        ("parse_formula", parse_formula, FORMULAS),
        ("parse_space_group", parse_space_group, SPACE_GROUPS),
        ("parse_orientation", parse_orientation, ORIENTATIONS),
        ("parse_stack", parse_stack, STACKS),
    ]
    print(f"{'function':<20} {'corpus':>6} {'µs/call':>9}")
    for name, func, corpus in cases:
        print(f"{name:<20} {len(corpus):>6} {_per_call(func, corpus, args.rounds):>9.1f}")

    print(
        f"\nworst legal stack text (2000 chars, 352 layers): {_worst_stack_ms(5):.1f} ms per call"
    )
    with tempfile.TemporaryDirectory() as pycache:
        _import_ms(pycache)  # compiles the bytecode once
        imports = min(_import_ms(pycache) for _ in range(5))
    lazy = "pymatgen and spglib not imported" if imports[1] else "pymatgen or spglib imported!"
    print(f"import filmstack.chemistry: {imports[0]:.1f} ms ({lazy})")


if __name__ == "__main__":
    main()
