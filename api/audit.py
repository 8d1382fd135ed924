"""Request ids on every response, and an `audit_logs` row for every successful API mutation.

`RequestContext` is plain ASGI middleware: it honours (or generates) `X-Request-ID`, echoes
it, and once a POST/PUT/PATCH/DELETE under /api/v1 has answered 2xx/3xx, writes who (the
token's name, id and role), what (`rule.create`, `task.cancel`, …), which resource, the
request body and the response body (secrets redacted) before the response's last byte goes
out.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sluice.logs.context import bound
from store.models import AuditLog

log = logging.getLogger("sluice.api")

API_PREFIX = "/api/v1"
REQUEST_ID_HEADER = "X-Request-ID"
MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Data, not administration: agents' status reports every few seconds, alert deliveries
# (each alert's timeline says who sent what, in which delivery), and questions to the
# knowledge base (a read; knowledge_asks counts them without keeping the question).
NOT_AUDITED = frozenset(
    {f"{API_PREFIX}/agents/heartbeat", f"{API_PREFIX}/alerts/alertmanager",
     f"{API_PREFIX}/alerts/agent", f"{API_PREFIX}/knowledge:ask"}
)  # fmt: skip
NOT_AUDITED_UNDER = (f"{API_PREFIX}/alerts/webhook/",)
MAX_CAPTURED_BYTES = 64 * 1024
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_SECRET_KEY = re.compile(r"secret|token|password|passwd|authorization|api_key", re.IGNORECASE)
_DEFAULT_VERB = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}
_SINGULAR = {
    "tasks": "task",
    "rules": "rule",
    "agents": "agent",
    "channels": "channel",
    "alert-routing": "alert_routing",
}
# Collections whose items sit one level down: `alert-routing/versions/3` is version 3.
_ITEMS_UNDER = {"alert-routing": "versions"}
REDACTED = "***"


@dataclass(frozen=True)
class Target:
    action: str
    resource_type: str
    resource_id: str


def describe(method: str, path: str) -> Target:
    """`POST /api/v1/rules/5:publish` → rule.publish on rule 5; creates get their id later."""
    parts = path.removeprefix(API_PREFIX).strip("/").split("/")
    collection, _, verb = parts[0].partition(":")
    if len(parts) >= 2 and _ITEMS_UNDER.get(collection) == parts[1]:
        del parts[1]
    resource_type = _SINGULAR.get(collection, collection.removesuffix("s"))
    resource_id = ""
    if len(parts) >= 2:
        resource_id, _, verb = parts[1].partition(":")
        if collection == "agents" and resource_id in ("register", "heartbeat"):
            verb, resource_id = resource_id, ""
    if len(parts) >= 3:
        verb = ".".join([*parts[2:], _DEFAULT_VERB.get(method, method.lower())])
    if len(parts) == 4 and ":" in parts[3]:  # agents/a1/processes/42:terminate
        verb = f"{parts[2]}.{parts[3].partition(':')[2]}"
    return Target(
        f"{resource_type}.{verb or _DEFAULT_VERB.get(method, method.lower())}",
        resource_type,
        resource_id,
    )


def redact(value: Any) -> Any:
    """A copy of a JSON value with secret-looking keys' values replaced."""
    if isinstance(value, dict):
        return {k: REDACTED if _SECRET_KEY.search(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    if len(raw) >= MAX_CAPTURED_BYTES:
        return {"truncated": True}
    try:
        return redact(json.loads(raw))
    except ValueError:
        return {"unparsed_bytes": len(raw)}


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _REQUEST_ID.match(text):
                return text
    return uuid.uuid4().hex


class RequestContext:
    """ASGI middleware: request ids for all HTTP requests, audit rows for API mutations."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        with bound(request_id=request_id):
            await self._handle(scope, receive, send, request_id)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        path: str = scope["path"]
        audited = (
            scope["method"] in MUTATING_METHODS
            and path.startswith(API_PREFIX + "/")
            and path not in NOT_AUDITED
            and not path.startswith(NOT_AUDITED_UNDER)
        )
        request_body = bytearray()
        response_body = bytearray()
        status = 0

        async def receive_body() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(request_body) < MAX_CAPTURED_BYTES:
                request_body.extend(message.get("body", b""))
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            elif message["type"] == "http.response.body" and audited and status < 400:
                if len(response_body) < MAX_CAPTURED_BYTES:
                    response_body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._record(scope, state, bytes(request_body), bytes(response_body))
            await send(message)

        await self.app(scope, receive_body if audited else receive, send_with_id)

    async def _record(
        self, scope: Scope, state: dict[str, Any], request: bytes, response: bytes
    ) -> None:
        principal = state.get("principal")
        if principal is None:  # unauthenticated routes do not mutate
            return
        target = describe(scope["method"], scope["path"])
        body, after = _json(request), _json(response)
        resource_id = target.resource_id
        if not resource_id:
            source = body if target.action == "agent.register" else after
            if isinstance(source, dict):
                found = source.get("id", source.get("version"))
                resource_id = "" if found is None else str(found)
        row = AuditLog(
            actor=principal.name,
            actor_token_id=principal.token_id,
            actor_role=str(principal.role),
            action=target.action,
            resource_type=target.resource_type,
            resource_id=resource_id,
            diff={"request": body, "after": after},
            request_id=state["request_id"],
        )
        engine: Engine = scope["app"].state.engine
        try:
            await anyio.to_thread.run_sync(_insert, engine, row)
        except Exception:
            log.exception("could not write the audit row for %s %s", target.action, resource_id)


def _insert(engine: Engine, row: AuditLog) -> None:
    with Session(engine) as session:
        session.add(row)
        session.commit()
