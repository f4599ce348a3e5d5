"""Backups of a SQLite database: consistent while the server writes, checked before restoring.

The copy is made with SQLite's online backup API in one step, which reads one snapshot of the
database (WAL readers never block the writers, nor are blocked by them): the file holds every
transaction committed before the copy began and nothing half-written.
"""

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from filmstack.server.migrations import HERE as MIGRATIONS

# Tables a filmstack database always has; a file without them is not one.
REQUIRED_TABLES = frozenset({"alembic_version", "target_materials", "layers", "organizations"})


class BackupError(Exception):
    """Why a backup or restore cannot be done, in words for the user."""


@dataclass(frozen=True)
class Summary:
    path: Path
    revision: str
    materials: int
    trashed: int


def sqlite_path(url: str) -> Path:
    """The file a SQLite URL names; PostgreSQL has its own tools."""
    sa_url = make_url(url)
    if sa_url.get_backend_name() != "sqlite":
        raise BackupError(
            "this database is PostgreSQL: back it up with pg_dump "
            "(e.g. pg_dump -Fc -f filmstack.dump DBNAME) and restore it with pg_restore"
        )
    if not sa_url.database or sa_url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has no file to back up")
    return Path(sa_url.database).expanduser()


def _known_revisions() -> set[str]:
    return {p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py")}


def inspect(path: Path) -> Summary:
    """What a file holds, or BackupError if it is not a sound filmstack database."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file")
    with path.open("rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{path} is not a SQLite database")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables >= REQUIRED_TABLES:
            raise BackupError(f"{path} is a SQLite database but not a filmstack one")
        check = conn.execute("PRAGMA integrity_check").fetchone()
        if not check or check[0] != "ok":
            raise BackupError(f"{path} is damaged: {check[0] if check else 'no answer'}")
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if not revision:
            raise BackupError(f"{path} has no schema revision")
        columns = {r[1] for r in conn.execute("PRAGMA table_info(target_materials)")}
        trashed = (
            conn.execute(
                "SELECT count(*) FROM target_materials WHERE deleted_at IS NOT NULL"
            ).fetchone()[0]
            if "deleted_at" in columns
            else 0
        )
        total = conn.execute("SELECT count(*) FROM target_materials").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read as a database: {exc}") from None
    finally:
        conn.close()
    return Summary(path, str(revision[0]), total - trashed, trashed)


def backup(url: str, dest: Path, *, overwrite: bool = False) -> Summary:
    """Copy the live database to `dest` (written under a temporary name, then renamed)."""
    source = sqlite_path(url)
    inspect(source)
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest} exists already; pass --force to replace it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)  # all pages in one step: one consistent snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()
    summary = inspect(partial)
    partial.replace(dest)
    return Summary(dest, summary.revision, summary.materials, summary.trashed)


def restore(url: str, source: Path) -> tuple[Summary, Path | None]:
    """Put a backup in place of the database; the database it replaces is kept beside it.

    Returns the restored summary and where the replaced database was kept (None if none).
    """
    target = sqlite_path(url)
    summary = inspect(source)
    if summary.revision not in _known_revisions():
        raise BackupError(
            f"{source} was written by a newer filmstack (schema {summary.revision}); "
            "upgrade filmstack first"
        )
    if source.resolve() == target.resolve():
        raise BackupError("the backup and the database are the same file")
    kept = None
    target.parent.mkdir(parents=True, exist_ok=True)
    dst = sqlite3.connect(target, timeout=1)
    try:
        try:
            # A running server holds the database open and writes to it: refuse rather than
            # pull the file from under it.
            dst.execute("BEGIN EXCLUSIVE")
            dst.execute("ROLLBACK")
        except sqlite3.OperationalError:
            raise BackupError(
                f"{target} is in use: stop the server before restoring a backup"
            ) from None
        has_data = dst.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        if has_data:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            kept = target.with_name(f"{target.name}.before-restore-{stamp}")
            keep = sqlite3.connect(kept)
            try:
                dst.backup(keep)
            finally:
                keep.close()
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            src.backup(dst)
        finally:
            src.close()
    finally:
        dst.close()
    return summary, kept
