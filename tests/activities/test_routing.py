"""Routing against the real metadata DB: the plan, and the task recorded as routed in one write."""

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.records import RecordActivities
from activities.routing import RoutingActivities
from api.services.rules import create_rule, publish_rule
from sluice.contracts import Plan, RouteRequest, UploadOptions
from sluice.settings import load_settings
from store.models import Task, TaskStep
from tests.api.builders import detected_file, task_update


def route(engine: Engine, req: RouteRequest) -> Plan:
    routing = RoutingActivities(load_settings(), RecordActivities(engine))
    plan: Plan = ActivityEnvironment().run(routing.resolve_route, req)
    return plan


def publish(engine: Engine, *pipeline: dict[str, Any]) -> tuple[int, int]:
    """Make a rule for `.hprof` files live; returns its id and live version."""
    document = {"name": "dumps", "match": {"suffixes": [".hprof"]}, "pipeline": list(pipeline)}
    with Session(engine) as session:
        rule = create_rule(session, document=document, actor="test")
        assert rule.id is not None
        published = publish_rule(session, rule_id=rule.id)
        assert published is not None and published.live_version is not None
        return rule.id, published.live_version


def test_routing_records_the_task_and_its_first_remote_steps(db_engine: Engine) -> None:
    rule_id, version = publish(
        db_engine,
        {"parallel": [{"upload": {}}, {"verify": {}}, {"approve": {}}]},
        {"archive": {"action": "delete"}},
    )
    file = detected_file()

    plan = route(db_engine, RouteRequest(file, task_update(file, "running", run_id="run-1")))

    assert (plan.rule_id, plan.rule_version) == (rule_id, version)
    assert plan.started == ["upload", "approve"]  # verify is local: recorded when it ends
    with Session(db_engine) as session:
        task = session.get(Task, file.workflow_id)
        steps = session.exec(select(TaskStep).where(TaskStep.task_id == file.workflow_id)).all()
    assert task is not None
    assert (task.status, task.rule_id, task.rule_version, task.run_id) == (
        "running",
        rule_id,
        version,
        "run-1",
    )
    assert task.file_event_id == file.file_event_id
    assert {(step.name, step.status, step.attempts) for step in steps} == {
        ("upload", "running", 1),
        ("approve", "running", 1),
    }


def test_routing_without_a_task_writes_nothing(db_engine: Engine) -> None:
    file = detected_file()

    plan = route(db_engine, RouteRequest(file))

    assert [step.type for stage in plan.stages for step in stage] == ["upload", "verify"]
    assert plan.started == []
    storage = load_settings().storage  # what a rule leaves unset
    assert plan.stages[0][0].options == UploadOptions(
        bucket=storage.bucket,
        key=storage.key_template,
        part_size=storage.part_size,
        part_concurrency=storage.part_concurrency,
    )
    with Session(db_engine) as session:
        assert session.get(Task, file.workflow_id) is None


def test_an_ignored_file_is_recorded_without_steps(db_engine: Engine, monkeypatch: Any) -> None:
    monkeypatch.setenv("SLUICE_PIPELINE__UNMATCHED", "ignore")
    file = detected_file()

    plan = route(db_engine, RouteRequest(file, task_update(file, "running")))

    assert (plan.action, plan.started) == ("ignore", [])
    with Session(db_engine) as session:
        task = session.get(Task, file.workflow_id)
        steps = session.exec(select(TaskStep).where(TaskStep.task_id == file.workflow_id)).all()
    assert task is not None and task.rule_id is None
    assert steps == []
