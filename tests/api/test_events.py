"""The live-events stream on SQLite and PostgreSQL, served by real uvicorn on loopback: task,
alert group and agent changes arrive as events, `Last-Event-ID` resumes, auth is required, a
slow client is dropped."""

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col

from api.app import create_app
from api.routes import events
from api.services.changes import Change
from api.services.live import QUEUE_SIZE, LiveHub
from sluice.settings import Settings
from store.models import (
    Agent,
    AlertGroup,
    ConfigRollout,
    ConfigTarget,
    Role,
    Task,
    TaskStatus,
    utcnow,
)
from tests.api.seeding import seed_agent, seed_task
from tests.api.serving import serving
from tests.api.tokens import bearer

Event = dict[str, str]
Wanted = Callable[[Event], bool]


@pytest.fixture
def base_url(db_url: str) -> Iterator[str]:
    with serving(create_app(Settings(database_url=db_url))) as url:
        yield url


def read_until(lines: Iterator[str], wanted: Wanted, seconds: float = 15) -> list[Event]:
    """Events (`event`, `id`, `data` fields) read until one satisfies `wanted(event)`."""
    deadline, seen, event = time.monotonic() + seconds, list[Event](), Event()
    for line in lines:
        assert time.monotonic() < deadline, f"no wanted event among {seen}"
        if line == "":
            if event:
                seen.append(event)
                if wanted(event):
                    return seen
            event = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            event[name] = value.removeprefix(" ")
    raise AssertionError(f"the stream ended; saw {seen}")


def is_task(task_id: str, status: str) -> Wanted:
    def match(event: Event) -> bool:
        data = json.loads(event.get("data", "{}"))
        return (
            event.get("event") == "task" and data.get("id") == task_id and data["status"] == status
        )

    return match


def set_status(engine: Engine, task_id: str, status: TaskStatus) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(Task).where(col(Task.id) == task_id).values(status=status, updated_at=utcnow())
        )


def test_task_and_agent_changes_arrive_as_events(
    base_url: str, db_url: str, db_engine: Engine
) -> None:
    seed_agent(db_engine, "host-e", silent_s=0)
    headers = bearer(db_url, Role.viewer)
    with httpx.stream("GET", f"{base_url}/api/v1/events", headers=headers, timeout=20) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        assert next(lines) == "retry: 3000"
        assert int(next(lines).removeprefix("id: ")) > 0  # even a quiet stream resumes
        time.sleep(1.5)  # the feed's first look is its baseline
        task_id = seed_task(db_engine, utcnow(), "running")
        first = read_until(lines, is_task(task_id, "running"))[-1]
        assert int(first["id"]) > 0
        set_status(db_engine, task_id, TaskStatus.succeeded)
        read_until(lines, is_task(task_id, "succeeded"))
        with db_engine.begin() as conn:
            conn.execute(
                update(Agent).where(col(Agent.id) == "host-e").values(last_heartbeat_at=utcnow())
            )
        read_until(lines, lambda e: e.get("event") == "agent" and '"host-e"' in e["data"])


def test_alert_group_changes_arrive_and_are_replayed(
    base_url: str, db_url: str, db_engine: Engine
) -> None:
    headers = bearer(db_url, Role.viewer)
    url = f"{base_url}/api/v1/events"

    def is_group(status: str) -> Wanted:
        def match(event: Event) -> bool:
            data = json.loads(event.get("data", "{}"))
            return event.get("event") == "alert_group" and data == {
                "id": "alert-group-e", "status": status, "at": data.get("at")
            }  # fmt: skip

        return match

    with httpx.stream("GET", url, headers=headers, timeout=20) as response:
        lines = response.iter_lines()
        time.sleep(1.5)  # the feed's first look is its baseline
        with Session(db_engine) as session:  # as the group workflow's activity writes it
            session.add(AlertGroup(id="alert-group-e", route="ops", group_labels={}))
            session.commit()
        last_id = read_until(lines, is_group("firing"))[-1]["id"]
    with db_engine.begin() as conn:  # acked and resolved while nobody listened
        conn.execute(
            update(AlertGroup)
            .where(col(AlertGroup.id) == "alert-group-e")
            .values(acked_by="carol", status="resolved", updated_at=utcnow())
        )
    resumed = {**headers, "Last-Event-ID": last_id}
    with httpx.stream("GET", url, headers=resumed, timeout=20) as response:
        read_until(response.iter_lines(), is_group("resolved"), seconds=5)


def test_last_event_id_resumes_with_what_changed_meanwhile(
    base_url: str, db_url: str, db_engine: Engine
) -> None:
    headers = bearer(db_url, Role.viewer)
    url = f"{base_url}/api/v1/events"
    task_id = seed_task(db_engine, utcnow() - timedelta(minutes=5), "running")
    with httpx.stream("GET", url, headers=headers, timeout=20) as response:
        lines = response.iter_lines()
        time.sleep(1.5)
        set_status(db_engine, task_id, TaskStatus.failed)
        last_id = read_until(lines, is_task(task_id, "failed"))[-1]["id"]
    time.sleep(6)  # past the look-back, so only the change made while away is replayed
    set_status(db_engine, task_id, TaskStatus.succeeded)
    resumed = {**headers, "Last-Event-ID": last_id}
    with httpx.stream("GET", url, headers=resumed, timeout=20) as response:
        events = read_until(response.iter_lines(), is_task(task_id, "succeeded"), seconds=0.5)
    assert not any(is_task(task_id, "failed")(event) for event in events)


def test_every_replica_streams_a_change_made_anywhere(db_url: str, db_engine: Engine) -> None:
    headers = bearer(db_url, Role.viewer)
    app_a, app_b = (create_app(Settings(database_url=db_url)) for _ in range(2))
    with (
        serving(app_a) as url_a,
        serving(app_b) as url_b,
        httpx.stream("GET", f"{url_a}/api/v1/events", headers=headers, timeout=20) as a,
        httpx.stream("GET", f"{url_b}/api/v1/events", headers=headers, timeout=20) as b,
    ):
        lines_a, lines_b = a.iter_lines(), b.iter_lines()
        time.sleep(1.5)
        task_id = seed_task(db_engine, utcnow(), "pending")  # as a worker would, elsewhere
        read_until(lines_a, is_task(task_id, "pending"))
        read_until(lines_b, is_task(task_id, "pending"))


def test_a_stream_ends_by_itself_asking_to_be_reopened_at_once(
    base_url: str, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "STREAM_SECONDS", 1.0)  # so shutdown never waits for ever
    headers = {**bearer(db_url, Role.viewer), "Last-Event-ID": "1796536000123456"}
    with httpx.stream("GET", f"{base_url}/api/v1/events", headers=headers, timeout=20) as response:
        lines = list(response.iter_lines())  # returns only because the server ended it
    assert lines[:3] == ["retry: 3000", "id: 1796536000123456", ""]  # resumes where asked
    assert lines[-3].startswith("id: ") and lines[-2:] == ["retry: 250", ""]


def test_the_stream_needs_a_reader_token(base_url: str, db_url: str) -> None:
    url = f"{base_url}/api/v1/events"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer sluice_nope"}).status_code == 401
    assert httpx.get(url, headers=bearer(db_url, Role.agent, "host-x")).status_code == 403


async def test_a_subscriber_that_does_not_keep_up_is_dropped(db_engine: Engine) -> None:
    hub = LiveHub(db_engine, interval=3600)
    slow, quick = hub.subscribe(), hub.subscribe()
    change = Change("task", "t-1", "running", utcnow())
    hub._publish([change] * QUEUE_SIZE)
    for _ in range(QUEUE_SIZE):
        quick.queue.get_nowait()
    hub._publish([change])
    assert slow.dropped.is_set() and not quick.dropped.is_set()
    assert quick.queue.qsize() == 1 and slow.queue.qsize() == QUEUE_SIZE  # bounded
    hub.unsubscribe(quick)
    await asyncio.sleep(0)


def is_target(name: str) -> Wanted:
    def match(event: Event) -> bool:
        data = json.loads(event.get("data", "{}"))
        return event.get("event") == "config_target" and data.get("id") == name

    return match


def test_config_target_sync_and_rollout_changes_arrive_as_events(
    base_url: str, db_url: str, db_engine: Engine
) -> None:
    with Session(db_engine) as session:
        session.add(ConfigTarget(name="prom-e", kind="prometheus", desired_version=1))
        session.commit()
    headers = bearer(db_url, Role.viewer)
    with httpx.stream("GET", f"{base_url}/api/v1/events", headers=headers, timeout=20) as response:
        lines = response.iter_lines()
        time.sleep(1.5)  # the feed's first look is its baseline
        with Session(db_engine) as session:
            session.add(ConfigRollout(target="prom-e", version=1, digest="d1", workflow_id="w"))
            session.commit()
        first = json.loads(read_until(lines, is_target("prom-e"))[-1]["data"])
        with db_engine.begin() as conn:  # the sidecar reports version 1 live
            conn.execute(
                update(ConfigTarget)
                .where(col(ConfigTarget.name) == "prom-e")
                .values(live_version=1, live_digest="d1", reported_at=utcnow())
            )
        second = json.loads(read_until(lines, is_target("prom-e"))[-1]["data"])
        assert second["status"] != first["status"] and second["at"] > first["at"]


def test_a_target_event_only_when_its_state_changes(db_engine: Engine) -> None:
    hub, now = LiveHub(db_engine, interval=3600), utcnow()
    assert hub._target_news([Change("config_target", "t", "a", now)]) == []  # the baseline
    later = now + timedelta(seconds=30)
    assert hub._target_news([Change("config_target", "t", "a", later)]) == []  # a mere report
    (news,) = hub._target_news([Change("config_target", "t", "b", now)])
    assert news.status == "b" and news.at > now  # later than the one sent before
    (new,) = hub._target_news([news, Change("config_target", "u", "a", now)])[-1:]
    assert new.id == "u"
