"""Migrations are the only way the schema changes: the migrated schema equals the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from filmstack.server.db import Database
from filmstack.server.migrations import include_name
from filmstack.server.models import metadata
from tests.conftest import Backend


def test_migrated_schema_equals_the_models(backend: Backend, database: Database) -> None:
    with database.engine.connect() as conn:
        opts = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_migrations_apply_to_an_empty_sqlite_file(sqlite_copy: str) -> None:
    db = Database(sqlite_copy)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, metadata)
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    db.dispose()
    assert diff == []
    assert version == "0003"
