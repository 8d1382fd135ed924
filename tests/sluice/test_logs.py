"""Log lines carry the ids of their work: request id from the API into the workflows it
starts, and workflow, task and agent ids on every line an activity logs."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

from sluice.logs import JsonFormatter, TextFormatter, context
from sluice.logs.context import ContextFilter, bound
from sluice.logs.temporal import LogContextInterceptor

log = logging.getLogger("sluice.test.logs")


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.addFilter(ContextFilter())
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def lines() -> Iterator[list[dict[str, str]]]:
    handler = _Lines()
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    yield handler.lines
    log.removeHandler(handler)


@pytest.fixture(autouse=True)
def _no_process_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids an earlier in-process CLI test bound for its whole process are not this test's."""
    monkeypatch.setattr(context, "_process_ids", {})


def test_a_json_line_has_its_fields_and_the_bound_ids(lines: list[dict[str, str]]) -> None:
    with bound(request_id="r-1", agent_id="a-1"):
        log.info("hello %s", "world")
    log.info("outside")
    first, second = lines
    assert first.keys() == {"ts", "level", "logger", "message", "request_id", "agent_id"}
    assert (first["message"], first["level"], first["logger"]) == (
        "hello world", "info", "sluice.test.logs",
    )  # fmt: skip
    assert first["request_id"] == "r-1" and first["agent_id"] == "a-1"
    assert "request_id" not in second


def test_text_lines_append_the_ids() -> None:
    record = log.makeRecord(log.name, logging.INFO, __file__, 1, "done", (), None)
    with bound(workflow_id="file-7", task_id="file-7"):
        ContextFilter().filter(record)
    text = TextFormatter().format(record)
    assert text.endswith("done [workflow_id=file-7 task_id=file-7]")


@activity.defn(name="log_something")
def log_something(note: str) -> str:
    log.info("activity says %s", note)
    return note


@workflow.defn(name="FileWorkflow", sandboxed=False)  # the name that records a task
class _LoggingWorkflow:
    @workflow.run
    async def run(self, note: str) -> str:
        return await workflow.execute_activity(
            log_something, note, start_to_close_timeout=timedelta(seconds=30)
        )


async def test_activity_lines_carry_workflow_task_agent_and_the_starting_request_id(
    temporal_address: str, lines: list[dict[str, str]]
) -> None:
    client = await Client.connect(temporal_address, interceptors=[LogContextInterceptor()])
    queue, workflow_id = f"logs-{uuid.uuid4().hex[:8]}", f"file-{uuid.uuid4().hex[:8]}"
    with bound(agent_id="agent-9"):  # as Agent.run binds it for its host worker
        async with Worker(
            client,
            task_queue=queue,
            workflows=[_LoggingWorkflow],
            activities=[log_something],
            activity_executor=ThreadPoolExecutor(2),
        ):
            with bound(request_id="req-abc"):  # as the API's middleware binds it
                result = await client.execute_workflow(
                    _LoggingWorkflow.run, "hi", id=workflow_id, task_queue=queue
                )
    assert result == "hi"
    [line] = [line for line in lines if line["message"] == "activity says hi"]
    assert line["workflow_id"] == workflow_id and line["task_id"] == workflow_id
    assert line["agent_id"] == "agent-9"
    assert line["request_id"] == "req-abc"
