"""The FastAPI application factory for the control plane."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

import ui
from api.audit import RequestContext
from api.deps import temporal_client
from api.errors import install_error_handlers
from api.limits import BodyLimit
from api.metrics import ApiMetrics, RequestMetrics
from api.routes import (
    agent_files,
    agent_follow,
    agent_resources,
    agents,
    alert_groups,
    alert_routing,
    alert_sources,
    alerts,
    alerts_ingest,
    audit,
    channels,
    config_documents,
    config_sidecar,
    config_targets,
    dashboard,
    events,
    file_events,
    health,
    knowledge,
    knowledge_usage,
    reports,
    rules,
    session,
    silences,
    task_actions,
    tasks,
    tickets,
    tokens,
)
from api.routes.console import install_console
from api.routes.docs import install_docs
from api.services import config_alerts, ticket_timers
from api.services.alert_dispatcher import AlertDispatcher
from api.services.alert_writer import AlertWriter
from sluice.settings import Settings
from store.agents import Liveness
from store.db import make_engine

API_PREFIX = "/api/v1"


def create_app(settings: Settings, console_dist: Path = ui.DIST_DIR) -> FastAPI:
    """Build the app on `settings`; the schema must already be migrated (the CLI does that).

    The web console is served from `console_dist` (the build of ui/).
    """
    engine = make_engine(settings.database_url)

    dispatcher = AlertDispatcher(
        lambda: temporal_client(app.state),
        engine,
        task_queue=settings.temporal.task_queue,
        drain_every=settings.api.alert_outbox_interval,
    )
    writer = AlertWriter(engine, dispatcher.offer)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        dispatcher.start()  # signals alert groups and drains the outbox
        writer.start()  # writes the hot receivers' deliveries, several at a time
        timers = asyncio.create_task(
            ticket_timers.drain_forever(
                lambda: temporal_client(app.state),
                engine,
                task_queue=settings.temporal.task_queue,
                every=settings.api.alert_outbox_interval,
            )
        )
        config_watch = asyncio.create_task(
            config_alerts.watch_forever(
                lambda: temporal_client(app.state), engine, settings, dispatcher.offer
            )
        )
        try:
            yield
        finally:
            for task in (timers, config_watch):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await writer.stop()
            await dispatcher.stop()
            hub = getattr(app.state, "follow_hub", None)  # made by the first live follow
            if hub is not None:
                await hub.close()
            engine.dispose()

    # /docs and /redoc come from api.routes.docs, which serves their assets locally.
    app = FastAPI(
        title="Sluice", version=_version(), lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.alert_dispatcher = dispatcher
    app.state.alert_writer = writer
    app.state.metrics = ApiMetrics(engine, Liveness.of(settings.monitor))
    if settings.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(RequestContext)
    app.add_middleware(BodyLimit, max_bytes=settings.api.max_body_bytes)
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)  # outermost: times it all
    install_error_handlers(app)
    # First: a request is matched against the routes in order, and these take the storms.
    # Their own paths: /api/v2/alerts is Alertmanager's.
    app.include_router(alerts_ingest.router)
    app.include_router(health.router)
    app.include_router(tasks.router, prefix=API_PREFIX)
    app.include_router(agents.router, prefix=API_PREFIX)
    app.include_router(agent_files.router, prefix=API_PREFIX)
    app.include_router(agent_follow.router, prefix=API_PREFIX)
    app.include_router(agent_resources.router, prefix=API_PREFIX)
    app.include_router(rules.router, prefix=API_PREFIX)
    app.include_router(task_actions.router, prefix=API_PREFIX)
    app.include_router(channels.router, prefix=API_PREFIX)
    app.include_router(audit.router, prefix=API_PREFIX)
    app.include_router(file_events.router, prefix=API_PREFIX)
    app.include_router(tokens.router, prefix=API_PREFIX)
    app.include_router(dashboard.router, prefix=API_PREFIX)
    app.include_router(reports.router, prefix=API_PREFIX)
    app.include_router(session.router, prefix=API_PREFIX)
    app.include_router(alerts.router, prefix=API_PREFIX)
    app.include_router(alert_routing.router, prefix=API_PREFIX)
    app.include_router(alert_routing.test_router, prefix=API_PREFIX)
    app.include_router(silences.router, prefix=API_PREFIX)
    app.include_router(alert_groups.router, prefix=API_PREFIX)
    app.include_router(alert_sources.router, prefix=API_PREFIX)
    app.include_router(events.router, prefix=API_PREFIX)
    app.include_router(knowledge.router, prefix=API_PREFIX)
    app.include_router(knowledge_usage.router, prefix=API_PREFIX)
    app.include_router(knowledge_usage.ask_router, prefix=API_PREFIX)
    app.include_router(tickets.router, prefix=API_PREFIX)
    app.include_router(tickets.group_router, prefix=API_PREFIX)
    app.include_router(config_documents.rule_sets, prefix=API_PREFIX)
    app.include_router(config_documents.alertmanager_configs, prefix=API_PREFIX)
    app.include_router(config_targets.router, prefix=API_PREFIX)
    app.include_router(config_sidecar.router, prefix=API_PREFIX)
    install_docs(app)
    install_console(app, console_dist)  # last: its route takes every other GET
    return app


def _version() -> str:
    try:
        return version("sluice")
    except PackageNotFoundError:
        return "0.0.0"
