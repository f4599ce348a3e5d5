"""Pure materials logic: formulas, space groups, orientations, MP ids and stack text.

No web, database or I/O imports, and nothing else of filmstack: usable from a notebook alone.
pymatgen and spglib are imported lazily, on first use.
"""

from .errors import ChemistryError
from .formulas import Formula, check_element_dict, parse_formula
from .mpids import normalize_mp_id
from .orientations import Orientation, parse_orientation
from .spacegroups import SpaceGroup, parse_space_group
from .stacks import (
    ParsedLayer,
    ParsedStack,
    Repeat,
    format_stack,
    parse_stack,
    stack_to_create_body,
)

__all__ = [
    "ChemistryError",
    "Formula",
    "Orientation",
    "ParsedLayer",
    "ParsedStack",
    "Repeat",
    "SpaceGroup",
    "check_element_dict",
    "format_stack",
    "normalize_mp_id",
    "parse_formula",
    "parse_orientation",
    "parse_space_group",
    "parse_stack",
    "stack_to_create_body",
]
