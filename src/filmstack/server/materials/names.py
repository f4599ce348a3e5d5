"""Name search: one folding of case and accents, identical on SQLite and PostgreSQL.

Names are stored folded too (target_materials.name_folded), and the engines index that column:
SQLite with an FTS5 trigram table kept in sync by triggers, PostgreSQL with a pg_trgm GIN index.
A search term is folded the same way and matched as a substring of the folded name.
"""

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Any

# FTS5's trigram tokenizer can only match terms of three characters or more.
MIN_INDEXED = 3
FTS_TABLE = "target_materials_fts"
TRGM_INDEX = "ix_target_materials_name_folded_trgm"

# FTS5 merges a level of its index's segments as soon as the level holds this many (its own
# setting is 16). Every write adds a segment, and a search looks each trigram of its term up in
# every segment: names written one by one otherwise leave tens of segments to look in. Set by
# migration 0005; a migration that creates the FTS5 table again must set it again.
FTS_CRISISMERGE = 2

# The triggers that keep SQLite's external-content FTS5 table in step with target_materials.
# A migration that rebuilds target_materials (SQLite's batch mode) drops them with the old table
# and must create them again.
FTS_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON target_materials BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, name_folded) VALUES (new.id, new.name_folded); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON target_materials BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name_folded) "
    "VALUES ('delete', old.id, old.name_folded); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF name_folded ON target_materials "
    f"BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name_folded) "
    "VALUES ('delete', old.id, old.name_folded); "
    f"INSERT INTO {FTS_TABLE}(rowid, name_folded) VALUES (new.id, new.name_folded); END",
]


def fold_name(text: str) -> str:
    """Compatibility-decompose, drop combining marks, casefold: "Étude" and "ETUDE" -> "etude"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped.casefold())


def fold_default(context: Any) -> str:
    """Column default for inserts that do not set name_folded (Core bulk inserts included)."""
    return fold_name(context.get_current_parameters()["sample_name"])


def fts_phrase(term: str) -> str:
    """An FTS5 MATCH string for the folded term as one phrase (a substring with trigrams)."""
    return '"' + term.replace('"', '""') + '"'


# Trigrams that nearly every name holds ("run" in "run 1", "run 2", ...) filter nothing out,
# yet the index reads their long lists for every search that has them: a trigram in at least
# this share of a sample of all names is left out of the index lookup, and the whole term is
# checked on the names the lookup found instead. Fewer names than SAMPLE_MIN: nothing is left out.
COMMON_SHARE = 0.25
RARE_SHARE = 0.01
SAMPLE_SIZE = 500
SAMPLE_MIN = 100


def trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


def common_trigrams(names: Sequence[str]) -> frozenset[str]:
    """The trigrams in at least COMMON_SHARE of `names` (folded names, a sample of all)."""
    if len(names) < SAMPLE_MIN:
        return frozenset()
    counts = Counter(t for name in names for t in trigrams(name))
    bar = COMMON_SHARE * len(names)
    return frozenset(t for t, n in counts.items() if n >= bar)


def index_parts(term: str, common: frozenset[str]) -> list[str]:
    """The parts of a folded term that the index looks up: its longest stretches in which no
    trigram is common (three characters or more each, in order); the whole term when it holds
    no common trigram, or nothing else. A name holding the term holds every part."""
    parts: list[str] = []
    start: int | None = None
    for i in range(len(term) - 1):  # trigram i is term[i:i+3]; the last i only ends a stretch
        if i < len(term) - 2 and term[i : i + 3] not in common:
            if start is None:
                start = i
        elif start is not None:
            parts.append(term[start : i + 2])
            start = None
    return parts if parts and parts != [term] else [term]


_WORD = re.compile(r"[^\W_]{3,}")  # letters and digits, three or more


def trgm_words(parts: list[str]) -> list[str]:
    """What pg_trgm looks up for `parts`: their words of three characters or more. pg_trgm
    pads a word that starts or ends inside a pattern with blanks ("  4" for "n 4242"), and such
    a trigram is in every name with a word that starts alike; the words alone leave it out.
    The parts themselves when they hold no such word."""
    return [word for part in parts for word in _WORD.findall(part)] or parts


class NameSample:
    """Folded names sampled from all of a database's names, and their common trigrams."""

    def __init__(self, names: Sequence[str] = ()) -> None:
        self.names = tuple(names)
        self.common = common_trigrams(names)
        self._parts: dict[str, list[str]] = {}

    def index_parts(self, term: str) -> list[str]:
        """index_parts, when what they look up is rare: fewer than RARE_SHARE of the sampled
        names hold every part. A lookup as common as that finds a page's worth early in id
        order, and the database's own statistics of the whole term are what choose that walk
        over the index; the parts alone could also find many names the term does not."""
        parts = self._parts.get(term)
        if parts is None:
            parts = index_parts(term, self.common)
            held = sum(1 for name in self.names if all(part in name for part in parts))
            if held >= RARE_SHARE * len(self.names):
                parts = [term]
            if len(self._parts) >= 1000:
                self._parts.clear()
            self._parts[term] = parts
        return parts
