"""The alert routing document's versions: saved checked (channels must exist), published as a
whole; the live version is the one published last, so a rollback publishes an older one again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from sluice.alerting.document import RoutingInvalid, channel_references, check_routing, problems_at
from sluice.alerting.matchers import matches_all, parse_matchers
from sluice.alerting.routing import AlertRouting, Route, active, inhibited_by
from sluice.alerting.silences import in_force
from sluice.alerting.templates import Preview, preview
from store.alert_groups import inhibition_sources
from store.alerting import LiveRouting, live_routing, silences_in_span
from store.models import AlertRoutingVersion, Channel, utcnow


class RoutingConflict(Exception):
    """Publishing what is live already, or a rollback with nothing live before."""


def checked(session: Session, text: str) -> AlertRouting:
    """`text` as a document whose channels all exist; RoutingInvalid naming each problem."""
    routing = check_routing(text)
    known = set(session.exec(select(Channel.name)))
    unknown = [
        (loc, f"no channel named {name!r}")
        for loc, name in channel_references(routing)
        if name not in known
    ]
    if unknown:
        raise RoutingInvalid(problems_at(text, unknown))
    return routing


def save_version(session: Session, *, text: str, comment: str, actor: str) -> AlertRoutingVersion:
    """Check `text` and save it as the next version (not live until published)."""
    checked(session, text)
    row = AlertRoutingVersion(text=text, comment=comment, created_by=actor)
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def list_versions(session: Session) -> list[AlertRoutingVersion]:
    """Every version, newest first."""
    query = select(AlertRoutingVersion).order_by(col(AlertRoutingVersion.version).desc())
    return list(session.exec(query))


def get_version(session: Session, *, version: int) -> AlertRoutingVersion | None:
    return session.get(AlertRoutingVersion, version)


def live(session: Session) -> LiveRouting:
    return live_routing(session.connection())


def publish(session: Session, *, version: int, actor: str) -> AlertRoutingVersion | None:
    """Make `version` live; checked again first (a channel may have gone since it was saved)."""
    row = session.get(AlertRoutingVersion, version)
    if row is None:
        return None
    current = _published(session)
    if current and current[0].version == version:
        raise RoutingConflict(f"version {version} is live already")
    checked(session, row.text)
    now = utcnow()
    if current and current[0].published_at and now <= current[0].published_at:
        now = current[0].published_at + timedelta(microseconds=1)  # publish order is live order
    row.published_at, row.published_by = now, actor
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def rollback(session: Session, *, actor: str) -> AlertRoutingVersion:
    """Publish again the version that was live before the current one."""
    published = _published(session)
    if len(published) < 2:
        raise RoutingConflict("no version was live before the current one")
    row = publish(session, version=published[1].version or 0, actor=actor)
    assert row is not None
    return row


def _published(session: Session) -> list[AlertRoutingVersion]:
    """Published versions, the live one first, then in the order they were live."""
    query = (
        select(AlertRoutingVersion)
        .where(col(AlertRoutingVersion.published_at).is_not(None))
        .order_by(
            col(AlertRoutingVersion.published_at).desc(), col(AlertRoutingVersion.version).desc()
        )
        .limit(2)
    )
    return list(session.exec(query))


@dataclass(frozen=True)
class RouteOutcome:
    route: Route
    active_now: bool
    group_id: str
    group_labels: dict[str, str]
    preview: Preview | None = None


@dataclass(frozen=True)
class RoutingTest:
    version: int | None  # None: a draft
    routes: list[RouteOutcome]
    default: bool
    silenced_by: list[int]
    inhibited_by: str | None


def try_routing(
    session: Session, *, labels: dict[str, str], text: str | None, now: datetime
) -> RoutingTest:
    """Where an alert with `labels` would go now: under a draft `text`, or the live version."""
    if text is None:
        current = live(session)
        version: int | None = current.version
        routing = current.routing
    else:
        routing, version = checked(session, text), None
    taken = routing.routes_for(labels)
    outcomes = [
        RouteOutcome(
            route,
            active(route, now),
            route.group_id(labels),
            route.group_labels(labels),
            preview(routing, route, labels, now),
        )
        for route in taken
    ]
    silences = [
        silence.id
        for silence in silences_in_span(session.connection(), now)
        if silence.id is not None
        and in_force(silence, now)
        and matches_all(parse_matchers(silence.matchers), labels)
    ]
    return RoutingTest(
        version=version,
        routes=outcomes,
        default=taken == [routing.default] and routing.default not in routing.routes,
        silenced_by=sorted(silences),
        inhibited_by=inhibited_by(routing, labels, _sources(session, routing, exclude=labels)),
    )


def _sources(
    session: Session, routing: AlertRouting, *, exclude: dict[str, str]
) -> list[dict[str, Any]]:
    sources = inhibition_sources(session.connection(), routing)
    return [labels for labels in sources if labels != exclude]
