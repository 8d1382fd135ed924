"""The `sluice` command: dev stack, API, worker, agents, database, tokens, rules and secrets."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sluice.cli.rules import rules_app
from sluice.cli.secrets import secrets_app
from sluice.cli.servers import ServerError
from sluice.cli.support import (
    ConfigOption,
    LogFormatOption,
    cli_settings,
    err,
    fail,
    use_log_format,
)
from sluice.cli.tokens import token_app
from sluice.logs.context import bind_process
from sluice.runtime import (
    connect_temporal,
    exit_process,
    freeze_startup_objects,
    return_big_buffers_to_the_os,
    run_until_signal,
)
from sluice.settings import Settings, SettingsError, refuse_dev_keys

if TYPE_CHECKING:
    pass

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
db_app = typer.Typer(no_args_is_help=True, help="Metadata database.")
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(rules_app, name="rules")
app.add_typer(secrets_app, name="secrets")


def _deployed_settings(config: Path | None) -> Settings:
    """Settings for `sluice api|worker`: refused with the built-in development S3 keys."""
    settings = cli_settings(config)
    _refuse_dev_keys(settings)
    return settings


def _refuse_dev_keys(settings: Settings) -> None:
    try:
        refuse_dev_keys(settings.storage)
    except SettingsError as exc:
        err.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(2) from None


def _refuse_unreadable_secrets(settings: Settings) -> None:
    """Channels with encrypted secrets need the key they were saved with: say so, then exit."""
    from activities.notify.store import require_secret_key
    from sluice.secretbox import SecretBox, SecretKeyMissing
    from store.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        require_secret_key(engine, SecretBox.of(settings.notifications))
    except SecretKeyMissing as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()


@app.command()
def dev(
    config: ConfigOption = None,
    inbox: Annotated[Path, typer.Option(help="Directory the agent watches.")] = Path("inbox"),
    state_dir: Annotated[Path | None, typer.Option(help="Where all state lives.")] = None,
    api_port: Annotated[int | None, typer.Option(help="API and console port.")] = None,
    temporal_port: Annotated[int | None, typer.Option(help="Temporal gRPC port.")] = None,
    temporal_ui_port: Annotated[int | None, typer.Option(help="Temporal Web UI port.")] = None,
    s3_port: Annotated[int | None, typer.Option(help="SeaweedFS S3 port.")] = None,
    silence: Annotated[
        float | None, typer.Option(help="Seconds a file must stay unchanged.")
    ] = None,
    config_targets: Annotated[
        bool,
        typer.Option(
            help="Run the installed Prometheus and Alertmanager as config targets, with agents."
        ),
    ] = True,
    log_format: LogFormatOption = None,
) -> None:
    """Run Temporal, SeaweedFS, the API, a worker and an agent watching --inbox (and a local
    Prometheus and Alertmanager fed by Sluice, when installed)."""
    from sluice.cli.dev import DevStack
    from sluice.cli.devsetup import dev_settings, stop_grace

    base = cli_settings(config)
    chosen = use_log_format(log_format, base, base.agent.log_format)
    dev_ports = {
        "state_dir": state_dir,
        "temporal_port": temporal_port,
        "temporal_ui_port": temporal_ui_port,
        "s3_port": s3_port,
        "config_targets": None if config_targets else False,
    }
    base = base.model_copy(
        update={
            "log_format": chosen.value,
            "dev": base.dev.model_copy(
                update={k: v for k, v in dev_ports.items() if v is not None}
            ),
            "api": base.api.model_copy(update={"port": api_port} if api_port else {}),
            "agent": base.agent.model_copy(update={"silence": silence} if silence else {}),
        }
    )
    inbox.mkdir(parents=True, exist_ok=True)
    settings = dev_settings(base, inbox)
    try:
        asyncio.run(run_until_signal(DevStack(settings).run, grace=stop_grace(settings)))
    except ServerError as exc:
        raise fail(str(exc)) from None
    exit_process()


@app.command()
def api(config: ConfigOption = None, log_format: LogFormatOption = None) -> None:
    """Serve the control plane API and console."""
    import uvicorn

    from api.app import create_app
    from api.serving import HeaderLimitedProtocol
    from store.db import migrate

    settings = _deployed_settings(config)
    use_log_format(log_format, settings)
    migrate(settings.database_url)
    _refuse_unreadable_secrets(settings)
    app = create_app(settings)
    freeze_startup_objects()
    uvicorn.run(
        app,
        host=settings.api.host,
        port=settings.api.port,
        http=HeaderLimitedProtocol,
        log_config=None,  # uvicorn's lines go through Sluice's handler: same format and ids
    )


@app.command()
def worker(config: ConfigOption = None, log_format: LogFormatOption = None) -> None:
    """Run workflows and central activities against an existing Temporal."""
    from sluice.cli.worker import run_worker
    from store.db import migrate

    settings = _deployed_settings(config)
    use_log_format(log_format, settings)
    migrate(settings.database_url)
    _refuse_unreadable_secrets(settings)
    freeze_startup_objects()  # the workflows and activities are imported

    async def main() -> None:
        await run_worker(settings, await connect_temporal(settings.temporal))

    asyncio.run(run_until_signal(main, grace=settings.pipeline.shutdown_grace))
    exit_process()


@app.command()
def agent(config: ConfigOption = None, log_format: LogFormatOption = None) -> None:
    """Watch this host's roots and run its host-bound activities.

    --config takes a Sluice YAML file or a go-watch-file config.yaml (mapped, with warnings).
    """
    from activities.s3 import make_s3_client
    from watcher.agent import Agent, AgentConfigError
    from watcher.filters import FileFilter
    from watcher.service import load_agent_settings
    from watcher.watching import check_watchable, checked_roots

    try:
        settings, warnings = load_agent_settings(config)
    except SettingsError as exc:
        err.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(2) from None
    use_log_format(log_format, settings, settings.agent.log_format)
    bind_process(agent_id=settings.agent.id)
    _refuse_dev_keys(settings)
    return_big_buffers_to_the_os()
    for warning in warnings:
        logging.getLogger("sluice.agent").warning("%s", warning)
    try:
        roots = checked_roots(settings.agent.roots)
        if settings.agent.observer == "inotify":
            check_watchable(roots, file_filter=FileFilter.from_settings(settings.agent))
    except AgentConfigError as exc:
        raise fail(str(exc)) from None

    def reload() -> Settings:
        return load_agent_settings(config)[0]

    async def main() -> None:
        client = await connect_temporal(settings.temporal)
        await Agent(
            settings,
            client,
            make_s3_client(settings.storage),
            load_local=reload,
            config_file=config,
        ).run()

    async def supervised() -> None:
        stopping = "stopping: no new work; running activities get %.0fs to finish"
        await run_until_signal(main, grace=settings.agent.shutdown_grace, stopping=stopping)

    try:
        asyncio.run(supervised())
    except AgentConfigError as exc:
        raise fail(str(exc)) from None
    exit_process()


@app.command("config-agent")
def config_agent(config: ConfigOption = None, log_format: LogFormatOption = None) -> None:
    """Apply a Prometheus, vmalert or Alertmanager's config from Sluice, beside it.

    Runs its target's rollout steps (task queue sluice-config-<target>).

    Fetches the desired files from the API with its own token.

    Writes them atomically into config_agent.config_dir, reloads the target.

    Verifies they are live; if not, restores the previous files and reloads.

    Reports status and drift to the API; keeps the files while the API is down.

    Needs config_agent.target, kind, api_url, token (SLUICE_CONFIG_AGENT__*).

    See docs/config-sync.md.
    """
    from watcher.config_agent import ConfigAgent

    settings = cli_settings(config)
    use_log_format(log_format, settings)
    try:
        settings.config_agent.require()
    except SettingsError as exc:
        err.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(2) from None
    bind_process(agent_id=f"config-{settings.config_agent.target}")

    async def main() -> None:
        client = await connect_temporal(settings.temporal)
        await ConfigAgent(settings.config_agent, client).run()

    asyncio.run(run_until_signal(main, grace=20.0))
    exit_process()


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Apply database migrations (SQLite or PostgreSQL)."""
    from store.db import migrate

    settings = cli_settings(config)
    migrate(settings.database_url)
    err.print("database is up to date")
