"""Task queries: keyset pages walk every row once, newest first, with filters applied."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from api.services import keyset
from api.services.tasks import InvalidCursor, encode_cursor, get_task, list_tasks
from store.models import FileEvent, Task, TaskStatus
from tests.api.builders import (
    apply_step_update,
    apply_task_update,
    detected_file,
    step_update,
    task_update,
)

START = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
STATUSES = [TaskStatus.succeeded, TaskStatus.failed, TaskStatus.running]


def seed_tasks(engine: Engine, count: int = 23) -> list[Task]:
    """Tasks over a few agents and statuses; every third pair shares a created_at."""
    tasks = []
    for n in range(count):
        created = START + timedelta(seconds=n // 2)  # ties on created_at: the id breaks them
        tasks.append(
            Task(
                id=f"task-{n:03d}",
                workflow_id=f"task-{n:03d}",
                agent_id=f"agent-{n % 3}",
                status=STATUSES[n % len(STATUSES)],
                created_at=created,
                updated_at=created,
            )
        )
    with Session(engine, expire_on_commit=False) as session:
        session.add_all(tasks)
        session.commit()
    return sorted(tasks, key=lambda t: (t.created_at, t.id), reverse=True)


def walk(engine: Engine, limit: int, **filters: Any) -> list[str]:
    seen: list[str] = []
    cursor = None
    with Session(engine) as session:
        while True:
            page = list_tasks(session, limit=limit, cursor=cursor, **filters)
            assert len(page.items) <= limit
            seen.extend(task.id for task in page.items)
            if page.next_cursor is None:
                return seen
            cursor = page.next_cursor


@pytest.mark.parametrize("limit", [1, 5, 23, 500])
def test_pages_walk_every_task_once_newest_first(db_engine: Engine, limit: int) -> None:
    expected = [t.id for t in seed_tasks(db_engine)]
    assert walk(db_engine, limit) == expected


def test_filters_apply_across_pages(db_engine: Engine) -> None:
    tasks = seed_tasks(db_engine)
    failed = [t.id for t in tasks if t.status == TaskStatus.failed]
    agent_1 = [t.id for t in tasks if t.agent_id == "agent-1"]
    both = [t.id for t in tasks if t.agent_id == "agent-1" and t.status == TaskStatus.failed]
    assert walk(db_engine, 2, status=TaskStatus.failed) == failed
    assert walk(db_engine, 3, agent_id="agent-1") == agent_1
    assert walk(db_engine, 1, agent_id="agent-1", status=TaskStatus.failed) == both
    assert both and walk(db_engine, 4, agent_id="nobody") == []


def test_last_full_page_has_no_next_cursor(db_engine: Engine) -> None:
    seed_tasks(db_engine, count=4)
    with Session(db_engine) as session:
        page = list_tasks(session, limit=4)
    assert (len(page.items), page.next_cursor) == (4, None)


@pytest.mark.parametrize("cursor", ["", "not base64!", encode_cursor(START, "x")[:-3], "W10"])
def test_foreign_cursor_is_rejected(db_engine: Engine, cursor: str) -> None:
    with Session(db_engine) as session, pytest.raises(InvalidCursor):
        list_tasks(session, cursor=cursor)


def test_get_task_loads_file_steps_and_attempts_in_order(db_engine: Engine) -> None:
    file = detected_file()
    with Session(db_engine) as session:
        apply_task_update(session, update=task_update(file, "running", run_id="run-1"))
        apply_step_update(session, update=step_update(file.workflow_id, "failed"))
        apply_step_update(session, update=step_update(file.workflow_id, "succeeded", attempt=2))
        apply_step_update(session, update=step_update(file.workflow_id, "running", name="verify"))
    with Session(db_engine) as session:
        task = get_task(session, task_id=file.workflow_id)
        missing = get_task(session, task_id="file-nope")
    assert missing is None
    assert task is not None
    assert task.file_event is not None
    assert task.file_event.rel_path == file.rel_path
    assert [(s.name, s.status, s.attempts) for s in task.steps] == [
        ("upload", "succeeded", 2),
        ("verify", "running", 1),
    ]
    assert [(a.attempt, a.status) for a in task.steps[0].attempt_rows] == [
        (1, "failed"),
        (2, "succeeded"),
    ]


def seed_varied(engine: Engine, count: int = 30) -> list[Task]:
    """Tasks with files, rules and error classes, newest first; every fifth path has "Heap"."""
    tasks, events = [], []
    for n in range(count):
        created = START + timedelta(minutes=n)
        event = FileEvent(
            id=f"event-{n:03d}",
            dedup_key=f"key-{n:03d}",
            agent_id=f"agent-{n % 2}",
            host="h",
            root="/srv",
            rel_path=f"app/{'Heap' if n % 5 == 0 else 'log'}_{n:03d}.dat",
            name=f"{n:03d}.dat",
            detected_at=created,
        )
        events.append(event)
        tasks.append(
            Task(
                id=f"task-{n:03d}",
                workflow_id=f"task-{n:03d}",
                file_event_id=event.id,
                agent_id=event.agent_id,
                rule_id=n % 3 or None,
                rule_version=1,
                status=TaskStatus.failed if n % 4 == 0 else TaskStatus.succeeded,
                error_class="network" if n % 4 == 0 else "",
                created_at=created,
                updated_at=created,
            )
        )
    with Session(engine, expire_on_commit=False) as session:
        session.add_all(events)
        session.commit()
        session.add_all(tasks)
        session.commit()
    return sorted(tasks, key=lambda t: (t.created_at, t.id), reverse=True)


def test_rule_error_class_and_time_range_filters(db_engine: Engine) -> None:
    tasks = seed_varied(db_engine)
    rule_2 = [t.id for t in tasks if t.rule_id == 2]
    network = [t.id for t in tasks if t.error_class == "network"]
    start, end = START + timedelta(minutes=10), START + timedelta(minutes=20)
    window = [t.id for t in tasks if start <= t.created_at < end]
    assert rule_2 and network and len(window) == 10
    assert walk(db_engine, 3, rule_id=2) == rule_2
    assert walk(db_engine, 2, error_class="network") == network
    assert walk(db_engine, 4, created_from=start, created_to=end) == window
    assert walk(db_engine, 1, created_from=start, created_to=end, error_class="network") == [
        t for t in network if t in window
    ]
    assert walk(db_engine, 5, rule_id=99) == []


def test_path_substring_is_case_insensitive_and_literal(db_engine: Engine) -> None:
    tasks = seed_varied(db_engine)
    heap = [t.id for t in tasks if int(t.id[-3:]) % 5 == 0]
    assert walk(db_engine, 2, path="heap_") == heap
    assert walk(db_engine, 50, path="APP/HEAP") == heap
    assert walk(db_engine, 50, path="%") == []  # LIKE wildcards are matched literally:
    assert walk(db_engine, 50, path="a_p/") == []  # as a wildcard "_" would match "app/"
    assert walk(db_engine, 50, path="heap", agent_id="agent-1") == [
        t.id for t in tasks if t.id in heap and t.agent_id == "agent-1"
    ]


def test_path_pages_examine_a_bounded_window(
    db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyset, "SCAN_ROWS", 7)
    tasks = seed_varied(db_engine)
    heap = [t.id for t in tasks if int(t.id[-3:]) % 5 == 0]
    with Session(db_engine) as session:
        first = list_tasks(session, path="heap", limit=50)
    # Only the newest 7 tasks were examined: 25 is the one Heap file among them.
    assert [t.id for t in first.items] == ["task-025"]
    assert first.next_cursor is not None
    assert walk(db_engine, 50, path="heap") == heap  # short pages, every match exactly once
    assert walk(db_engine, 1, path="heap") == heap
