"""Housekeeping a server does on its own: expired trash and idempotency keys go."""

import logging
import threading
import time
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from filmstack.server import idempotency
from filmstack.server.config import Settings
from filmstack.server.db import Database
from filmstack.server.materials import trash

log = logging.getLogger("filmstack")


def housekeeping(db: Database, settings: Settings, *, starting: bool = False) -> None:
    """Purge materials trashed more than `trash_days` ago and keys older than 24 hours.

    At a SQLite server's start, also the `running` keys of processes that died. A failure is
    logged, never fatal: the next run tries again.
    """
    try:
        with db.session(write=True) as session:
            purged = trash.purge_expired(session, settings.trash_days)
            idempotency.purge_expired(session)
            if starting and db.engine.dialect.name == "sqlite":
                idempotency.release_abandoned(session)
    except SQLAlchemyError as err:
        log.warning("housekeeping failed (it runs again later): %s", err)
        return
    if purged:
        log.info("purged %d material(s) from the trash after %d days", purged, settings.trash_days)


_EVERY_SECONDS = 600
_due_lock = threading.Lock()


def purge_expired_when_due(state: Any, db: Database, settings: Settings) -> None:
    """Run housekeeping if this process has not for ten minutes (called on trash listing)."""
    now = time.monotonic()
    with _due_lock:
        last: float | None = getattr(state, "housekeeping_at", None)
        if last is not None and now - last < _EVERY_SECONDS:
            return
        state.housekeeping_at = now
    housekeeping(db, settings)
