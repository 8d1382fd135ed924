"""The API's Prometheus metrics: request latency by route template, plus task and agent
numbers read from the metadata DB when Prometheus scrapes.

The DB numbers are the same on every API replica (aggregate them with `max`); one registry
per app, so several apps in one process (tests) never collide.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi.routing import iter_route_contexts
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store.agents import Liveness, count_by_status
from store.models import Task, TaskStatus, utcnow

UNMATCHED = "unmatched"  # the route label of requests no route matched (404s)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ApiMetrics:
    def __init__(self, engine: Engine, liveness: Liveness) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "sluice_api_request_duration_seconds",
            "API requests by method, route template and status, and how long they took",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.alerts_received = Counter(
            "sluice_alerts_received",
            "Alerts received, by source (alertmanager, prometheus)",
            ["source"],
            registry=self.registry,
        )
        self.alerts_deduplicated = Counter(
            "sluice_alerts_deduplicated",
            "Alerts received that changed nothing (redeliveries, resends), by source",
            ["source"],
            registry=self.registry,
        )
        self.alerts_rejected = Counter(
            "sluice_alerts_rejected",
            "Alert deliveries refused, by reason (invalid, too_large, version)",
            ["reason"],
            registry=self.registry,
        )
        for reason in ("invalid", "too_large", "version"):  # at 0, so rate() sees the first
            self.alerts_rejected.labels(reason)
        self.registry.register(DatabaseCollector(engine, liveness))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class DatabaseCollector(Collector):
    """Tasks by status and agents by liveness, counted in the metadata DB at scrape time."""

    def __init__(self, engine: Engine, liveness: Liveness) -> None:
        self._engine = engine
        self._liveness = liveness

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("sluice_api_db_up", "1 if the metadata DB answered this scrape")
        try:
            with Session(self._engine) as session:
                query = select(col(Task.status), func.count()).group_by(col(Task.status))
                tasks = {str(status): int(n) for status, n in session.exec(query)}
                oldest = _oldest_unfinished(session)
                agents = count_by_status(session, liveness=self._liveness, now=utcnow())
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        finished = CounterMetricFamily(
            "sluice_tasks_finished", "Tasks that finished, by outcome", labels=["status"]
        )
        current = GaugeMetricFamily(
            "sluice_tasks_in_progress", "Tasks not finished yet, by status", labels=["status"]
        )
        age = GaugeMetricFamily(
            "sluice_tasks_oldest_age_seconds",
            "Age of the oldest task not finished yet, by status (0 when there is none)",
            labels=["status"],
        )
        now = utcnow()
        for status in TaskStatus:
            family = finished if status.is_finished else current
            family.add_metric([status.value], tasks.get(status, 0))
            if not status.is_finished:
                since = oldest.get(status)
                age.add_metric([status.value], (now - since).total_seconds() if since else 0)
        yield finished
        yield current
        yield age
        by_status = GaugeMetricFamily(
            "sluice_agents", "Agents by status (online, stale, offline)", labels=["status"]
        )
        for shown, n in agents.items():
            by_status.add_metric([shown], n)
        yield by_status
        yield GaugeMetricFamily(
            "sluice_agents_online", "Agents reporting on time", value=agents["online"]
        )


def _oldest_unfinished(session: Session) -> dict[str, datetime]:
    """The oldest `created_at` of each unfinished status (the status/created_at index)."""
    unfinished = [status for status in TaskStatus if not status.is_finished]
    query = (
        select(col(Task.status), func.min(col(Task.created_at)))
        .where(col(Task.status).in_(unfinished))
        .group_by(col(Task.status))
    )
    return {str(status): _utc(at) for status, at in session.exec(query) if at is not None}


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class RequestMetrics:
    """ASGI middleware: times every HTTP request, labelled by the route that served it."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics
        self._templates: dict[int, str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless the app answers

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.metrics.requests.labels(method, self._route(scope), str(status)).observe(
                time.perf_counter() - started
            )

    def _route(self, scope: Scope) -> str:
        """The matched route's full template (`/api/v1/agents/{agent_id}`), not the raw
        path, so there is one time series per route however many ids are requested."""
        matched = scope.get("route")
        if matched is None:
            return UNMATCHED
        if self._templates is None:
            self._templates = route_templates(scope["app"].routes)
        # FastAPI leaves the route as its router declared it, without include prefixes.
        original = getattr(matched, "original_route", matched)
        return self._templates.get(id(original)) or _template(matched) or UNMATCHED


def route_templates(routes: Sequence[BaseRoute]) -> dict[int, str]:
    """Each route object's full path template, as the app serves it."""
    templates: dict[int, str] = {}
    for context in iter_route_contexts(routes):
        template = _template(context)
        if template:
            templates.setdefault(id(context.original_route), template)
    return templates


def _template(route: Any) -> str | None:
    return getattr(route, "path_format", None) or getattr(route, "path", None)
