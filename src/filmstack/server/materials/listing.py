"""GET /target-materials/: flattened rows, streamed whole or paged by keyset."""

import base64
import binascii
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, aliased

from filmstack.chemistry.elements import ELEMENT_SYMBOLS
from filmstack.server.accounts.models import User
from filmstack.server.db import Database
from filmstack.server.errors import InvalidInput
from filmstack.server.materials.models import DetailNote, Layer, MaterialElement, TargetMaterial
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


def _filtered_ids(filters: Filters, after: int | None = None) -> Select[int]:
    """Material ids matching the filters, in id order, after `after` when paging.

    Element search walks the element index in its own order, so a page reads only as many
    index entries as it returns (sorting by the materials table would read every match).
    """
    m = TargetMaterial
    if filters.elements:
        first, *rest = filters.elements
        e0 = aliased(MaterialElement)
        key = e0.target_material_id
        query = select(key).where(
            e0.organization_id == filters.organization_id, e0.element == first
        )
        for symbol in rest:
            other = aliased(MaterialElement)
            query = query.where(
                exists().where(other.target_material_id == key, other.element == symbol)
            )
        if filters.substrate is not None or filters.name:
            query = query.join(m, m.id == key)
    else:
        # Trashed materials have no element index entries, so only this path filters them.
        key = m.id
        query = select(key).where(
            m.organization_id == filters.organization_id, m.deleted_at.is_(None)
        )
    if filters.substrate is not None:
        query = query.where(m.substrate == filters.substrate)
    if filters.name:
        pattern = f"%{_escape_like(filters.name.lower())}%"
        query = query.where(func.lower(m.sample_name).like(pattern, escape="\\"))
    if after is not None:
        query = query.where(key > after)
    return query.order_by(key)


def _rows_query(material_ids: Select[int] | list[int]) -> Select[*tuple[Any, ...]]:
    m = TargetMaterial
    query = (
        select(*ROW_COLUMNS)
        .join(User, User.id == m.user_id)
        .outerjoin(DetailNote, DetailNote.id == m.detail_note_id)
        .outerjoin(Layer, Layer.target_material_id == m.id)
        .order_by(m.id, Layer.position)
    )
    if isinstance(material_ids, list):
        return query.where(m.id.in_(material_ids))
    return query.where(m.id.in_(material_ids.scalar_subquery()))


def stream_all(db: Database, filters: Filters, batch: int = 1000) -> Iterator[bytes]:
    """The whole array, read from a server-side cursor: memory does not grow with the rows."""
    with db.session(write=False) as session:
        result = session.execute(
            _rows_query(_filtered_ids(filters)),
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
    session: Session, filters: Filters, limit: int, cursor: str | None
) -> tuple[bytes, str | None]:
    """One page of `limit` materials (never splitting one's layers) and the next cursor."""
    ids_query = _filtered_ids(filters, None if cursor is None else decode_cursor(cursor))
    ids = list(session.scalars(ids_query.limit(limit + 1)))
    next_cursor = encode_cursor(ids[limit - 1]) if len(ids) > limit else None
    ids = ids[:limit]
    if not ids:
        return b"[]", None
    rows = b",".join(row_json(r) for r in session.execute(_rows_query(ids)))
    return b"[" + rows + b"]", next_cursor
