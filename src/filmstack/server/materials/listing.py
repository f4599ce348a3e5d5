"""GET /target-materials/: flattened rows, streamed whole or paged by keyset."""

import base64
import binascii
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from sqlalchemy import (
    Integer,
    Select,
    Table,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.orm import Session

from filmstack.chemistry.elements import ELEMENT_SYMBOLS
from filmstack.server.accounts.models import User
from filmstack.server.db import Database, DriverQuery
from filmstack.server.errors import InvalidInput
from filmstack.server.materials.models import DetailNote, Layer, MaterialElement, TargetMaterial
from filmstack.server.materials.names import FTS_TABLE, MIN_INDEXED, fold_name, fts_phrase
from filmstack.server.materials.serialize import ROW_COLUMNS, row_json


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


def _filtered_ids(filters: Filters, dialect: str, after: int | None = None) -> Select[int]:
    """Material ids matching the filters, in id order, after `after` when paging.

    Element search walks the element index in its own order, so a page reads only as many
    index entries as it returns (sorting by the materials table would read every match). On
    SQLite a name search of three characters or more walks the FTS5 trigram index the same way,
    in rowid order; on PostgreSQL the planner chooses between the pg_trgm index and the id order.
    """
    m = _MATERIALS.c
    term = fold_name(filters.name) if filters.name else ""
    use_fts = dialect == "sqlite" and len(term) >= MIN_INDEXED and not filters.elements
    key: Any
    if use_fts:
        key = _FTS.c.rowid
        query = (
            select(key)
            .join(_MATERIALS, m.id == key)
            .where(
                _FTS_MATCH(fts_phrase(term)),
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
        query = query.where(m.name_folded.like(f"%{_escape_like(term)}%", escape="\\"))
    if after is not None:
        query = query.where(key > after)
    return query.order_by(key)


# The rows of the listed materials, built once: a page binds its ids (one list parameter).
_ROWS = (
    select(*ROW_COLUMNS)
    .select_from(
        _MATERIALS.join(_USERS, _USERS.c.id == _MATERIALS.c.user_id)
        .outerjoin(_NOTES, _NOTES.c.id == _MATERIALS.c.detail_note_id)
        .outerjoin(_LAYERS, _LAYERS.c.target_material_id == _MATERIALS.c.id)
    )
    .order_by(_MATERIALS.c.id, _LAYERS.c.position)
)
_ROWS_OF = _ROWS.where(_MATERIALS.c.id.in_(bindparam("ids", expanding=True)))
# A page's rows, at most max_rows: one statement object, so SQLAlchemy finds it compiled. On
# SQLite it runs on the driver, its ids in one JSON array parameter (json_each).
_PAGE_ROWS = _ROWS_OF.limit(bindparam("max_rows"))
_IDS_JSON = func.json_each(bindparam("ids")).table_valued("value")
_SQLITE_PAGE_ROWS = DriverQuery(
    _ROWS.where(_MATERIALS.c.id.in_(select(_IDS_JSON.c.value))).limit(bindparam("max_rows"))
)


def _page_rows(session: Session, dialect: str, ids: list[int], max_rows: int) -> list[Any]:
    if dialect == "sqlite":
        ids_json = orjson.dumps(ids).decode()
        return _SQLITE_PAGE_ROWS.all(session, {"ids": ids_json, "max_rows": max_rows})
    return list(session.execute(_PAGE_ROWS, {"ids": ids, "max_rows": max_rows}).all())


def stream_all(db: Database, filters: Filters, batch: int = 1000) -> Iterator[bytes]:
    """The whole array, read from a server-side cursor: memory does not grow with the rows."""
    with db.session(write=False) as session:
        ids = _filtered_ids(filters, db.engine.dialect.name).scalar_subquery()
        result = session.execute(
            _ROWS.where(_MATERIALS.c.id.in_(ids)),
            execution_options={"stream_results": True, "yield_per": batch},
        )
        yield b"["
        first = True
        for chunk in result.partitions():
            if not chunk:
                continue
            text = b",".join(row_json(r) for r in chunk)
            yield text if first else b"," + text
            first = False
        yield b"]"


def page(
    session: Session, filters: Filters, limit: int, cursor: str | None, max_rows: int
) -> tuple[bytes, str | None]:
    """One page and the next cursor: `limit` materials, never splitting one's layers, and no
    more than `max_rows` rows, except that a page always holds at least one whole material.

    The rows are read with LIMIT max_rows + 1, so a page never holds more than that in memory:
    when the budget is reached, the page ends with the last material that fitted whole, and
    the cursor continues from it.
    """
    dialect = session.get_bind().dialect.name
    ids_query = _filtered_ids(filters, dialect, None if cursor is None else decode_cursor(cursor))
    ids = list(session.scalars(ids_query.limit(limit + 1)).all())
    more = len(ids) > limit
    ids = ids[:limit]
    if not ids:
        return b"[]", None
    rows = _page_rows(session, dialect, ids, max_rows + 1)
    if len(rows) > max_rows:
        cut = rows[max_rows][0]  # the material the budget ran out in: it goes to the next page
        rows = [r for r in rows if r[0] < cut]
        if not rows:  # one material larger than the budget: it is served whole, alone
            rows = list(session.execute(_ROWS_OF, {"ids": ids[:1]}))
        ids = ids[: ids.index(rows[-1][0]) + 1]
        more = True
    body = b"[" + b",".join(row_json(r) for r in rows) + b"]"
    return body, encode_cursor(ids[-1]) if more else None
