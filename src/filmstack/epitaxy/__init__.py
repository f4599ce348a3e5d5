"""Epitaxy: lattice data, surface meshes, mismatch, strain and critical thickness of a stack.

Pure code like :mod:`filmstack.chemistry` (no web, database or network imports): usable from a
notebook. The built-in lattice table is the data file ``data/lattices.csv`` shipped in the
package, every row with its source.
"""

from .lattices import Lattice, LatticeError, LatticeRow, builtin_rows, make_lattice
from .lookup import Found, LatticeIndex, NotFound, find_lattice
from .meshes import Mesh, Unsupported, surface_mesh
from .relations import check_relationship
from .report import epitaxy_report, unit_cell_thickness_nm
from .stacks import LayerSpec, StackSpec, stack_from_layers, stack_from_parsed
from .thickness import critical_thickness, unit_cell_height_nm

__all__ = [
    "Found",
    "Lattice",
    "LatticeError",
    "LatticeIndex",
    "LatticeRow",
    "LayerSpec",
    "Mesh",
    "NotFound",
    "StackSpec",
    "Unsupported",
    "builtin_rows",
    "check_relationship",
    "critical_thickness",
    "epitaxy_report",
    "find_lattice",
    "make_lattice",
    "stack_from_layers",
    "stack_from_parsed",
    "surface_mesh",
    "unit_cell_height_nm",
    "unit_cell_thickness_nm",
]
