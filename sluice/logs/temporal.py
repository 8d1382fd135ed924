"""Carry the request id from the API into the workflows it starts and their activities, and
bind workflow/task ids around every activity, so their log lines can be joined up.

Follows samples-python `context_propagation/interceptor.py`: the id travels as a Temporal
header, set by the client and by workflows on what they start, read where work runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import temporalio.activity
import temporalio.api.common.v1
import temporalio.client
import temporalio.converter
import temporalio.worker
import temporalio.workflow

from sluice.logs.context import bound, current_ids, ids_of_workflow

HEADER = "sluice-request-id"

_converter = temporalio.converter.default().payload_converter


def _with_request_id(
    headers: Mapping[str, temporalio.api.common.v1.Payload],
) -> Mapping[str, temporalio.api.common.v1.Payload]:
    request_id = current_ids().get("request_id")
    if not request_id or HEADER in headers:
        return headers
    return {**headers, HEADER: _converter.to_payloads([request_id])[0]}


def _request_id(headers: Mapping[str, temporalio.api.common.v1.Payload]) -> str | None:
    payload = headers.get(HEADER)
    if payload is None:
        return None
    value = _converter.from_payloads([payload])[0]
    return value if isinstance(value, str) else None


class LogContextInterceptor(temporalio.client.Interceptor, temporalio.worker.Interceptor):
    """On a client: stamp the request id on started/signalled workflows. On a worker: bind it
    and the workflow/task ids while activities run, and pass it on from workflows."""

    def intercept_client(
        self, next: temporalio.client.OutboundInterceptor
    ) -> temporalio.client.OutboundInterceptor:
        return _ClientOutbound(next)

    def intercept_activity(
        self, next: temporalio.worker.ActivityInboundInterceptor
    ) -> temporalio.worker.ActivityInboundInterceptor:
        return _ActivityInbound(next)

    def workflow_interceptor_class(
        self, input: temporalio.worker.WorkflowInterceptorClassInput
    ) -> type[temporalio.worker.WorkflowInboundInterceptor]:
        return _WorkflowInbound


class _ClientOutbound(temporalio.client.OutboundInterceptor):
    async def start_workflow(
        self, input: temporalio.client.StartWorkflowInput
    ) -> temporalio.client.WorkflowHandle[Any, Any]:
        input.headers = _with_request_id(input.headers)
        return await super().start_workflow(input)

    async def signal_workflow(self, input: temporalio.client.SignalWorkflowInput) -> None:
        input.headers = _with_request_id(input.headers)
        await super().signal_workflow(input)


class _ActivityInbound(temporalio.worker.ActivityInboundInterceptor):
    async def execute_activity(self, input: temporalio.worker.ExecuteActivityInput) -> Any:
        info = temporalio.activity.info()
        ids = ids_of_workflow(info.workflow_id or "", info.workflow_type or "")
        with bound(request_id=_request_id(input.headers), **ids):
            return await super().execute_activity(input)


class _WorkflowInbound(temporalio.worker.WorkflowInboundInterceptor):
    """Remembers the request id a workflow was started with and puts it on its activities."""

    def init(self, outbound: temporalio.worker.WorkflowOutboundInterceptor) -> None:
        super().init(_WorkflowOutbound(outbound, self))

    request_id: str | None = None

    async def execute_workflow(self, input: temporalio.worker.ExecuteWorkflowInput) -> Any:
        self.request_id = _request_id(input.headers)
        return await super().execute_workflow(input)


class _WorkflowOutbound(temporalio.worker.WorkflowOutboundInterceptor):
    def __init__(
        self, next: temporalio.worker.WorkflowOutboundInterceptor, inbound: _WorkflowInbound
    ) -> None:
        super().__init__(next)
        self._inbound = inbound

    def _headers(
        self, headers: Mapping[str, temporalio.api.common.v1.Payload]
    ) -> Mapping[str, temporalio.api.common.v1.Payload]:
        request_id = self._inbound.request_id
        if not request_id or HEADER in headers:
            return headers
        return {**headers, HEADER: _converter.to_payloads([request_id])[0]}

    def start_activity(
        self, input: temporalio.worker.StartActivityInput
    ) -> temporalio.workflow.ActivityHandle[Any]:
        input.headers = self._headers(input.headers)
        return super().start_activity(input)

    def start_local_activity(
        self, input: temporalio.worker.StartLocalActivityInput
    ) -> temporalio.workflow.ActivityHandle[Any]:
        input.headers = self._headers(input.headers)
        return super().start_local_activity(input)

    async def start_child_workflow(
        self, input: temporalio.worker.StartChildWorkflowInput
    ) -> temporalio.workflow.ChildWorkflowHandle[Any, Any]:
        input.headers = self._headers(input.headers)
        return await super().start_child_workflow(input)


def worker_interceptors(client: temporalio.client.Client) -> list[LogContextInterceptor]:
    """For Worker(interceptors=...): bind context ids in activities, unless the client's
    interceptor (which a worker inherits) already does."""
    given = client.config()["interceptors"]
    if any(isinstance(i, LogContextInterceptor) for i in given):
        return []
    return [LogContextInterceptor()]
