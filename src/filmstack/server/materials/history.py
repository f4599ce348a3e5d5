"""The history of a target material: one entry per change, written with the change.

Services call `record()` inside the request's transaction, so a change and its entry commit or
roll back together: no code path can change a material without leaving an entry.
"""

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, aliased

from filmstack.schemas import MAX_INT32
from filmstack.server.accounts.models import User
from filmstack.server.db import DriverWrite, utcnow
from filmstack.server.errors import InvalidInput, NotFound
from filmstack.server.materials.models import MaterialHistory, TargetMaterial
from filmstack.server.materials.serialize import LAYER_CHANGEABLE, MATERIAL_CHANGEABLE, iso

Snapshot = dict[str, Any]
Change = dict[str, Any]

ACTIONS = (
    "create",
    "update",
    "replace_layers",
    "add_layer",
    "update_layer",
    "delete_layer",
    "delete",
    "restore",
    "revert",
    "link",
)

# What a snapshot holds besides its content: these move on every revision without being changes.
_BOOKKEEPING = ("revision", "last_updated")


def _change(field: str, before: Any, after: Any) -> Change:
    return {"field": field, "before": before, "after": after}


def diff(before: Snapshot | None, after: Snapshot) -> list[Change]:
    """Field-level changes between two snapshots of GET one.

    A material field is named as on the wire (`sample_name`), a layer field by its position
    (`layers[2].orientation`), and a whole layer added or removed is `layers[2]`. From nothing
    (a create) every field the user set is a change from null.
    """
    old = before or {}
    changes = []
    for field in MATERIAL_CHANGEABLE:
        was, now = old.get(field), after.get(field)
        if before is None and now is None:
            continue
        if was != now or before is None:
            changes.append(_change(field, was, now))
    old_layers = {la["layer_id"]: la for la in old.get("layers", ())}
    new_layers = {la["layer_id"]: la for la in after.get("layers", ())}
    for position in sorted(old_layers.keys() | new_layers.keys()):
        was_layer, now_layer = old_layers.get(position), new_layers.get(position)
        name = f"layers[{position}]"
        if was_layer is None or now_layer is None:
            changes.append(_change(name, was_layer, now_layer))
            continue
        for field in LAYER_CHANGEABLE:
            if was_layer.get(field) != now_layer.get(field):
                changes.append(
                    _change(f"{name}.{field}", was_layer.get(field), now_layer.get(field))
                )
    return changes


def same_content(before: Snapshot, after: Snapshot) -> bool:
    """True when a write changed nothing GET one shows (bookkeeping aside)."""
    return {k: v for k, v in before.items() if k not in _BOOKKEEPING} == {
        k: v for k, v in after.items() if k not in _BOOKKEEPING
    }


_HISTORY = cast(Table, MaterialHistory.__table__)
_INSERT = DriverWrite(insert(_HISTORY))  # Core: the ORM would track an object nobody reads back


def record(
    session: Session,
    material: TargetMaterial,
    user_id: str | None,
    action: str,
    changes: list[Change],
    snapshot: Snapshot | None,
    at: datetime | None = None,
) -> None:
    """Add one entry at the material's current revision; the caller has bumped it if needed."""
    assert action in ACTIONS, action
    _INSERT.run(
        session,
        {
            "target_material_id": material.id,
            "organization_id": material.organization_id,
            "revision": material.revision,
            "action": action,
            "changed_at": at or utcnow(),
            "user_id": user_id,
            "changes": changes,
            "snapshot": snapshot,
        },
    )


def snapshot_at(session: Session, material: TargetMaterial, revision: int) -> Snapshot | None:
    """The material as GET one showed it at `revision`, or None if it never had that revision."""
    if not 1 <= revision <= MAX_INT32:
        return None  # never a revision; and PostgreSQL refuses to compare it with one
    snapshot: Snapshot | None = session.scalar(
        select(MaterialHistory.snapshot)
        .where(
            MaterialHistory.target_material_id == material.id,
            MaterialHistory.revision == revision,
            MaterialHistory.snapshot.is_not(None),
        )
        .order_by(MaterialHistory.id)
        .limit(1)
    )
    return snapshot


def get_snapshot(session: Session, material: TargetMaterial, revision: int) -> Snapshot:
    snapshot = snapshot_at(session, material, revision)
    if snapshot is None:
        raise NotFound(f"Target material {material.id} has no revision {revision}")
    return snapshot


# ------------------------------------------------------------------------------ reading


def _encode_cursor(entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"h1:{entry_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, value = text.partition(":")
        if version == "h1" and value.isdigit() and int(value) < 2**63:
            return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput.at(
        ["query", "cursor"], "not a cursor this server issued; use the X-Next-Cursor header", cursor
    )


def page(
    session: Session, material: TargetMaterial, limit: int | None, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Entries newest first; with `limit`, one page and the cursor of the next (keyset on id).

    Only the entry columns are read: a page never loads the snapshots.
    """
    h = MaterialHistory
    user = aliased(User)
    query = (
        select(h.id, h.revision, h.changed_at, h.user_id, h.action, h.changes, user.name)
        .outerjoin(user, user.id == h.user_id)
        .where(h.target_material_id == material.id)
        .order_by(h.id.desc())
    )
    if cursor is not None:
        query = query.where(h.id < _decode_cursor(cursor))
    if limit is not None:
        query = query.limit(limit + 1)
    rows: Sequence[Any] = session.execute(query).all()
    next_cursor = None
    if limit is not None and len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode_cursor(rows[-1].id)
    out = [
        {
            "revision": r.revision,
            "changed_at": iso(r.changed_at),
            "user_id": r.user_id,
            "user_name": r.name,
            "action": r.action,
            "changes": r.changes,
        }
        for r in rows
    ]
    return out, next_cursor
