"""The stylesheet parses as a browser would read it: a lost brace swallows every rule after it."""

import re
from pathlib import Path

STATIC = Path(__file__).parents[2] / "src" / "filmstack" / "server" / "web" / "static"


def test_every_block_of_the_stylesheet_is_closed() -> None:
    text = re.sub(r"/\*.*?\*/", "", (STATIC / "app.css").read_text(), flags=re.S)
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"app.css closes a block it never opened at line {number}"
    assert depth == 0, "app.css leaves a block open: every rule after it is ignored"
