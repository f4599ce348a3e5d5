"""The trash: deleted materials keep everything (layers, note, history, links) until purged.

A trashed material is only marked (`deleted_at`); reads of live materials filter on that mark,
its element index entries are dropped so element search skips it, and physical samples keep
their link column, shown as null while the material is in the trash. Restore clears the mark
and rebuilds the index: the material comes back exactly as it was.
"""

import base64
import binascii
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, aliased

from filmstack.server.accounts.models import User
from filmstack.server.accounts.service import Principal
from filmstack.server.db import utcnow
from filmstack.server.errors import InvalidInput
from filmstack.server.materials import history
from filmstack.server.materials.layers import clear_elements, refresh_elements
from filmstack.server.materials.models import DetailNote, TargetMaterial
from filmstack.server.materials.serialize import read_detail, trash_out


def delete_material(session: Session, principal: Principal, material: TargetMaterial) -> None:
    """Move to the trash. The content, and so the revision, stays as it was."""
    material.deleted_at = utcnow()
    material.deleted_by = principal.user_id
    clear_elements(session, material)
    history.record(session, material, principal.user_id, "delete", [], None)
    session.flush()


def restore_material(
    session: Session, principal: Principal, material: TargetMaterial
) -> TargetMaterial:
    """Back from the trash with the same id, layers, note, history and links."""
    material.deleted_at = None
    material.deleted_by = None
    refresh_elements(session, material)
    history.record(session, material, principal.user_id, "restore", [], None)
    session.flush()
    return material


def purge_material(session: Session, material: TargetMaterial) -> None:
    """Gone for good: the material, its layers, note and history. Its id is never reused."""
    _purge(session, [material.id])


def _purge(session: Session, material_ids: list[int]) -> None:
    if not material_ids:
        return
    notes = list(
        session.scalars(
            select(TargetMaterial.detail_note_id).where(
                TargetMaterial.id.in_(material_ids), TargetMaterial.detail_note_id.is_not(None)
            )
        )
    )
    # Layers, element entries and history go by ON DELETE CASCADE; sample links by SET NULL.
    session.execute(
        delete(TargetMaterial)
        .where(TargetMaterial.id.in_(material_ids))
        .execution_options(synchronize_session=False)
    )
    if notes:
        session.execute(delete(DetailNote).where(DetailNote.id.in_(notes)))
    session.flush()


def purge_expired(session: Session, days: int, now: datetime | None = None) -> int:
    """Purge materials trashed more than `days` days ago, in every organization."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    ids = list(
        session.scalars(
            select(TargetMaterial.id).where(
                TargetMaterial.deleted_at.is_not(None), TargetMaterial.deleted_at < cutoff
            )
        )
    )
    _purge(session, ids)
    return len(ids)


# ------------------------------------------------------------------------------ listing


def _encode_cursor(deleted_at: datetime, material_id: int) -> str:
    text = f"t1:{deleted_at.isoformat()}:{material_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, rest = text.partition(":")
        stamp, _, value = rest.rpartition(":")
        if version == "t1" and value.isdigit() and int(value) < 2**63:
            return datetime.fromisoformat(stamp), int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput.at(
        ["query", "cursor"], "not a cursor this server issued; use the X-Next-Cursor header", cursor
    )


def list_trash(
    session: Session,
    principal: Principal,
    limit: int | None,
    cursor: str | None,
    *,
    keep_days: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """The organization's trash, newest deletion first, in the nested shape of GET one.

    Materials past `keep_days` are not listed, even before housekeeping has purged them.
    """
    m = TargetMaterial
    deleter = aliased(User)
    cutoff = utcnow() - timedelta(days=keep_days)
    query = (
        select(m, deleter.name)
        .outerjoin(deleter, deleter.id == m.deleted_by)
        .where(
            m.organization_id == principal.organization_id,
            m.deleted_at.is_not(None),
            m.deleted_at >= cutoff,
        )
        .order_by(m.deleted_at.desc(), m.id.desc())
    )
    if cursor is not None:
        stamp, after_id = _decode_cursor(cursor)
        query = query.where(or_(m.deleted_at < stamp, (m.deleted_at == stamp) & (m.id < after_id)))
    if limit is not None:
        query = query.limit(limit + 1)
    rows = session.execute(query).all()
    next_cursor = None
    if limit is not None and len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1][0]
        assert last.deleted_at is not None
        next_cursor = _encode_cursor(last.deleted_at, last.id)
    out = [trash_out(material, read_detail(session, material), name) for material, name in rows]
    return out, next_cursor
