"""Engines: SQLite gets its directory and pragmas, PostgreSQL uses psycopg 3, times stay UTC."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import Session

from store.db import database_url, make_engine
from store.models import Task


def test_sqlite_engine_creates_its_directory_and_sets_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "state" / "nested" / "sluice.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            pragma = {
                name: connection.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        engine.dispose()
    assert path.is_file()
    assert pragma == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1,
                      "busy_timeout": 10_000}  # fmt: skip


def test_postgresql_urls_use_psycopg_3() -> None:
    assert database_url("postgresql://u:p@db:5432/sluice").drivername == "postgresql+psycopg"
    assert database_url("postgresql+psycopg://u@db/s").drivername == "postgresql+psycopg"
    assert database_url("sqlite:///x.db").drivername == "sqlite"


def test_engine_on_each_database_reads_back_aware_utc(db_url: str, db_engine: Engine) -> None:
    if db_url.startswith("postgresql"):
        assert db_engine.dialect.driver == "psycopg"
    created = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=timezone(timedelta(hours=8)))
    with Session(db_engine) as session:
        session.add(Task(id="t-1", workflow_id="t-1", created_at=created, updated_at=created))
        session.commit()
    with Session(db_engine) as session:
        task = session.get(Task, "t-1")
        assert task is not None
        assert task.created_at == created
        assert task.created_at.tzinfo == UTC
