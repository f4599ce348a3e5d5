"""GET /target-materials/: flattened rows, streamed whole or paged by keyset."""

import base64
import binascii
import random
import time
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Integer,
    Select,
    Table,
    any_,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from filmstack.chemistry.elements import ELEMENT_SYMBOLS
from filmstack.server.accounts.models import User
from filmstack.server.db import Database, DriverQuery
from filmstack.server.errors import InvalidInput
from filmstack.server.materials.models import DetailNote, Layer, MaterialElement, TargetMaterial
from filmstack.server.materials.names import (
    FTS_TABLE,
    MIN_INDEXED,
    SAMPLE_SIZE,
    NameSample,
    fold_name,
    fts_phrase,
    trgm_words,
)
from filmstack.server.materials.serialize import (
    LAYER_MATERIAL_ID,
    LISTED_LAYER,
    LISTED_MATERIAL,
    listed_rows,
)


@dataclass(frozen=True)
class Filters:
    organization_id: int
    substrate: str | None = None
    name: str | None = None
    elements: tuple[str, ...] = field(default_factory=tuple)


def parse_elements(values: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    for raw in values:
        for part in raw.split(","):
            symbol = part.strip()
            symbol = symbol[:1].upper() + symbol[1:].lower()
            if symbol not in ELEMENT_SYMBOLS:
                raise InvalidInput.at(
                    ["query", "element"], f"{part.strip()!r} is not a chemical element symbol", raw
                )
            if symbol not in out:
                out.append(symbol)
    return tuple(out)


def encode_cursor(after_id: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{after_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, value = text.partition(":")
        if version == "v1" and value.isdigit() and int(value) < 2**63:
            return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput.at(
        ["query", "cursor"], "not a cursor this server issued; use the X-Next-Cursor header", cursor
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_FTS = table(FTS_TABLE, column("rowid", Integer))
_FTS_MATCH = literal_column(FTS_TABLE).op("MATCH")
# Core tables: these statements select values, with nothing for the ORM to track.
_MATERIALS = cast(Table, TargetMaterial.__table__)
_LAYERS = cast(Table, Layer.__table__)
_ELEMENTS = cast(Table, MaterialElement.__table__)
_USERS = cast(Table, User.__table__)
_NOTES = cast(Table, DetailNote.__table__)
_NO_SAMPLE = NameSample()  # no name searched: nothing to leave out


def _filtered_ids(
    filters: Filters, dialect: str, after: int | None = None, sample: NameSample = _NO_SAMPLE
) -> Select[int]:
    """Material ids matching the filters, in id order, after `after` when paging.

    Element search walks the element index in its own order, so a page reads only as many
    index entries as it returns (sorting by the materials table would read every match). On
    SQLite a name search of three characters or more walks the FTS5 trigram index the same way,
    in rowid order; on PostgreSQL the planner chooses between the pg_trgm index and the id order.
    The index looks up a rare term without the trigrams common in the `sample` of names
    (NameSample.index_parts); the names it finds are then checked for the whole term.
    """
    m = _MATERIALS.c
    term = fold_name(filters.name) if filters.name else ""
    parts = sample.index_parts(term)
    use_fts = dialect == "sqlite" and len(term) >= MIN_INDEXED and not filters.elements
    key: Any
    if use_fts:
        key = _FTS.c.rowid
        query = (
            select(key)
            .join(_MATERIALS, m.id == key)
            .where(
                _FTS_MATCH(" AND ".join(fts_phrase(part) for part in parts)),
                m.organization_id == filters.organization_id,
                m.deleted_at.is_(None),
            )
        )
    elif filters.elements:
        first, *rest = filters.elements
        e0 = _ELEMENTS.alias("e0")
        key = e0.c.target_material_id
        query = select(key).where(
            e0.c.organization_id == filters.organization_id, e0.c.element == first
        )
        for n, symbol in enumerate(rest, start=1):
            other = _ELEMENTS.alias(f"e{n}")
            query = query.where(
                exists().where(other.c.target_material_id == key, other.c.element == symbol)
            )
        if filters.substrate is not None or filters.name:
            query = query.join(_MATERIALS, m.id == key)
    else:
        # Trashed materials have no element index entries, so only this path filters them.
        key = m.id
        query = select(key).where(
            m.organization_id == filters.organization_id, m.deleted_at.is_(None)
        )
    if filters.substrate is not None:
        query = query.where(m.substrate == filters.substrate)
    if term and not use_fts:
        looked_up = trgm_words(parts) if dialect == "postgresql" and parts != [term] else parts
        for part in looked_up:
            query = query.where(m.name_folded.like(f"%{_escape_like(part)}%", escape="\\"))
    if parts != [term]:  # the whole term, in a way no index serves (nothing to look up twice)
        found = func.strpos if dialect == "postgresql" else func.instr
        query = query.where(found(m.name_folded, term) > 0)
    if after is not None:
        query = query.where(key > after)
    return query.order_by(key)


# The list's rows: a material's columns joined to each of its layers' (or to one row of nulls),
# in order. The stream reads them all in one statement, from a server-side cursor; so does a page
# on PostgreSQL, where each statement costs a round trip. On SQLite, whose statements run on the
# driver in-process, a page reads its materials and their layers apart instead: a material's
# columns are read once, not once per layer. Each statement is built once, its ids bound as one
# parameter (a JSON array through json_each on SQLite, = ANY of an array on PostgreSQL), so that
# its text is the same whatever the page's size.
_ALL_ROWS = (
    select(*LISTED_MATERIAL, *LISTED_LAYER)
    .select_from(
        _MATERIALS.join(_USERS, _USERS.c.id == _MATERIALS.c.user_id)
        .outerjoin(_NOTES, _NOTES.c.id == _MATERIALS.c.detail_note_id)
        .outerjoin(_LAYERS, _LAYERS.c.target_material_id == _MATERIALS.c.id)
    )
    .order_by(_MATERIALS.c.id, _LAYERS.c.position)
)
_SPLIT = len(LISTED_MATERIAL)
_LAYER_ROW_ID = _SPLIT  # null in the one row of an empty stack
_WHOLE = 2**62  # a LIMIT no stack reaches
_IDS_JSON = func.json_each(bindparam("ids")).table_valued("value")
_IDS_ARRAY = any_(bindparam("ids", type_=ARRAY(BigInteger)))
_PG_PAGE_ROWS = DriverQuery(
    _ALL_ROWS.where(_MATERIALS.c.id == _IDS_ARRAY).limit(bindparam("max_rows"))
)
_IN_JSON_IDS = select(_IDS_JSON.c.value)
_SQLITE_PAGE_MATERIALS = DriverQuery(
    select(*LISTED_MATERIAL)
    .select_from(
        _MATERIALS.join(_USERS, _USERS.c.id == _MATERIALS.c.user_id).outerjoin(
            _NOTES, _NOTES.c.id == _MATERIALS.c.detail_note_id
        )
    )
    .where(_MATERIALS.c.id.in_(_IN_JSON_IDS))
    .order_by(_MATERIALS.c.id)
)
_SQLITE_PAGE_LAYERS = DriverQuery(
    select(*LISTED_LAYER)
    .where(_LAYERS.c.target_material_id.in_(_IN_JSON_IDS))
    .order_by(_LAYERS.c.target_material_id, _LAYERS.c.position)
    .limit(bindparam("max_rows"))
)
# A sample of each database's folded names (NameSample), all organizations' and the trash's alike
# (the index holds them all), taken again after _SAMPLE_TTL_S, in each process: 5-7 ms at a
# million names (reading 500, counting their trigrams).
_SAMPLE_TTL_S = 60.0
_SAMPLES: "weakref.WeakKeyDictionary[Engine, tuple[float, NameSample]]" = (
    weakref.WeakKeyDictionary()
)
# Two subqueries: SQLite reads one end of the primary key for each, but scans for min and max
# together.
_ID_RANGE = DriverQuery(
    select(
        select(func.min(_MATERIALS.c.id)).scalar_subquery(),
        select(func.max(_MATERIALS.c.id)).scalar_subquery(),
    )
)
_NAMES = select(_MATERIALS.c.name_folded)
_FIRST_NAMES = DriverQuery(_NAMES.limit(2 * SAMPLE_SIZE))
_NAMES_OF = {
    "sqlite": DriverQuery(_NAMES.where(_MATERIALS.c.id.in_(_IN_JSON_IDS))),
    "postgresql": DriverQuery(_NAMES.where(_MATERIALS.c.id == _IDS_ARRAY)),
}


def _name_sample(session: Session, dialect: str) -> NameSample:
    engine = session.get_bind().engine
    now = time.monotonic()
    known = _SAMPLES.get(engine)
    if known is not None and now - known[0] < _SAMPLE_TTL_S:
        return known[1]
    ((low, high),) = _ID_RANGE.all(session, {})
    if low is None or high - low < 2 * SAMPLE_SIZE:
        rows = _FIRST_NAMES.all(session, {})
    else:
        ids = random.sample(range(low, high + 1), SAMPLE_SIZE)
        rows = _NAMES_OF[dialect].all(session, {"ids": _ids_param(dialect, ids)})
    sample = NameSample([name for (name,) in rows])
    _SAMPLES[engine] = (now, sample)
    return sample


def _ids_param(dialect: str, ids: list[int]) -> Any:
    return orjson.dumps(ids).decode() if dialect == "sqlite" else ids


def _ids_query(
    session: Session, filters: Filters, dialect: str, after: int | None = None
) -> Select[int]:
    """_filtered_ids, with the database's sample of names for a name search."""
    searched = filters.name is not None and len(filters.name) >= MIN_INDEXED
    sample = _name_sample(session, dialect) if searched else _NO_SAMPLE
    return _filtered_ids(filters, dialect, after, sample)


def _read_page(
    session: Session, dialect: str, ids: list[int], max_rows: int
) -> tuple[list[Any], dict[int, list[Any]], int | None]:
    """The materials of `ids` and their layers, by material, as far as `max_rows` rows go (a
    material without layers takes one), and, when they ran out, the material they ran out in:
    its layers, and those of the materials after it, are not all read."""
    key = _ids_param(dialect, ids)
    if dialect != "sqlite":
        rows = _PG_PAGE_ROWS.all(session, {"ids": key, "max_rows": max_rows + 1})
        cut = rows[max_rows][0] if len(rows) > max_rows else None
        materials: list[Any] = []
        by_material: dict[int, list[Any]] = {}
        for material, stack in _grouped(rows[:max_rows]):
            materials.append(material)
            by_material[material[0]] = stack
        return materials, by_material, cut
    materials = _SQLITE_PAGE_MATERIALS.all(session, {"ids": key})
    layers = _SQLITE_PAGE_LAYERS.all(session, {"ids": key, "max_rows": max_rows + 1})
    by_material = {}
    for layer in layers[:max_rows]:
        by_material.setdefault(layer[LAYER_MATERIAL_ID], []).append(layer)
    cut = layers[max_rows][LAYER_MATERIAL_ID] if len(layers) > max_rows else None
    return materials, by_material, cut


def _grouped(rows: Iterable[Sequence[Any]]) -> Iterator[tuple[Any, list[Any]]]:
    """Rows of _ALL_ROWS as (the material's columns, its layers' columns), a material at a time."""
    material: Any = None
    layers: list[Any] = []
    for row in rows:
        if material is None or row[0] != material[0]:
            if material is not None:
                yield material, layers
            material, layers = tuple(row[:_SPLIT]), []
        if row[_LAYER_ROW_ID] is not None:
            layers.append(row[_SPLIT:])
    if material is not None:
        yield material, layers


def stream_all(db: Database, filters: Filters, batch: int = 1000) -> Iterator[bytes]:
    """The whole array, read from a server-side cursor and sent about `batch` rows at a time:
    memory does not grow with the rows."""
    with db.session(write=False) as session:
        ids = _ids_query(session, filters, db.engine.dialect.name).scalar_subquery()
        result = session.execute(
            _ALL_ROWS.where(_MATERIALS.c.id.in_(ids)),
            execution_options={"stream_results": True, "yield_per": batch},
        )
        yield b"["
        sent = False
        out: list[bytes] = []
        for material, layers in _grouped(result):
            out += listed_rows(material, layers)
            if len(out) >= batch:
                yield b",".join(out) if not sent else b"," + b",".join(out)
                sent, out = True, []
        if out:
            yield b",".join(out) if not sent else b"," + b",".join(out)
        yield b"]"


def page(
    session: Session, filters: Filters, limit: int, cursor: str | None, max_rows: int
) -> tuple[bytes, str | None]:
    """One page and the next cursor: `limit` materials, never splitting one's layers, and no
    more than `max_rows` rows, except that a page always holds at least one whole material.

    The layers are read with LIMIT max_rows + 1, so a page never holds more than that in
    memory: when the budget is reached, the page ends with the last material that fitted
    whole (a material without layers takes one row), and the cursor continues from it.
    """
    dialect = session.get_bind().dialect.name
    after = None if cursor is None else decode_cursor(cursor)
    ids_query = _ids_query(session, filters, dialect, after)
    ids = list(session.scalars(ids_query.limit(limit + 1)).all())
    more = len(ids) > limit
    ids = ids[:limit]
    if not ids:
        return b"[]", None
    materials, layers, cut = _read_page(session, dialect, ids, max_rows)
    rows: list[bytes] = []
    kept = 0
    for material in materials:
        material_id = material[0]
        stack = layers.get(material_id, [])
        if cut is not None and material_id >= cut or len(rows) + max(1, len(stack)) > max_rows:
            break  # over the budget, or its layers were not all read
        rows += listed_rows(material, stack)
        kept += 1
    if kept < len(materials) or cut is not None:
        more = True
    if kept == 0 and materials:  # one material larger than the budget: served whole, alone
        _, layers, _ = _read_page(session, dialect, [materials[0][0]], _WHOLE)
        rows = listed_rows(materials[0], layers.get(materials[0][0], []))
        kept = 1
    if not kept:  # every listed material went meanwhile (PostgreSQL reads between statements)
        return b"[]", encode_cursor(ids[-1]) if more else None
    body = b"[" + b",".join(rows) + b"]"
    return body, encode_cursor(materials[kept - 1][0]) if more else None
