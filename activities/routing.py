"""Central routing: the newest published rules decide a file's plan."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio import activity

from api.models import Agent
from api.services.rules import published_rules
from sluice.contracts import Plan, RouteRequest
from sluice.rules import plan_for
from sluice.settings import Settings


class RoutingActivities:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings

    @activity.defn(name="resolve_route")
    def resolve_route(self, req: RouteRequest) -> Plan:
        """The plan for `req.file`, with upload defaults filled in from the storage settings."""
        with Session(self._engine) as session:
            rules = published_rules(session)
            agent = session.get(Agent, req.file.agent_id)
            labels = dict(agent.labels) if agent is not None and agent.labels else {}
        plan = plan_for(
            rules,
            req.file,
            labels=labels,
            now=datetime.now(UTC),
            unmatched=self._settings.pipeline.unmatched,
        )
        storage = self._settings.storage
        for stage in plan.stages:
            for step in stage:
                if step.type == "upload":
                    step.options.setdefault("bucket", storage.bucket)
                    step.options.setdefault("key", storage.key_template)
                    step.options.setdefault("part_size", storage.part_size)
                    step.options.setdefault("part_concurrency", storage.part_concurrency)
        return plan
