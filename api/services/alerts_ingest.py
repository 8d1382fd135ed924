"""Taking a delivery of alerts: parse it whole, then write it in one transaction.

Nothing is written unless the whole delivery is valid, and the route answers only after the
commit, so a 2xx means every alert in it is durable and anything else means none is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection, Engine
from sqlmodel import Session, col, select

from api.alert_auth import AlertSourceToken, verify_alert_sources
from api.auth import Principal
from api.errors import ApiError
from sluice.alert_mapping import AlertMapping, MappingError, map_delivery
from sluice.alerts import (
    IncomingAlert,
    PostableAlert,
    TooManyAlerts,
    WebhookMessage,
    check_count,
    from_postable,
    from_webhook,
)
from store.alert_outbox import OutboxRow, route_changes
from store.alerts import Delivered, write_deliveries
from store.bulk import Inserts
from store.models import Alert, AlertStatus

POSTABLE = TypeAdapter(list[PostableAlert])
MAX_REASON_CHARS = 500


class Rejected(ValueError):
    """A delivery refused whole; `reason` is the metric label (invalid, version, too_large)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Delivery:
    source: str
    alerts: list[IncomingAlert]
    detail: dict[str, Any]


def parse_webhook(body: bytes, now: datetime) -> Delivery:
    """An Alertmanager notification; `version` other than "4" is refused by name."""
    document = _json(body)
    if isinstance(document, dict):
        if document.get("version") != "4":
            shown = json.dumps(document.get("version"))[:40]
            raise Rejected("version", f'version: Sluice accepts webhook version "4", got {shown}')
        _check_size(document.get("alerts"))
    message = _validated(lambda: WebhookMessage.model_validate(document))
    detail: dict[str, Any] = {"receiver": message.receiver, "group_key": message.groupKey[:200]}
    if message.truncatedAlerts:  # alerts Alertmanager left out of this notification
        detail["truncated_alerts"] = message.truncatedAlerts
    return Delivery("alertmanager", from_webhook(message, now), detail)


def parse_postable(body: bytes, now: datetime) -> Delivery:
    """The array Prometheus and vmalert post to an Alertmanager's /api/v2/alerts."""
    document = _json(body)
    _check_size(document)
    alerts = _validated(lambda: POSTABLE.validate_python(document))
    return Delivery("prometheus", from_postable(alerts, now), {})


def parse_mapped(body: bytes, now: datetime, *, name: str, mapping: AlertMapping) -> Delivery:
    """Any JSON, read through the mapping an admin saved for the source `name`."""
    document = _json(body)
    try:
        alerts = map_delivery(mapping, document, now)
    except TooManyAlerts as exc:
        raise Rejected("too_large", str(exc)) from None
    except MappingError as exc:
        raise Rejected("invalid", str(exc)[:MAX_REASON_CHARS]) from None
    return Delivery(f"webhook:{name}", alerts, {"source_name": name})


def parse_agent(body: bytes, now: datetime, *, agent_id: str) -> Delivery:
    """An agent's log keyword and host alerts: `{"alerts": [...]}` in /api/v2/alerts' shape.
    The `agent` label is the calling agent's id, whatever the body says, so no agent speaks
    for another. An agent sets `endsAt` only to resolve an alert: resolved on arrival, at the
    latest now, even when the host's clock runs ahead."""
    document = _json(body)
    if not isinstance(document, dict) or not isinstance(document.get("alerts"), list):
        raise Rejected("invalid", 'body: expected {"alerts": [...]}')
    _check_size(document["alerts"])
    alerts = _validated(lambda: POSTABLE.validate_python(document["alerts"]))
    for alert in alerts:
        alert.labels["agent"] = agent_id
    incoming = [
        replace(one, status="resolved", ends_at=now) if sent.endsAt and one.status != "resolved"
        else one
        for sent, one in zip(alerts, from_postable(alerts, now), strict=True)
    ]  # fmt: skip
    return Delivery("agent", incoming, {"agent": agent_id})


@dataclass(frozen=True)
class Stored:
    counts: dict[str, int]  # received, deduplicated
    outbox: list[OutboxRow]  # the group workflows to signal


@dataclass(frozen=True)
class Taken:
    """A delivery written by `take_together`: who sent it, what it held, and its counts."""

    principal: Principal
    delivery: Delivery
    counts: dict[str, int]


Parse = Callable[[bytes, datetime], Delivery]
# A hot receiver's delivery: its token (not yet looked up), body, and what its parse made.
Item = tuple[AlertSourceToken, bytes, "Delivery | Rejected"]


def parsed(parse: Parse, body: bytes, now: datetime) -> Delivery | Rejected:
    """`parse(body, now)`, or the Rejected it raised (told only once the token is good)."""
    try:
        return parse(body, now)
    except Rejected as exc:
        return exc


def store(engine: Engine, delivery: Delivery, *, body: bytes, sender: str, now: datetime) -> Stored:
    """Write the delivery and, for every alert it changed, its groups' outbox rows, in one
    transaction."""
    with engine.begin() as conn:
        counts, outbox = _write(conn, [(delivery, body, sender)], now=now)
    return Stored(counts[0], outbox)


def take_together(
    engine: Engine, items: Sequence[Item], *, now: datetime
) -> tuple[list[Taken | ApiError | Rejected], list[OutboxRow]]:
    """Authenticate and write deliveries that arrived together (parsed already), in one
    transaction: the statements, round trips and commit of one serve them all. Each is
    judged alone: a bad token is its 401/403 whatever its body; a bad body its Rejected;
    the others are written. The outcome of each, in order, and the outbox rows of all."""
    with engine.begin() as conn:
        return take_on(conn, items, now=now)


def take_on(
    conn: Connection, items: Sequence[Item], *, now: datetime
) -> tuple[list[Taken | ApiError | Rejected], list[OutboxRow]]:
    """`take_together` in the caller's transaction."""
    tokens = [token for token, _, _ in items]
    outcomes: list[Taken | ApiError | Rejected] = []
    accepted: list[tuple[Delivery, bytes, str]] = []
    for (_, body, delivery), principal in zip(
        items, verify_alert_sources(conn, tokens), strict=True
    ):
        if isinstance(principal, ApiError):
            outcomes.append(principal)
        elif isinstance(delivery, Rejected):
            outcomes.append(delivery)
        else:
            outcomes.append(Taken(principal, delivery, {}))
            accepted.append((delivery, body, principal.name))
    counts, outbox = _write(conn, accepted, now=now)
    written = iter(counts)
    return [
        replace(outcome, counts=next(written)) if isinstance(outcome, Taken) else outcome
        for outcome in outcomes
    ], outbox


def _write(
    conn: Connection, deliveries: Sequence[tuple[Delivery, bytes, str]], *, now: datetime
) -> tuple[list[dict[str, int]], list[OutboxRow]]:
    """Deliveries (with their bodies and senders) written, and their groups' outbox rows."""
    changed: list[IncomingAlert] = []
    inserts = Inserts()  # events, group members, groups and outbox rows: one statement
    counts = write_deliveries(
        conn,
        [
            Delivered(
                delivery.alerts, delivery.source,
                hashlib.sha256(body).hexdigest()[:32],  # a redelivery shows the same id
                {**delivery.detail, "sender": sender},
            )
            for delivery, body, sender in deliveries
        ],
        now=now, changed=changed, inserts=inserts,
    )  # fmt: skip
    outbox = route_changes(conn, changed, now=now, inserts=inserts)
    inserts.run(conn)
    return counts, outbox


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise Rejected("invalid", f"body: not JSON ({str(exc)[:200]})") from None


def _check_size(alerts: Any) -> None:
    """Over the cap is a 413, found before any alert is validated."""
    if isinstance(alerts, list):
        try:
            check_count(len(alerts))
        except TooManyAlerts as exc:
            raise Rejected("too_large", str(exc)) from None


def _validated(parse: Callable[[], Any]) -> Any:
    try:
        return parse()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        message = f"{where}: {first['msg']}"
        more = exc.error_count() - 1
        if more:
            message += f" (and {more} more)"
        raise Rejected("invalid", message[:MAX_REASON_CHARS]) from None


def resolve_agent_alerts(engine: Engine, *, agent_id: str, sender: str, now: datetime) -> Stored:
    """Resolve what still fires from an agent that was removed (its disk, memory and log
    keyword alerts would otherwise fire for ever): one delivery, recorded like the agent's
    own, so its groups send their resolved notices."""
    with Session(engine) as session:
        firing = session.exec(
            select(Alert).where(
                Alert.source == "agent",
                Alert.status == AlertStatus.firing,
                col(Alert.labels)["agent"].as_string() == agent_id,
            )
        ).all()
    alerts = [
        IncomingAlert(
            fingerprint=alert.fingerprint,
            status=AlertStatus.resolved,
            labels=dict(alert.labels),
            annotations={**alert.annotations, "resolved_by": f"agent {agent_id} removed"},
            starts_at=alert.starts_at,
            ends_at=now,
            generator_url=alert.generator_url,
        )
        for alert in firing
    ]
    if not alerts:
        return Stored({"received": 0, "deduplicated": 0}, [])
    delivery = Delivery("agent", alerts, {"agent": agent_id, "reason": "agent removed"})
    body = json.dumps({"removed_agent": agent_id, "at": now.isoformat()}).encode()
    return store(engine, delivery, body=body, sender=sender, now=now)
