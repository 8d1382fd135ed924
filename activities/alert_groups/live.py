"""The clock an alert group's activities decide by, and the group's route and timers under
the live routing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from temporalio import activity

from sluice.alerting.routing import AlertRouting, Route
from sluice.contracts.alert_groups import GroupTimings
from store.alerting import live_routing


def activity_now() -> datetime:
    """When this attempt was scheduled, by the Temporal server's clock: the workflow's time
    (which the time-skipping test server moves), so the decisions and the timers agree."""
    return activity.info().current_attempt_scheduled_time


def timings_of(route: Route) -> GroupTimings:
    return GroupTimings(
        route.group_wait, route.group_interval, route.repeat_interval,
        route.analysis.automatic, route.analysis.hold,
    )  # fmt: skip


def route_of(routing: AlertRouting, name: str) -> Route:
    """The group's route; the default one if the route was removed since."""
    return routing.route(name) or routing.default


def first_wait(routing: AlertRouting, route: Route) -> float:
    """The wait before the route's escalation policy's first step."""
    policy = routing.policy(route.escalation)
    return float(policy.steps[0].wait) if policy else 0.0


def live_timings(engine: Engine, route: str) -> GroupTimings:
    """The route's timers under the live routing (in a worker thread)."""
    with engine.connect() as conn:
        return timings_of(route_of(live_routing(conn).routing, route))
