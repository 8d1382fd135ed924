"""Fuzzing of every API operation from the OpenAPI spec, with every role: no input is a 500.

Schemathesis generates requests from the app's own /openapi.json (valid and invalid bodies,
parameters and paths) and sends them to the real app on SQLite and PostgreSQL, with a real
Temporal behind the task actions: many as an admin, a few as each other role. Its date and
date-time values include the first and last instants `datetime` holds, with offsets that push
them past the edge. A second, deterministic pass sends each operation, with each role, the
inputs that answered 500 before: those edge times in every time parameter, forged cursors in
every `cursor`, NUL in every query parameter and in bodies, lone surrogates in bodies, and
JSON bodies nested hundreds and thousands deep. A 5xx other than 503 (Temporal or the DB said
no) fails the test with the request that caused it.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.formats import unregister_string_format

from api.app import create_app
from api.routes import events
from sluice.settings import MonitorSettings, Settings, TemporalSettings
from store.models import Role
from tests.api.edge_inputs import BAD_CURSORS, EDGE_DAYS, EDGE_TIMES
from tests.api.tokens import bearer

# Examples per operation: the admin reaches every route's logic; the other roles are mostly
# refused before it, which a few examples cover.
EXAMPLES = {Role.admin: 25, Role.operator: 4, Role.viewer: 4, Role.agent: 4}
AGENT = "web-01"  # an agent token is named after its agent
DEPTHS = (300, 3000)
JSON = {"Content-Type": "application/json"}
ZONES = [UTC, timezone(timedelta(hours=5)), timezone(timedelta(hours=-5))]
# Documents with free-form JSON (a webhook body, channel config, labels) that the spec's own
# examples lack: each leaf is deepened in turn.
WEBHOOK_RULE = {
    "name": "hook",
    "match": {"globs": ["**/*.log"]},
    "pipeline": [{"webhook": {"url": "http://127.0.0.1:9/hook", "body": {"file": "{name}"}}}],
}
CHANNEL = {"name": "hook", "type": "webhook", "config": {"url": "http://127.0.0.1:9/x"}}
FREE_FORM: dict[str, list[Any]] = {
    "/api/v1/rules": [WEBHOOK_RULE],
    "/api/v1/rules/{rule_id}": [WEBHOOK_RULE],
    "/api/v1/channels": [CHANNEL],
    "/api/v1/channels/{channel_id}": [CHANNEL],
    "/api/v1/agents/{agent_id}/config": [{"config": {"labels": {"team": "ops"}}}],
}


@dataclass
class Target:
    app: FastAPI
    headers: dict[Role, dict[str, str]]


@pytest.fixture
def target(db_url: str, temporal_address: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    """The app, with no worker on its task queue. Waits are not what is fuzzed, so: the event
    stream ends after a moment, not 10 s, and an agent is offline once registered (its host
    views answer 503 at once instead of waiting seconds for an agent that is not there)."""
    temporal = TemporalSettings(address=temporal_address, task_queue="fuzz")
    monitor = MonitorSettings(stale_after=1e-6, offline_after=2e-6)
    monkeypatch.setattr(events, "STREAM_SECONDS", 0.2)
    app = create_app(Settings(database_url=db_url, temporal=temporal, monitor=monitor))
    headers = {
        role: bearer(db_url, role, AGENT if role == Role.agent else f"fuzz-{role}") for role in Role
    }
    yield Target(app, headers)
    app.state.engine.dispose()


@pytest.fixture
def edge_formats() -> Iterator[None]:
    """date and date-time values that reach the edges of `datetime`, offsets included."""
    times = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31))
    with_zone = st.builds(
        lambda t, z: t.replace(tzinfo=z).isoformat(), times, st.sampled_from(ZONES)
    )
    days = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(str)
    schemathesis.openapi.format("date-time", st.sampled_from(EDGE_TIMES) | with_zone)
    schemathesis.openapi.format("date", st.sampled_from(EDGE_DAYS) | days)
    yield
    unregister_string_format("date-time")
    unregister_string_format("date")


def test_no_request_makes_a_server_error(target: Target, edge_formats: None) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", target.app)
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results), "every operation in the spec must be valid"
    assert len(operations) > 40  # the whole API, not an empty spec
    failures = []
    for role, examples in EXAMPLES.items():
        for operation in operations:
            try:
                _fuzz(operation, target.headers[role], examples)
            except Exception as exc:  # an assertion, or the app's own exception (a 500)
                failures.append(f"{role} {operation.label}: {type(exc).__name__}: {exc}"[:1500])
    assert not failures, "\n\n".join(failures)


def test_inputs_that_once_answered_500_do_not(target: Target) -> None:
    spec = target.app.openapi()
    failures: list[str] = []
    with TestClient(target.app, raise_server_exceptions=False) as client:
        for path, operations in spec["paths"].items():
            url = re.sub(r"\{[^}]+\}", "1", path)
            for method, operation in operations.items():
                for params, body in _hostile(operation, FREE_FORM.get(path, [])):
                    for role in Role:
                        response = client.request(
                            method.upper(),
                            url,
                            params=params,
                            content=body,
                            headers={**target.headers[role], **JSON},
                        )
                        if response.status_code >= 500 and response.status_code != 503:
                            shown = (body or b"")[:80]
                            failures.append(
                                f"{role} {method.upper()} {url} {params} {shown!r} -> "
                                f"{response.status_code}: {response.text[:200]}"
                            )
    assert not failures, "\n".join(failures[:40])


def _hostile(
    operation: dict[str, Any], documents: list[Any]
) -> Iterator[tuple[dict[str, str], bytes | None]]:
    """(query, body) pairs: each edge value in each parameter it fits, each deep body."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query":
            continue
        formats = _formats(parameter["schema"])
        values: tuple[str, ...] = ()
        if "date-time" in formats:
            values = EDGE_TIMES
        elif "date" in formats:
            values = EDGE_DAYS
        elif parameter["name"] == "cursor":
            values = BAD_CURSORS
        for value in (*values, "\x00"):  # NUL: PostgreSQL refuses it in text
            yield {parameter["name"]: value}, None
    if "requestBody" in operation:
        yield {}, b'{"name": "\\u0000", "id": "\\u0000"}'
        yield {}, b'{"name": "\\ud800", "id": "\\ud800", "hostname": "\\udfff"}'
        for depth in DEPTHS:
            yield {}, ("[" * depth + "]" * depth).encode()
            yield {}, ('{"a":' * depth + "1" + "}" * depth).encode()
        for example in [*_examples(operation), *documents]:
            for deep in _deepened(example, DEPTHS[0]):
                yield {}, json.dumps(deep).encode()


def _formats(schema: dict[str, Any]) -> set[str]:
    found = {schema["format"]} if "format" in schema else set()
    for option in schema.get("anyOf", []):
        found |= _formats(option)
    return found


def _examples(operation: dict[str, Any]) -> list[Any]:
    content = operation["requestBody"].get("content", {}).get("application/json", {})
    named = [example["value"] for example in content.get("examples", {}).values()]
    return named + list(content.get("schema", {}).get("examples", []))


def _deepened(value: Any, depth: int) -> Iterator[Any]:
    """Copies of `value` with one of its leaves replaced by objects `depth` deep (a webhook
    body in a rule document, say)."""
    if isinstance(value, dict):
        for key, item in value.items():
            for deep in _deepened(item, depth):
                yield {**value, key: deep}
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for deep in _deepened(item, depth):
                yield [*value[:index], deep, *value[index + 1 :]]
    else:
        nested: Any = value
        for _ in range(depth):
            nested = {"a": nested}
        yield nested


def _fuzz(operation: APIOperation, headers: dict[str, str], examples: int) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases every run: CI fails on code, not on luck
        suppress_health_check=list(HealthCheck),
    )
    def no_server_error(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        assert response.status_code < 500 or response.status_code == 503, (
            f"{case.method} {case.formatted_path} -> {response.status_code}: "
            f"{response.text[:300]}\nreproduce: {case.as_curl_command()}"
        )

    no_server_error()
