"""Engine, sessions and the declarative base shared by every domain package."""

import collections
import contextlib
import json
import logging
import os
import socket
import sqlite3
import struct
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import BigInteger, Integer, MetaData, Select, create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

log = logging.getLogger("filmstack")
T = TypeVar("T")

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
# A connection flag (Connection.info): this write runs in the event loop, so it takes the write
# lock now or not at all. See Database.write_in_loop.
_IN_LOOP_WRITE = "filmstack_in_loop_write"
_SQLITE_BUSY = 5  # the primary result code of "database is locked"
_NO_AUTOCHECKPOINT = "filmstack_no_autocheckpoint"
# SQLite checkpoints by itself once the log holds 1000 frames (pages) not yet copied back; the
# loop's connection leaves that to a worker thread, at the same count.
_CHECKPOINT_FRAMES = 1000


class WriteLockBusy(Exception):  # noqa: N818 - a signal, not an error the client sees
    """SQLite's write lock, or this process's writers' turn, is taken: write in a worker thread."""


def _json_text(value: Any) -> str:
    """Stored JSON: compact, as the API answers (lists pass stored JSON through as it is).

    orjson writes it about seven times faster than the json module (a create stores a dozen
    JSON values); what orjson refuses, an integer past 64 bits say, the json module writes.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class DatabaseTimeout(Exception):
    """The database did not answer within its timeout: the client may retry later."""


_PQTRANS_ACTIVE = 1  # libpq: a command is in progress


class _Watchdog:
    """Bounds every wait on a PostgreSQL connection, client side.

    A server that accepts connections but stops answering (a stalled disk, a frozen host, a
    network partition) never lets `statement_timeout` fire, and libpq has no read timeout: the
    waiting thread would hang forever. The watchdog shuts down the socket of a connection whose
    current call is past its deadline; the driver then fails at once and the pool drops it.
    """

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.down_until = 0.0  # after a stall, new connections fail fast for a moment
        self._deadlines: dict[int, tuple[float, Any]] = {}
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, dbapi_conn: Any) -> None:
        with self._cond:
            self._deadlines[id(dbapi_conn)] = (time.monotonic() + self.timeout_s, dbapi_conn)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="filmstack-db-watchdog", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def disarm(self, dbapi_conn: Any) -> None:
        with self._cond:
            self._deadlines.pop(id(dbapi_conn), None)

    def _run(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                expired = [k for k, (t, _) in self._deadlines.items() if t <= now]
                victims = [self._deadlines.pop(k)[1] for k in expired]
                if not victims:
                    soonest = min((t for t, _ in self._deadlines.values()), default=now + 60)
                    self._cond.wait(max(0.01, soonest - now))
                    continue
            for conn in victims:
                if _in_flight(conn):
                    # First mark the database down, so that the retry the pool makes after the
                    # cut fails at once instead of waiting for a connect timeout of its own.
                    self.down_until = time.monotonic() + 1.0
                    _shut_down(conn)


def _in_flight(dbapi_conn: Any) -> bool:
    """True while a command is in progress: a connection at rest is never cut off."""
    try:
        return int(dbapi_conn.pgconn.transaction_status) == _PQTRANS_ACTIVE
    except (AttributeError, ValueError):  # closed meanwhile
        return False


def _shut_down(dbapi_conn: Any) -> None:
    try:
        with socket.socket(fileno=os.dup(dbapi_conn.fileno())) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except (OSError, ValueError, AttributeError):  # already closed
        pass


def pool_options(max_connections: int) -> dict[str, int]:
    """QueuePool arguments for at most `max_connections`: 10 kept open, the rest on demand."""
    kept = min(10, max_connections)
    return {"pool_size": kept, "max_overflow": max_connections - kept}


def make_engine(
    url: str,
    *,
    max_connections: int = 40,
    timeout_s: float = 5.0,
    pool_timeout_s: float = 5.0,
    **kwargs: Any,
) -> Engine:
    """An engine whose every wait is bounded: connect, statement, pool checkout, SQLite locks.

    At most `max_connections` connections (the app's request threads never outnumber them)."""
    kwargs.setdefault("json_serializer", _json_text)
    for name, value in pool_options(max_connections).items():
        kwargs.setdefault(name, value)
    kwargs.setdefault("pool_timeout", pool_timeout_s)
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            Path(sa_url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(sa_url, connect_args={"timeout": timeout_s}, **kwargs)
        _configure_sqlite(engine, timeout_s)
        return engine
    options = str(sa_url.query.get("options", ""))
    statement_ms = int(timeout_s * 1000)
    connect_args = {
        "connect_timeout": max(1, round(timeout_s)),
        "options": f"{options} -c statement_timeout={statement_ms}".strip(),
    }
    engine = create_engine(sa_url, connect_args=connect_args, **kwargs)
    _configure_postgresql(engine, _Watchdog(timeout_s))
    return engine


def _configure_postgresql(engine: Engine, watchdog: _Watchdog) -> None:
    @event.listens_for(engine, "do_connect")
    def _on_connect(*_args: Any) -> None:
        if time.monotonic() < watchdog.down_until:
            raise DatabaseTimeout(f"the database did not answer within {watchdog.timeout_s:g} s")

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        # A bounded pre-ping: a connection that broke while pooled is replaced, one that
        # hangs is cut off by the watchdog instead of holding this thread.
        watchdog.arm(dbapi_conn)
        try:
            with dbapi_conn.cursor() as cur:
                cur.execute("SELECT 1")  # as SQLAlchemy's own ping: no extra round trip
        except Exception as exc:
            raise DisconnectionError(str(exc)) from exc
        finally:
            watchdog.disarm(dbapi_conn)

    @event.listens_for(engine, "before_cursor_execute")
    def _arm(_conn: Any, cursor: Any, *_args: Any) -> None:
        watchdog.arm(cursor.connection)

    @event.listens_for(engine, "after_cursor_execute")
    def _disarm(_conn: Any, cursor: Any, *_args: Any) -> None:
        watchdog.disarm(cursor.connection)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _arm_end(conn: Any) -> None:
        watchdog.arm(conn.connection.dbapi_connection)

    @event.listens_for(engine, "reset")
    def _arm_reset(dbapi_conn: Any, *_args: Any) -> None:
        watchdog.arm(dbapi_conn)

    @event.listens_for(engine, "checkin")
    def _disarm_checkin(dbapi_conn: Any, _record: Any) -> None:
        if dbapi_conn is not None:
            watchdog.disarm(dbapi_conn)

    @event.listens_for(engine, "handle_error")
    def _disarm_error(context: Any) -> None:
        dbapi_conn = getattr(context.connection, "connection", None)
        if dbapi_conn is not None and dbapi_conn.dbapi_connection is not None:
            watchdog.disarm(dbapi_conn.dbapi_connection)


# Each SQLite engine's lock on which this process's writers take turns (_configure_sqlite).
_WRITE_TURNS: "weakref.WeakKeyDictionary[Engine, threading.Lock]" = weakref.WeakKeyDictionary()


def _configure_sqlite(engine: Engine, timeout_s: float) -> None:
    busy_ms = int(timeout_s * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.close()

    # Writers of this process take turns on a lock of their own before asking SQLite for its
    # write lock: SQLite's busy handler sleeps and retries, so queueing there is unfair (a long
    # tail), while this lock is granted as soon as the writer before has committed. A writer
    # holds it only from its first statement to its commit, in one worker thread that waits for
    # nothing else, so holders always finish.
    turn = threading.Lock()
    _WRITE_TURNS[engine] = turn

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        in_loop = conn.info.get(_IN_LOOP_WRITE, False)
        immediate = in_loop or conn.get_execution_options().get(IMMEDIATE, False)
        if immediate:
            if in_loop:
                if not turn.acquire(blocking=False):
                    raise WriteLockBusy
            elif not turn.acquire(timeout=timeout_s):  # 503, as a locked database
                raise DatabaseTimeout(f"the writers before this one took over {timeout_s:g} s")
            conn.info[_HOLDS_TURN] = True
        statement = "BEGIN IMMEDIATE" if immediate else "BEGIN"
        driver = conn.connection.driver_connection
        try:
            # On the driver's connection: through exec_driver_sql, the BEGIN alone cost a
            # quarter of a read's whole database work. A driver error is wrapped as
            # SQLAlchemy would have wrapped it, so a locked database still answers 503.
            driver.execute(statement)
        except sqlite3.OperationalError as err:
            _end_turn(conn)
            if in_loop and err.sqlite_errorcode & 0xFF == _SQLITE_BUSY:
                raise WriteLockBusy from err
            raise DBAPIError.instance(statement, (), err, sqlite3.Error) from err
        except sqlite3.Error as err:
            _end_turn(conn)
            raise DBAPIError.instance(statement, (), err, sqlite3.Error) from err
        except BaseException:
            _end_turn(conn)
            raise

    def _end_turn(conn: Any) -> None:
        if conn.info.pop(_HOLDS_TURN, False):
            turn.release()

    event.listen(engine, "commit", _end_turn)
    event.listen(engine, "rollback", _end_turn)


class DriverQuery:
    """A Core SELECT run on the SQLite driver's own connection, compiled once.

    A statement through SQLAlchemy costs about ten times its run in sqlite3 (the cache key, the
    result's row objects); for the statements of every request (the key check, GET one) that
    is a sixth of the request. Parameters and columns are converted by SQLAlchemy's own bind and
    result processors (JSON, dates), so a row holds exactly what SQLAlchemy's row would, as a
    tuple. On PostgreSQL it runs through SQLAlchemy as usual, where the watchdog bounds it.
    Driver errors are wrapped as SQLAlchemy wraps them.
    """

    def __init__(self, statement: Select[Any], *, named: bool = False) -> None:
        self.statement = statement
        self._sqlite: tuple[str, list[tuple[str, Any]], list[tuple[int, Any]] | None] | None = None
        self._fixed: dict[str, Any] = {}
        # `named`: rows also read by column name (a named tuple), as SQLAlchemy's rows do.
        self._row: Any = tuple
        if named:
            keys = [str(c.key) for c in statement.selected_columns]
            make_row: Any = collections.namedtuple
            self._row = make_row("Row", keys)._make

    def first(self, bind: Connection | Session, params: dict[str, Any]) -> tuple[Any, ...] | None:
        rows = self._run(bind, params, one=True)
        return rows[0] if rows else None

    def all(self, bind: Connection | Session, params: dict[str, Any]) -> list[Any]:
        """Every row; through a Session, in its transaction (begun first if need be)."""
        return self._run(bind, params, one=False)

    def _run(
        self, bind: Connection | Session, params: dict[str, Any], *, one: bool
    ) -> list[tuple[Any, ...]]:
        conn = bind.connection() if isinstance(bind, Session) else bind
        if conn.dialect.name != "sqlite":
            result = conn.execute(self.statement, params)
            found = result.first() if one else result.all()
            if found is None:
                return []
            return [self._row(found)] if one else [self._row(r) for r in found]
        if self._sqlite is None:
            compiled = self.statement.compile(dialect=conn.dialect)
            binds: Any = compiled._bind_processors
            positions = [(n, binds.get(n)) for n in compiled.positiontup or ()]
            processors: list[Any] = [
                c.type._cached_result_processor(conn.dialect, None)
                for c in compiled._result_columns
            ]
            # The statement's own values (an OFFSET of 0, say), for the names not given.
            self._fixed = {
                n: b.effective_value
                for n, b in compiled.binds.items()
                if not b.required and b.callable is None
            }
            converted = [(i, p) for i, p in enumerate(processors) if p is not None]
            self._sqlite = (compiled.string, positions, converted or None)
        sql, names, results = self._sqlite
        if len(params) < len(names):
            params = {**self._fixed, **params}
        values = [params[n] if p is None else p(params[n]) for n, p in names]
        driver: Any = conn.connection.driver_connection
        try:
            cursor = driver.execute(sql, values)
            rows: list[tuple[Any, ...]] = [cursor.fetchone()] if one else cursor.fetchall()
        except sqlite3.Error as err:
            raise DBAPIError.instance(sql, params, err, sqlite3.Error) from err
        if one and rows[0] is None:
            return []
        make = self._row
        if results is None:
            return rows if make is tuple else [make(row) for row in rows]
        out = []
        for row in rows:  # most columns need no conversion: only those that do are touched
            values = list(row)
            for i, process in results:
                if values[i] is not None:
                    values[i] = process(values[i])
            out.append(make(values))
        return out


class DriverWrite:
    """A Core INSERT (optionally RETURNING) run on the SQLite driver's own connection.

    Compiled once per set of columns given, with SQLAlchemy's own bind processors (JSON and
    dates are stored exactly as SQLAlchemy stores them), and run in the session's transaction
    (begun first: the key check is its first statement). Through SQLAlchemy, one insert cost
    about 60 µs of Python around a few µs in SQLite: a create makes four. On PostgreSQL it runs
    through the session as usual. Driver errors are wrapped as SQLAlchemy wraps them, so a
    constraint still raises sqlalchemy.exc.IntegrityError.
    """

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, ...], tuple[str, list[tuple[str, Any]]]] = {}
        self._returning: dict[Any, Any] = {}

    def _plan(self, conn: Connection, keys: tuple[str, ...]) -> tuple[str, list[tuple[str, Any]]]:
        plan = self._compiled.get(keys)
        if plan is None:
            compiled = self.statement.compile(dialect=conn.dialect, column_keys=list(keys))
            names = tuple(compiled.positiontup or ())
            if set(names) != set(keys):  # a column default SQLAlchemy would fill in itself
                raise ValueError(f"{self.statement}: give exactly the columns {names}")
            processors = compiled._bind_processors
            plan = (compiled.string, [(n, processors.get(n)) for n in names])
            self._compiled[keys] = plan
        return plan

    def run(self, session: Session, params: dict[str, Any] | list[dict[str, Any]]) -> Any:
        """Insert one row (a dict) or many (a list); the first RETURNING row, if any."""
        many = isinstance(params, list)
        if not many:
            params = [params]  # type: ignore[list-item]
        rows = cast(list[dict[str, Any]], params)
        if not rows:
            return None
        conn = session.connection()
        if conn.dialect.name != "sqlite":
            result: Any = session.execute(self.statement, rows if many else rows[0])
            return result.first() if result.returns_rows else None
        sql, values = self._values(conn, rows)
        driver: Any = conn.connection.driver_connection
        try:
            if many and len(values) > 1:
                driver.executemany(sql, values)
                return None
            returned = driver.execute(sql, values[0]).fetchall()
        except sqlite3.Error as err:
            raise DBAPIError.instance(sql, values, err, sqlite3.Error) from err
        return returned[0] if returned else None

    def ids(self, session: Session, rows: list[dict[str, Any]], id_column: Any) -> list[int]:
        """Insert rows; the id each was given, in their order (the statement returns none)."""
        if not rows:
            return []
        conn = session.connection()
        if conn.dialect.name != "sqlite":
            statement = self._returning.get(id_column)
            if statement is None:  # built once: SQLAlchemy then finds it compiled
                statement = self.statement.returning(id_column, sort_by_parameter_order=True)
                self._returning[id_column] = statement
            return list(session.scalars(statement, rows))
        sql, values = self._values(conn, rows)
        driver: Any = conn.connection.driver_connection
        cursor = driver.cursor()
        ids = []
        try:
            for row in values:
                ids.append(cursor.execute(sql, row).lastrowid)
        except sqlite3.Error as err:
            raise DBAPIError.instance(sql, values, err, sqlite3.Error) from err
        return ids

    def _values(self, conn: Connection, rows: list[dict[str, Any]]) -> tuple[str, list[list[Any]]]:
        sql, binds = self._plan(conn, tuple(rows[0]))
        return sql, [[row[n] if p is None else p(row[n]) for n, p in binds] for row in rows]


# A Session.info entry: called with the connection as the session's transaction begins (the key
# check, see deps.py), whether the ORM begins it or RequestSession.connection does.
ON_BEGIN = "filmstack_on_begin"
_CORE_BEGUN = "filmstack_core_begun"


class RequestSession(Session):
    """A Session whose transaction, on a Connection it is bound to, the Core work of a request
    begins and ends without the ORM's bookkeeping.

    A request on SQLite's event loop binds its session to the loop's kept connection. Most of
    its work is Core (DriverQuery, DriverWrite), which only asks for `connection()`: through the
    ORM, that call made a SessionTransaction, dispatched its events and, at the end, committed,
    expunged and closed it, about a fifth of an authenticated read's whole cost. Here the bare
    `connection()` begins the Connection's own transaction and returns it; ORM work that
    follows joins that transaction (SQLAlchemy's "conservative_savepoint": the ORM flushes into
    it and rolls it back on error, but does not commit it), and `end` commits or rolls back
    both. Bound to an Engine, or asked for options, it is a plain Session.
    """

    def connection(
        self,
        bind_arguments: Any = None,
        execution_options: Any = None,
    ) -> Connection:
        bind = self.bind
        if (
            isinstance(bind, Connection)
            and self._transaction is None
            and bind_arguments is None
            and execution_options is None
        ):
            if not bind.in_transaction():
                bind.begin()
                self.info[_CORE_BEGUN] = True  # the ORM joining later is no new beginning
                on_begin = self.info.get(ON_BEGIN)
                if on_begin is not None:
                    on_begin(bind)
            return bind
        return super().connection(bind_arguments, execution_options)

    def end(self, *, commit: bool) -> None:
        """Commit (or roll back) the ORM's work and the Connection's transaction."""
        bind = self.bind
        self.info.pop(_CORE_BEGUN, None)
        try:
            if self._transaction is not None or self.new or self.dirty or self.deleted:
                if commit:
                    self.commit()
                else:
                    self.rollback()
            if isinstance(bind, Connection) and bind.in_transaction():
                if commit:
                    bind.commit()
                else:
                    bind.rollback()
        except BaseException:
            if commit and isinstance(bind, Connection) and bind.in_transaction():
                bind.rollback()
            raise


@event.listens_for(RequestSession, "after_begin")
def _on_orm_begin(session: Session, _tx: Any, connection: Connection) -> None:
    on_begin = session.info.get(ON_BEGIN)
    if on_begin is not None and not session.info.get(_CORE_BEGUN):
        on_begin(connection)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class Database:
    """The engine and its two session factories: one for reads, one for writes."""

    def __init__(
        self,
        url: str,
        *,
        max_connections: int = 40,
        timeout_s: float = 5.0,
        pool_timeout_s: float = 5.0,
    ) -> None:
        self.max_connections = max_connections
        self.timeout_s = timeout_s
        self.engine = make_engine(
            url,
            max_connections=max_connections,
            timeout_s=timeout_s,
            pool_timeout_s=pool_timeout_s,
        )
        self.read_sessions = sessionmaker(
            self.engine, class_=RequestSession, expire_on_commit=False
        )
        self._kept: dict[int, Connection] = {}  # thread id -> its kept connection
        self._kept_lock = threading.Lock()
        database = self.engine.url.database if is_sqlite(self.engine) else None
        file = database and database != ":memory:" and not database.startswith("file:")
        self._shm = Path(f"{database}-shm").expanduser() if file else None
        self._loop_writes = 0
        self._busy_ms = int(timeout_s * 1000)
        self._checkpointing = threading.Lock()
        self.write_sessions = sessionmaker(
            self.engine.execution_options(**{IMMEDIATE: True}),
            class_=RequestSession,
            expire_on_commit=False,
            info={"write": True},
        )

    @contextmanager
    def session(self, *, write: bool) -> Iterator[Session]:
        """One transaction: committed when the block ends cleanly, rolled back otherwise."""
        factory = self.write_sessions if write else self.read_sessions
        with factory() as session, session.begin():
            yield session

    def thread_connection(self) -> Connection:
        """A connection kept for this thread alone: for the SQLite reads an event loop runs
        itself, one at a time and start to finish, without a pool checkout and reset each."""
        ident = threading.get_ident()
        conn = self._kept.get(ident)
        if conn is None or conn.closed or conn.invalidated:
            conn = self.engine.connect()
            with self._kept_lock:
                self._kept[ident] = conn
        elif conn.in_transaction():  # never let one read see another's snapshot
            conn.rollback()
        return conn

    def write_in_loop(self, conn: Connection, work: Callable[[], T]) -> T:
        """Run a SQLite write in the event loop, on the loop's kept `conn`, if the write lock
        is free at once; WriteLockBusy (before anything ran in the database) if it is not.

        The loop must never wait: this process's writers' turn is tried without blocking and
        BEGIN IMMEDIATE runs with no busy timeout. Once the lock is held nothing else waits (a
        WAL commit writes the log without syncing it), except a checkpoint, which syncs the
        disk: the loop's connection never checkpoints, a worker thread does (_checkpoint_due).
        """
        driver: Any = conn.connection.driver_connection
        if not conn.info.get(_NO_AUTOCHECKPOINT):
            driver.execute("PRAGMA wal_autocheckpoint=0")
            conn.info[_NO_AUTOCHECKPOINT] = True
        # Never wait for another process's lock in the event loop: BEGIN IMMEDIATE fails at once.
        driver.execute("PRAGMA busy_timeout=0")
        conn.info[_IN_LOOP_WRITE] = True
        try:
            return work()
        finally:
            conn.info.pop(_IN_LOOP_WRITE, None)
            driver.execute(f"PRAGMA busy_timeout={self._busy_ms}")
            self._loop_writes += 1
            if self._loop_writes % 32 == 0 and self._checkpoint_due():
                threading.Thread(target=self._checkpoint, name="filmstack-checkpoint").start()

    def _checkpoint_due(self) -> bool:
        """Whether the log holds 1000 frames not yet copied back, as SQLite's automatic
        checkpoint would judge. The log file never shrinks, so its size tells nothing; the
        wal-index (the -shm file, https://sqlite.org/walformat.html) holds the two counts:
        mxFrame at byte 16 of its header, nBackfill at byte 96, in native byte order."""
        if self._shm is None or self._checkpointing.locked():
            return False
        try:
            with open(self._shm, "rb") as shm:
                header = shm.read(100)
        except OSError:
            return False
        if len(header) < 100:
            return False
        frames: int = struct.unpack_from("=I", header, 16)[0]
        copied: int = struct.unpack_from("=I", header, 96)[0]
        return frames - copied >= _CHECKPOINT_FRAMES

    def _checkpoint(self) -> None:
        """A checkpoint between this process's writes: it holds the writers' turn, so that the
        log is copied whole and the next write starts it again from the beginning (writes in
        the loop meanwhile find the turn taken and wait in worker threads)."""
        if not self._checkpointing.acquire(blocking=False):
            return
        turn = _WRITE_TURNS[self.engine]
        try:
            if not turn.acquire(timeout=self._busy_ms / 1000):
                return
            try:
                with self.engine.connect() as conn:
                    # On the driver's connection, outside any transaction, as SQLite's own
                    # automatic checkpoint runs; PASSIVE never waits for readers or writers.
                    driver: Any = conn.connection.driver_connection
                    driver.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                turn.release()
        except Exception:  # noqa: BLE001 - the next due check tries again
            log.warning("WAL checkpoint failed", exc_info=True)
        finally:
            self._checkpointing.release()

    def dispose(self) -> None:
        with self._kept_lock:
            kept, self._kept = list(self._kept.values()), {}
        for conn in kept:
            with contextlib.suppress(Exception):
                conn.close()
        self.engine.dispose()
