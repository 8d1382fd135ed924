"""Alembic environment: runs on the connection migrate() passes in, or on SLUICE_DATABASE_URL."""

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import store.models  # noqa: F401  (registers every table on SQLModel.metadata)
from store.db import make_engine, managed_by_migrations

target_metadata = SQLModel.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=managed_by_migrations,
    )
    with context.begin_transaction():
        context.run_migrations()


def database_url() -> str:
    url = context.config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from sluice.settings import load_settings

    return load_settings().database_url


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    engine = make_engine(database_url())
    try:
        with engine.begin() as new_connection:
            run_on(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
