"""Epitaxy benchmark: µs per interface, import cost, and how much of a realistic corpus is judged.

Run by hand, never as a timed test:

    .venv/bin/python bench/bench_epitaxy.py [--rounds N]

The corpus is stacks from the thin-film literature, written as growers write them (film first,
substrate last). "cold" clears every cache before each stack (a material pair never seen); "warm"
repeats the corpus with the caches filled, as a server answering for the same substrates and
films does. Each figure is the best of the rounds, per interface, in CPU time of this process
(``time.process_time``): on a shared machine wall time mostly measures the other processes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import Counter

from filmstack.chemistry import parse_stack
from filmstack.epitaxy import epitaxy_report, stack_from_parsed
from filmstack.epitaxy import report as report_module
from filmstack.epitaxy.coincidence import _cells, sublattices
from filmstack.epitaxy.lookup import _key
from filmstack.epitaxy.matching import _binned, _directions, _usual, pairs
from filmstack.epitaxy.meshes import shortest_translation, surface_mesh

CORPUS = [
    # perovskite oxides
    "BaTiO3 (001) 50 nm / SrTiO3 (001)",
    "10 nm LaAlO3 / SrTiO3(001)",
    "5 u.c. LaAlO3 on SrTiO3 (001)",
    "SrRuO3 (20 nm) / SrTiO3 (001)",
    "BiFeO3 (100 nm) / SrRuO3 (20 nm) / DyScO3 (110)",
    "BaTiO3 (200 nm) / GdScO3 (110)",
    "La0.7Sr0.3MnO3 (30 nm) / SrTiO3 (001)",
    "YBa2Cu3O7 (100 nm) / LaAlO3 (001)",
    "YBa2Cu3O7 (200 nm) / SrTiO3 (001)",
    "PbTiO3 (50 nm) / SrTiO3 (001)",
    "LaAlO3 (10 u.c.) / KTaO3 (001)",
    "SrRuO3 (30 nm) / LSAT (001)",
    "BiFeO3 (50 nm) / SrTiO3 (001)",
    "LaNiO3 (10 nm) / LaAlO3 (001)",
    "[LaAlO3 (5 u.c.) / SrTiO3 (5 u.c.)] x10 / SrTiO3 (001)",
    "[BaTiO3 (4 u.c.) / SrTiO3 (4 u.c.)] x25 / SrRuO3 (20 nm) / SrTiO3 (001)",
    "SrTiO3 (10 nm) / NdGaO3 (110)",
    "LaAlO3 (20 nm) / YAlO3 (110)",
    # oxides on semiconductors
    "SrTiO3 (10 nm) / Si (001)",
    "BaTiO3 (20 nm) / SrTiO3 (5 nm) / Si (001)",
    "YSZ (50 nm) / Si (001)",
    "CeO2 (20 nm) / YSZ (50 nm) / Si (001)",
    # nitrides and hexagonal oxides
    "GaN (2 µm) / Al2O3 (0001)",
    "GaN (1 µm) / AlN (100 nm) / Al2O3 (0001)",
    "GaN (2 µm) / 6H-SiC (0001)",
    "AlN (50 nm) / 4H-SiC (0001)",
    "InN (200 nm) / GaN (1 µm) / Al2O3 (0001)",
    "ZnO (500 nm) / Al2O3 (0001)",
    "ZnO (200 nm) / GaN (0001)",
    "GaN (0001) 1 µm / AlN (100 nm) / Si (111)",
    "β-Ga2O3 (500 nm) / Al2O3 (0001)",
    "Al0.3Ga0.7N (25 nm) / GaN (2 µm) / Al2O3 (0001)",
    # III-V and II-VI
    "GaAs (1 µm) / Si (001)",
    "GaP (50 nm) / Si (001)",
    "Ge (100 nm) / Si (001)",
    "In0.53Ga0.47As (500 nm) / InP (001)",
    "AlAs (100 nm) / GaAs (001)",
    "GaSb (1 µm) / GaAs (001)",
    "InAs (10 nm) / GaSb (001)",
    "CdTe (5 µm) / GaAs (001)",
    "ZnSe (1 µm) / GaAs (001)",
    # metals, nitrides, spinels and rock salts
    "TiN (100 nm) / MgO (001)",
    "Fe (10 nm) / MgO (001)",
    "Fe (10 nm) / MgO (2 nm) / Fe (20 nm) / MgO (001)",
    "Pt (111) 100 nm / Al2O3 (0001)",
    "Pt (100 nm) / Ti (10 nm) / SiO2 / Si",
    "Au (100 nm) / Cr (5 nm) / SiO2 / Si",
    "Cu (100 nm) / Si (001)",
    "Fe3O4 (50 nm) / MgO (001)",
    "CoFe2O4 (50 nm) / MgAl2O4 (001)",
    "NiO (50 nm) / MgO (001)",
    "TiO2 (20 nm) / LaAlO3 (001)",
    "SnO2 (100 nm) / TiO2 (110)",
]


def _clear() -> None:
    for cached in (
        surface_mesh,
        pairs,
        _binned,
        _usual,
        _directions,
        sublattices,
        _cells,
        shortest_translation,
        report_module._geometry,
    ):
        cached.cache_clear()


def _time(stacks: list[object], rounds: int, *, cold: bool) -> float:
    interfaces = sum(len(stack.layers) for stack in stacks)  # type: ignore[attr-defined]
    best = float("inf")
    for _ in range(rounds):
        elapsed = 0.0
        for stack in stacks:
            if cold:
                _clear()
            start = time.process_time()
            epitaxy_report(stack)  # type: ignore[arg-type]
            elapsed += time.process_time() - start
        best = min(best, elapsed)
    return best / interfaces * 1e6


def _in_fresh_process(setup: str, timed: str, rounds: int) -> float:
    """Best wall time of ``timed`` after ``setup``, each round in a new interpreter."""
    code = (
        f"import time\n{setup}\nstart = time.perf_counter()\n{timed}\n"
        "print(time.perf_counter() - start)"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(rounds)
    ]
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    stacks = [stack_from_parsed(parse_stack(text)) for text in CORPUS]
    epitaxy_report(stacks[0])  # the table, pymatgen and spglib, once
    statuses: Counter[str] = Counter()
    full_stacks = 0
    for stack in stacks:
        entries = epitaxy_report(stack)
        statuses.update(entry["status"] for entry in entries)
        full_stacks += all(entry["status"] == "ok" for entry in entries)
    interfaces = sum(statuses.values())

    warm = _time(stacks, args.rounds, cold=False)
    _key.cache_clear()
    cold = _time(stacks, args.rounds, cold=True)

    imported = _in_fresh_process("import filmstack.chemistry", "import filmstack.epitaxy", 5)
    first = _in_fresh_process(
        "from filmstack.epitaxy import LayerSpec, StackSpec, epitaxy_report",
        "epitaxy_report(StackSpec(LayerSpec('SrTiO3', '(001)'), (LayerSpec('BaTiO3'),)))",
        5,
    )

    print(f"corpus: {len(stacks)} stacks, {interfaces} interfaces")
    print(
        f"  full report for every interface: {full_stacks} stacks; interfaces ok "
        f"{statuses['ok']}, unknown {statuses['unknown']}, unsupported {statuses['unsupported']}"
    )
    print(f"µs per interface, warm caches: {warm:.0f}")
    print(f"µs per interface, cold (caches cleared before each stack): {cold:.0f}")
    print(f"import filmstack.epitaxy after filmstack.chemistry: {imported * 1e3:.0f} ms")
    print(f"first report in a fresh process (table, pymatgen, spglib): {first * 1e3:.0f} ms")
    for text, stack in zip(CORPUS, stacks, strict=True):
        for entry in epitaxy_report(stack):
            if entry["status"] != "ok":
                where = f"{text} — layer {entry['layer_id']}"
                print(f"  {entry['status']:>11}: {where}: {entry['reason']}")


if __name__ == "__main__":
    main()
