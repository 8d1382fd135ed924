"""Property-based fuzzing of every API operation from the OpenAPI spec: no input is a 500.

Schemathesis generates requests from the app's own /openapi.json (valid and invalid bodies,
parameters and paths), sends them as an admin to the real app on SQLite and PostgreSQL, with
a real Temporal behind the task actions. A 5xx other than 503 (Temporal or the DB said no)
fails the test with the request that caused it.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation
from schemathesis.core.result import Ok

from api.app import create_app
from sluice.settings import Settings, TemporalSettings
from tests.api.tokens import bearer

EXAMPLES_PER_OPERATION = 25


@dataclass
class Target:
    app: FastAPI
    headers: dict[str, str]


@pytest.fixture
def target(db_url: str, temporal_address: str) -> Iterator[Target]:
    temporal = TemporalSettings(address=temporal_address, task_queue="fuzz")
    app = create_app(Settings(database_url=db_url, temporal=temporal))
    yield Target(app, bearer(db_url))
    app.state.engine.dispose()


def test_no_request_makes_a_server_error(target: Target) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", target.app)
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results), "every operation in the spec must be valid"
    assert len(operations) > 40  # the whole API, not an empty spec
    failures = []
    for operation in operations:
        try:
            _fuzz(operation, target.headers)
        except Exception as exc:  # an assertion, or the app's own exception (a 500)
            failures.append(f"{operation.label}: {type(exc).__name__}: {exc}"[:1500])
    assert not failures, "\n\n".join(failures)


def _fuzz(operation: APIOperation, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
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
