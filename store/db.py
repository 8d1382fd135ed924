"""Engines for the metadata DB (SQLite with WAL, or PostgreSQL via psycopg 3) and migrations."""

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
POOL_SIZE = 10  # PostgreSQL connections kept per process (as many again may open for a burst)


def database_url(url: str) -> URL:
    """Parse a settings URL; plain postgresql:// means the psycopg 3 driver, not psycopg2."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get their directory created and WAL pragmas set."""
    parsed = database_url(url)
    if parsed.get_backend_name() != "sqlite":
        connect_args = _connect_args(parsed)
        # A pool as large as the API's concurrent work (a burst of alert POSTs, the alert
        # dispatcher, the worker's activities): past it, each checkout opens a connection
        # (a PostgreSQL backend forked) and closes it again on return.
        return create_engine(
            parsed, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_SIZE,
            connect_args=connect_args,
        )  # fmt: skip
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def make_async_engine(url: URL, *, pool_size: int) -> AsyncEngine:
    """An asyncio engine (psycopg's async driver) for the PostgreSQL at `url`."""
    return create_async_engine(
        url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size,
        connect_args=_connect_args(url),
    )  # fmt: skip


def _connect_args(url: URL) -> dict[str, Any]:
    """Fail fast (readiness, start-up, a write) rather than hang on an unreachable server."""
    return {} if "connect_timeout" in url.query else {"connect_timeout": 10}


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


# Tables that migrations make by hand and no model describes: the knowledge full-text index
# (FTS5 and its shadow tables on SQLite, a tsvector table on PostgreSQL).
UNMODELLED_PREFIXES = ("knowledge_fts",)


def managed_by_migrations(name: str | None, type_: str, _parents: Any) -> bool:
    """Alembic's `include_name`: whether comparing the models with the DB covers `name`."""
    return not (type_ == "table" and (name or "").startswith(UNMODELLED_PREFIXES))


def alembic_config() -> Config:
    """Alembic settings built in code, so migrations run from any working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


# Any constant shared by every Sluice process: "sluice" in ASCII.
MIGRATE_LOCK = 0x736C75696365


def migrate(url: str) -> None:
    """Bring the database at `url` up to the newest schema (alembic upgrade head).

    On PostgreSQL a transaction-scoped advisory lock serialises replicas starting together
    (`sluice api` and `sluice worker` each migrate): the first upgrades, the others then find
    the schema at head. Without it two would create the same tables at once and one failed.
    """
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK}
                )
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()
