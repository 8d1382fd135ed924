"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import Session, SQLModel, select

import store.models  # noqa: F401  (registers the tables)
from store.db import alembic_config, make_engine, managed_by_migrations, migrate
from store.models import Agent, AgentConfigVersion

TABLES = {
    "agents", "file_events", "tasks", "task_steps", "task_attempts", "routing_rules",
    "rule_versions", "channels", "notifications", "audit_logs", "api_tokens",
    "agent_config_versions", "knowledge_entries", "knowledge_versions", "knowledge_fts",
}  # fmt: skip


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_name": managed_by_migrations}
        context = MigrationContext.configure(connection, opts=opts)
        return list(compare_metadata(context, SQLModel.metadata))


def test_migrated_schema_matches_the_models(db_engine: Engine) -> None:
    assert set(inspect(db_engine).get_table_names()) >= TABLES
    assert schema_differences(db_engine) == []


def test_migrate_again_is_a_no_op(db_url: str, db_engine: Engine) -> None:
    migrate(db_url)
    assert schema_differences(db_engine) == []


def test_downgrade_to_base_and_back(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate(db_url)
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_upgrading_keeps_each_agents_current_config_as_its_first_version(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0007")
        with Session(engine) as session:
            session.add(Agent(id="pushed", hostname="h", config={"silence": 2}, config_version=3))
            session.add(Agent(id="untouched", hostname="h"))
            session.commit()
        migrate(db_url)
        with Session(engine) as session:
            rows = session.exec(select(AgentConfigVersion)).all()
        assert [(r.agent_id, r.version, r.config, r.created_by) for r in rows] == [
            ("pushed", 3, {"silence": 2}, "")
        ]
    finally:
        engine.dispose()
