"""Alembic environment: runs against the URL our config passes, with batch mode on SQLite."""

from alembic import context

from filmstack.server.db import make_engine
from filmstack.server.migrations import include_name
from filmstack.server.models import metadata

config = context.config


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("filmstack migrations run online only: filmstack db upgrade")
run_migrations_online()
