"""Server-side commands: serve, keys, db. They act on the database FILMSTACK_DATABASE_URL names."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from filmstack.server.config import Settings
    from filmstack.server.db import Database

err = Console(stderr=True, soft_wrap=True)
out = Console()

keys_app = typer.Typer(
    help="Create, list and revoke API keys.",
    epilog="Example: KEY=$(filmstack keys create --org lab --user alice)",
    no_args_is_help=True,
)
db_app = typer.Typer(
    help="Database maintenance.", epilog="Example: filmstack db upgrade", no_args_is_help=True
)


def _settings() -> "Settings":
    from pydantic import ValidationError

    from filmstack.server.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        for e in exc.errors():
            field = "".join(str(part) for part in e["loc"])
            where = f"FILMSTACK_{field.upper()}: " if field else ""
            err.print(f"error: invalid setting {where}{e['msg'].removeprefix('Value error, ')}")
        raise typer.Exit(2) from None


def _describe(url: str) -> str:
    from sqlalchemy.engine import make_url

    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        return f"SQLite file {sa_url.database}"
    return f"{sa_url.get_backend_name()} {sa_url.render_as_string(hide_password=True)}"


@contextmanager
def _reaching_database(url: str) -> Iterator[None]:
    """An unreachable or stalled database is one line on stderr and exit 1, not a traceback."""
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from filmstack.server.db import DatabaseTimeout

    try:
        yield
    except (DBAPIError, PoolTimeout, DatabaseTimeout) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        err.print(
            f"error: cannot use the database ({_describe(url)}): {reason[0] if reason else exc}",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(1) from None


def _upgraded_database() -> "Database":
    from filmstack.server.db import Database
    from filmstack.server.migrations import upgrade

    settings = _settings()
    url = settings.resolved_database_url()
    with _reaching_database(url):
        upgrade(url)
    return Database(url, timeout_s=settings.db_timeout_s, pool_timeout_s=settings.db_pool_timeout_s)


def _organization_names(session: "Session", shown: int = 10) -> list[str]:
    """The organizations' names, oldest first (at most `shown`, then "…")."""
    from sqlalchemy import select

    from filmstack.server.accounts.models import Organization

    names = list(session.scalars(select(Organization.name).order_by(Organization.id)))
    return names[:shown] + (["…"] if len(names) > shown else [])


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Apply pending migrations, then serve the API (and the web page) over HTTP.

    On an empty database it creates the organization 'default', the user 'admin' and a key with
    every scope, and prints that key once.

    Example: filmstack serve --port 8000
    """
    import os
    import sys

    from filmstack.server.accounts.service import bootstrap

    settings = _settings()
    url = settings.resolved_database_url()
    db = _upgraded_database()
    with _reaching_database(url), db.session(write=True) as session:
        key = bootstrap(session)
        orgs = _organization_names(session) if key is None else []
    db.dispose()
    base = f"http://{host}:{port}/"
    err.print(f"filmstack serving at [bold]{base}[/]  (API docs: {base}docs, {base}redoc)")
    err.print(f"database: {_describe(url)}")
    per_worker = max(1, settings.db_connections // workers)
    err.print(
        f"database connections: at most {per_worker} per worker x {workers} "
        f"worker{'s' if workers > 1 else ''} = {per_worker * workers} "
        f"(budget FILMSTACK_DB_CONNECTIONS={settings.db_connections})"
    )
    if key:
        err.print("admin API key for organization 'default' (shown only once):")
        print(key, flush=True)
    else:
        org = orgs[0] if len(orgs) == 1 else "ORG"
        err.print(
            f"API keys exist already; make one with: filmstack keys create --org {org} --user USER"
            + (f"  (organizations: {', '.join(orgs)})" if len(orgs) > 1 else "")
        )
    # Serve from a fresh interpreter that loads the server alone (not this command line and its
    # client), with the same process id, so signals and supervisors see no difference.
    os.environ["FILMSTACK_WORKERS"] = str(workers)
    sys.stdout.flush()
    sys.stderr.flush()
    argv = [sys.executable, "-m", "filmstack.server.serve", "--host", host, "--port", str(port)]
    os.execv(sys.executable, [*argv, "--workers", str(workers)])


_OPTIONS = {"organization": "--org", "user": "--user"}


@keys_app.command("create")
def keys_create(
    org: Annotated[str, typer.Option(help="Organization; created when missing.")],
    user: Annotated[str, typer.Option(help="User; created when missing.")],
    scope: Annotated[
        list[str] | None,
        typer.Option(help="read, write, delete or admin; repeat it. Default: read, write, delete."),
    ] = None,
) -> None:
    """Create an API key and print only the key on stdout.

    Example: KEY=$(filmstack keys create --org lab --user alice --scope read)
    """
    from filmstack.server.accounts.service import DEFAULT_SCOPES, create_key
    from filmstack.server.errors import InvalidInput

    db = _upgraded_database()
    try:
        url = _settings().resolved_database_url()
        with _reaching_database(url), db.session(write=True) as session:
            key, row = create_key(session, org, user, scope or list(DEFAULT_SCOPES))
            scopes = row.scopes
    except InvalidInput as exc:
        problem = exc.detail[0]
        option = _OPTIONS.get(str(problem["loc"][-1]))
        message = f"{option} {problem['msg']}" if option else problem["msg"]
        err.print(f"error: {message}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    finally:
        db.dispose()
    err.print(
        f"created a key for {user.strip()} in {org.strip()} with scopes {scopes}",
        markup=False,
        highlight=False,
    )
    print(key)


@keys_app.command("list")
def keys_list(
    org: Annotated[str | None, typer.Option(help="Only this organization.")] = None,
) -> None:
    """List API keys (their prefixes; keys themselves are never stored).

    Example: filmstack keys list --org lab
    """
    from filmstack.server.accounts.service import list_keys

    db = _upgraded_database()
    table = Table("id", "prefix", "organization", "user", "scopes", "created", "revoked")
    with (
        _reaching_database(_settings().resolved_database_url()),
        db.session(write=False) as session,
    ):
        for key in list_keys(session, org):
            table.add_row(
                str(key.id),
                key.prefix,
                key.user.organization.name,
                key.user.name,
                key.scopes,
                f"{key.created_at:%Y-%m-%d %H:%M}",
                f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
            )
    db.dispose()
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key: Annotated[str, typer.Argument(help="The key's id or prefix (from 'keys list').")],
) -> None:
    """Revoke a key; it stops working on the next request.

    Example: filmstack keys revoke 3
    """
    from filmstack.server.accounts.service import revoke_key
    from filmstack.server.errors import NotFound

    db = _upgraded_database()
    try:
        with (
            _reaching_database(_settings().resolved_database_url()),
            db.session(write=True) as session,
        ):
            row = revoke_key(session, key)
            err.print(f"revoked key {row.id} ({row.prefix}…)")
    except NotFound as exc:
        err.print(f"error: {exc.detail}")
        raise typer.Exit(1) from None
    finally:
        db.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations to the database.

    Example: FILMSTACK_DATABASE_URL=postgresql://root@127.0.0.1/test filmstack db upgrade
    """
    url = _settings().resolved_database_url()
    _upgraded_database().dispose()
    err.print(f"database is up to date: {_describe(url)}")


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="Where to write the copy.", dir_okay=False)],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """Write a consistent copy of a SQLite database, also while the server runs and writes.

    On PostgreSQL, use pg_dump instead (this command says so and exits non-zero).

    Example: filmstack db backup ~/backups/filmstack-$(date +%F).db
    """
    from filmstack.server.backup import BackupError, backup

    try:
        summary = backup(_settings().resolved_database_url(), file, overwrite=force)
    except BackupError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(1) from None
    err.print(
        f"backup written: {summary.path} (schema {summary.revision}, "
        f"{summary.materials} materials, {summary.trashed} in the trash)"
    )


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="A file written by filmstack db backup.")],
) -> None:
    """Put a backup in place of the SQLite database; stop the server first.

    The file is checked first (a SQLite file, a filmstack schema, intact); the database it
    replaces is kept beside it as <name>.before-restore-<time>. On PostgreSQL, use pg_restore.

    Example: filmstack db restore ~/backups/filmstack-2026-12-01.db
    """
    from filmstack.server.backup import BackupError, restore

    url = _settings().resolved_database_url()
    try:
        summary, kept = restore(url, file)
    except BackupError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(1) from None
    _upgraded_database().dispose()
    if kept is not None:
        err.print(f"the database it replaced is kept as {kept}")
    err.print(
        f"restored {file} into {_describe(url)} ({summary.materials} materials, "
        f"{summary.trashed} in the trash)"
    )
