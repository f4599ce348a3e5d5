"""Pure materials logic: formulas, space groups, orientations, MP ids and stack text.

No web, database or I/O imports, and nothing else of filmstack: usable from a notebook alone.
pymatgen is imported lazily, on the first formula parsed.
"""

from .errors import ChemistryError
from .formulas import Formula, check_element_dict, parse_formula

__all__ = [
    "ChemistryError",
    "Formula",
    "check_element_dict",
    "parse_formula",
]
