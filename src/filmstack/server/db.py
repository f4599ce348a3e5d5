"""Engine, sessions and the declarative base shared by every domain package."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Integer, MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Ids are 64-bit everywhere. SQLite only gives AUTOINCREMENT (ids never handed out twice) to an
# INTEGER PRIMARY KEY, which is 64-bit there anyway; PostgreSQL gets BIGINT and a bigint sequence.
BigId = BigInteger().with_variant(Integer(), "sqlite")

# Every table with an integer id sets this, so a deleted row's id is never reused on SQLite.
AUTOINCREMENT = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Naive UTC: both databases store it the same way; the API adds the Z."""
    return datetime.now(UTC).replace(tzinfo=None)


# An execution option that asks SQLite for a write lock at BEGIN. A deferred transaction that
# reads and then writes can fail at once with "database is locked" when another writer got in
# between; taking the lock up front makes concurrent writers queue on busy_timeout instead.
IMMEDIATE = "filmstack_immediate"
_HOLDS_TURN = "filmstack_holds_write_turn"


def _json_text(value: Any) -> str:
    # Compact, as the API answers; lists pass stored JSON through as it is.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def pool_options(max_connections: int) -> dict[str, int]:
    """QueuePool arguments for at most `max_connections`: 10 kept open, the rest on demand."""
    kept = min(10, max_connections)
    return {"pool_size": kept, "max_overflow": max_connections - kept}


def make_engine(url: str, max_connections: int = 40, **kwargs: Any) -> Engine:
    kwargs.setdefault("json_serializer", _json_text)
    for name, value in pool_options(max_connections).items():
        kwargs.setdefault(name, value)
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            Path(sa_url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(sa_url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(sa_url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    # Writers of this process take turns on a lock of their own before asking SQLite for its
    # write lock: SQLite's busy handler sleeps and retries, so queueing there is unfair (a long
    # tail), while this lock is granted as soon as the writer before has committed. A writer
    # holds it only from its first statement to its commit, in one worker thread that waits for
    # nothing else, so holders always finish.
    turn = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        if immediate:
            if not turn.acquire(timeout=30):
                raise OperationalError("BEGIN IMMEDIATE", None, TimeoutError("writers queue"))
            conn.info[_HOLDS_TURN] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        except BaseException:
            _end_turn(conn)
            raise

    def _end_turn(conn: Any) -> None:
        if conn.info.pop(_HOLDS_TURN, False):
            turn.release()

    event.listen(engine, "commit", _end_turn)
    event.listen(engine, "rollback", _end_turn)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class Database:
    """The engine and its two session factories: one for reads, one for writes."""

    def __init__(self, url: str, max_connections: int = 40) -> None:
        self.max_connections = max_connections
        self.engine = make_engine(url, max_connections)
        self.read_sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.write_sessions = sessionmaker(
            self.engine.execution_options(**{IMMEDIATE: True}),
            expire_on_commit=False,
            info={"write": True},
        )

    @contextmanager
    def session(self, *, write: bool) -> Iterator[Session]:
        """One transaction: committed when the block ends cleanly, rolled back otherwise."""
        factory = self.write_sessions if write else self.read_sessions
        with factory() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
