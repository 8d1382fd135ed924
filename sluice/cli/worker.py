"""`sluice worker`: all workflows plus the central activities, on the `sluice` task queue,
and HostQueryWorkflow on its own queue beside it (`sluice-hostquery`)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from prometheus_client import start_http_server
from temporalio.client import Client
from temporalio.worker import Worker

from activities.alert_analysis import AlertAnalysisActivities
from activities.alert_groups import AlertGroupActivities
from activities.analyze.central import AnalyzeActivities
from activities.config_rollouts import RolloutRecords
from activities.context import ContextValues
from activities.jenkins import JenkinsActivities
from activities.monitor import MonitorActivities
from activities.notify import NotifyActivities
from activities.notify.store import ChannelStore, require_secret_key
from activities.objects import ObjectActivities
from activities.records import RecordActivities
from activities.routing import RoutingActivities
from activities.s3 import make_s3_client
from activities.tickets import TicketActivities
from activities.webhook import WebhookActivities
from sluice.cli.schedules import ensure_schedules
from sluice.contracts.host_queries import host_query_queue
from sluice.logs.temporal import worker_interceptors
from sluice.secretbox import SecretBox
from sluice.settings import Settings
from store.db import make_engine
from workflows.agent_monitor import AgentMonitorLoop, AgentMonitorWorkflow
from workflows.alert_analysis import AlertAnalysisWorkflow
from workflows.alert_group import AlertGroupWorkflow
from workflows.channel_test import ChannelTestWorkflow
from workflows.config_rollout import ConfigRolloutWorkflow
from workflows.daily_report import DailyReportWorkflow
from workflows.digest import FailureDigestWorkflow
from workflows.file_analysis import FileAnalysisWorkflow
from workflows.file_workflow import FileWorkflow
from workflows.host_query import HostQueryWorkflow
from workflows.manual_trigger import ManualTriggerWorkflow
from workflows.ticket import TicketWorkflow

# Every workflow type, for the worker and for the replay test of recorded histories.
WORKFLOWS = [
    FileWorkflow,
    FailureDigestWorkflow,
    ManualTriggerWorkflow,
    AgentMonitorWorkflow,
    AgentMonitorLoop,
    DailyReportWorkflow,
    ChannelTestWorkflow,
    AlertGroupWorkflow,
    AlertAnalysisWorkflow,
    HostQueryWorkflow,
    FileAnalysisWorkflow,
    TicketWorkflow,
    ConfigRolloutWorkflow,
]


async def run_worker(settings: Settings, client: Client) -> None:
    """Poll the central task queue and the host query queue until cancelled.

    Host queries (a viewer's poll every second) get a queue and workflow slots of their own:
    on the central queue they waited behind the FileWorkflows' tasks, so under upload a
    follow polled every 2.5-5.5 s instead of every 1.5 s. (The central worker still runs
    HostQueryWorkflow as well, for an API of the release before, while replicas roll.)
    """
    engine = make_engine(settings.database_url)
    box = SecretBox.of(settings.notifications)
    require_secret_key(engine, box)
    s3 = make_s3_client(settings.storage)
    records = RecordActivities(engine)
    routing = RoutingActivities(settings, records)
    objects = ObjectActivities(s3, records)
    context = ContextValues(engine, s3)
    channels = ChannelStore(engine, box)
    jenkins = JenkinsActivities(settings.jenkins, context)
    webhook = WebhookActivities(channels, context)
    analyze = AnalyzeActivities(settings.ai, engine)
    notify = NotifyActivities(
        channels, settings.notifications, client, settings.temporal.task_queue
    )
    monitor = MonitorActivities(engine, channels, notify, settings.monitor)
    alert_groups = AlertGroupActivities(
        engine,
        channels,
        notify,
        public_url=settings.api.public_url,
        language=settings.notifications.language,
        tickets=settings.tickets,
    )
    alert_analysis = AlertAnalysisActivities(
        engine, settings.ai, language=settings.notifications.language
    )
    tickets = TicketActivities(
        engine,
        channels,
        notify,
        settings.tickets,
        public_url=settings.api.public_url,
        language=settings.notifications.language,
    )
    rollouts = RolloutRecords(engine)
    metrics = None
    if settings.pipeline.metrics_port is not None:
        metrics, _ = start_http_server(
            settings.pipeline.metrics_port, addr=settings.pipeline.metrics_host
        )
    with ThreadPoolExecutor(16, thread_name_prefix="central-activity") as pool:
        worker = Worker(
            client,
            task_queue=settings.temporal.task_queue,
            workflows=WORKFLOWS,
            activities=[
                routing.resolve_route,
                objects.verify_object,
                objects.abort_uploads,
                objects.delete_object,
                records.record,
                jenkins.run_build,
                jenkins.stop_build,
                webhook.call_webhook,
                analyze.analyze_excerpt,
                notify.send_notification,
                notify.queue_failure_notice,
                notify.send_digest,
                notify.send_test_message,
                monitor.mark_offline_agents,
                monitor.build_daily_report,
                monitor.send_event,
                alert_groups.timings,
                alert_groups.flush,
                alert_groups.escalate,
                alert_groups.record_action,
                alert_analysis.plan,
                alert_analysis.analyse,
                tickets.timers,
                tickets.breached,
                tickets.record_breach,
                tickets.escalate,
                rollouts.record_failure,
            ],
            activity_executor=pool,
            interceptors=worker_interceptors(client),
            graceful_shutdown_timeout=timedelta(seconds=settings.pipeline.shutdown_grace),
        )
        host_queries = Worker(
            client,
            task_queue=host_query_queue(settings.temporal.task_queue),
            workflows=[HostQueryWorkflow],
            interceptors=worker_interceptors(client),
        )
        try:
            await ensure_schedules(client, settings, engine)
            async with asyncio.TaskGroup() as both:  # one failing stops the other
                both.create_task(worker.run())
                both.create_task(host_queries.run())
        finally:
            engine.dispose()
            if metrics is not None:
                metrics.shutdown()
                metrics.server_close()
