"""Task, file and alert group lists are index range scans newest first, on SQLite and Postgres.

The queries the services really run are captured and EXPLAINed: each filter must be served by
its (filter, timestamp, id) index with no sort step, so a deep page costs what the first does.
PostgreSQL is told to avoid sequential scans and sorts where it can, since on a small test
table it would rightly prefer them; the plan then shows which index serves the query.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session

from api.services.alert_groups import list_groups
from api.services.file_events import list_file_events
from api.services.host_files import shipped
from api.services.keyset import encode_cursor
from api.services.tasks import list_tasks
from store.models import TaskStatus

CURSOR = encode_cursor(datetime(2026, 6, 1, tzinfo=UTC), "task-x")
SINCE = datetime(2026, 5, 1, tzinfo=UTC)


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def plans_of(engine: Engine, run: Callable[[Session], object], table: str) -> list[str]:
    """The plans of the ORDER BY … LIMIT queries on `table` that `run` makes, as text."""
    with captured(engine) as statements, Session(engine) as session:
        run(session)
    queries = [
        (s, p) for s, p in statements if f"FROM {table}" in s and "ORDER BY" in s and "LIMIT" in s
    ]
    assert queries, statements
    return [explain(engine, statement, parameters) for statement, parameters in queries]


def explain(engine: Engine, statement: str, parameters: Any) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(str(row[-1]) for row in rows)
        connection.exec_driver_sql("SET enable_seqscan = off")
        connection.exec_driver_sql("SET enable_sort = off")
        rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        return "\n".join(str(row[0]) for row in rows)


def plan_of(engine: Engine, run: Callable[[Session], object], table: str) -> str:
    [plan] = plans_of(engine, run, table)
    return plan


def assert_index_scan(engine: Engine, plan: str, index: str) -> None:
    assert index in plan, plan
    if engine.dialect.name == "sqlite":
        assert "TEMP B-TREE" not in plan, plan
    else:
        assert "Sort" not in plan and "Seq Scan" not in plan, plan


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({}, "ix_tasks_created_at_id"),
        ({"created_from": SINCE}, "ix_tasks_created_at_id"),
        ({"status": "failed"}, "ix_tasks_status_created_at_id"),
        ({"status": "failed", "created_from": SINCE}, "ix_tasks_status_created_at_id"),
        ({"agent_id": "web-01"}, "ix_tasks_agent_id_created_at_id"),
        ({"rule_id": 3}, "ix_tasks_rule_id_created_at_id"),
        ({"error_class": "network"}, "ix_tasks_error_class_created_at_id"),
    ],
)
def test_each_task_filter_is_an_index_scan(
    db_engine: Engine, filters: dict[str, Any], index: str
) -> None:
    plan = plan_of(db_engine, lambda s: list_tasks(s, limit=50, cursor=CURSOR, **filters), "tasks")
    assert_index_scan(db_engine, plan, index)


def test_path_search_walks_the_same_index_within_its_window(db_engine: Engine) -> None:
    window, page = plans_of(
        db_engine,
        lambda s: list_tasks(s, status=TaskStatus.failed, path="heap", cursor=CURSOR),
        "tasks",
    )
    assert_index_scan(db_engine, window, "ix_tasks_status_created_at_id")
    assert_index_scan(db_engine, page, "ix_tasks_status_created_at_id")
    # Each candidate's file is one primary-key lookup, never a scan of file_events.
    sqlite = db_engine.dialect.name == "sqlite"
    primary_key = "sqlite_autoindex_file_events_1 (id=?)" if sqlite else "pk_file_events"
    assert primary_key in page, page


def test_file_path_search_is_bounded_by_the_same_window(db_engine: Engine) -> None:
    window, page = plans_of(
        db_engine, lambda s: list_file_events(s, agent_id="web-01", path="heap"), "file_events"
    )
    assert_index_scan(db_engine, window, "ix_file_events_agent_id_detected_at_id")
    assert_index_scan(db_engine, page, "ix_file_events_agent_id_detected_at_id")


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({}, "ix_file_events_detected_at_id"),
        ({"detected_to": SINCE}, "ix_file_events_detected_at_id"),
        ({"agent_id": "web-01"}, "ix_file_events_agent_id_detected_at_id"),
    ],
)
def test_each_file_event_filter_is_an_index_scan(
    db_engine: Engine, filters: dict[str, Any], index: str
) -> None:
    plan = plan_of(db_engine, lambda s: list_file_events(s, limit=50, **filters), "file_events")
    assert_index_scan(db_engine, plan, index)


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"status": None}, "ix_alert_groups_updated_at_id"),
        ({"status": "firing"}, "ix_alert_groups_status_updated_at_id"),
    ],
)
def test_each_alert_group_page_is_an_index_scan(
    db_engine: Engine, filters: dict[str, Any], index: str
) -> None:
    def run(session: Session) -> object:
        return list_groups(session, route=None, limit=100, cursor=CURSOR, **filters)

    assert_index_scan(db_engine, plan_of(db_engine, run, "alert_groups"), index)


def test_shipped_badges_of_a_directory_page_are_index_lookups(db_engine: Engine) -> None:
    """The host views' file listing asks which of a page's files Sluice shipped: a lookup by
    (agent, root, path) per file, never a scan of the agent's file events."""
    with captured(db_engine) as statements, Session(db_engine) as session:
        shipped(session, agent_id="web-01", root="/data/logs", rel_paths=["a.log", "b/c.hprof"])
    [(statement, parameters)] = [(s, p) for s, p in statements if "FROM file_events" in s]
    plan = explain(db_engine, statement, parameters)
    assert "ix_file_events_agent_id_root_rel_path" in plan, plan
    assert "Seq Scan on file_events" not in plan, plan
