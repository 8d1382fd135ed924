"""The `sluice` command: dev stack, API, worker, agent, database, tokens and rules."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from sluice.rules_cli import rules_app
from sluice.runtime import (
    connect_temporal,
    exit_process,
    return_big_buffers_to_the_os,
    run_until_signal,
    setup_logging,
)
from sluice.servers import ServerError
from sluice.settings import Settings, SettingsError, load_settings, refuse_dev_keys

if TYPE_CHECKING:
    from sqlmodel import Session

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
db_app = typer.Typer(no_args_is_help=True, help="Metadata database.")
app.add_typer(db_app, name="db")
token_app = typer.Typer(no_args_is_help=True, help="API tokens (bearer, with a role).")
app.add_typer(token_app, name="token")
app.add_typer(rules_app, name="rules")
err = Console(stderr=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", envvar="SLUICE_CONFIG", help="YAML settings file."),
]


def _settings(config: Path | None, **overrides: Any) -> Settings:
    try:
        settings = load_settings(config, **overrides)
    except SettingsError as exc:
        err.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(2) from None
    setup_logging()
    return settings


def _deployed_settings(config: Path | None) -> Settings:
    """Settings for `sluice api|worker`: refused with the built-in development S3 keys."""
    settings = _settings(config)
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
    from api.db import make_engine
    from sluice.secretbox import SecretBox, SecretKeyMissing

    engine = make_engine(settings.database_url)
    try:
        require_secret_key(engine, SecretBox(settings.notifications.secret_key))
    except SecretKeyMissing as exc:
        raise _fail(str(exc)) from None
    finally:
        engine.dispose()


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/] {message}", highlight=False)
    return typer.Exit(1)


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
) -> None:
    """Run Temporal, SeaweedFS, the API, a worker and an agent watching --inbox."""
    from sluice.dev import DevStack, dev_settings, stop_grace

    base = _settings(config)
    dev_ports = {
        "state_dir": state_dir,
        "temporal_port": temporal_port,
        "temporal_ui_port": temporal_ui_port,
        "s3_port": s3_port,
    }
    base = base.model_copy(
        update={
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
        raise _fail(str(exc)) from None
    exit_process()


@app.command()
def api(config: ConfigOption = None) -> None:
    """Serve the control plane API and console."""
    import uvicorn

    from api.app import create_app
    from api.db import migrate

    settings = _deployed_settings(config)
    migrate(settings.database_url)
    _refuse_unreadable_secrets(settings)
    uvicorn.run(create_app(settings), host=settings.api.host, port=settings.api.port)


@app.command()
def worker(config: ConfigOption = None) -> None:
    """Run workflows and central activities against an existing Temporal."""
    from api.db import migrate
    from sluice.worker import run_worker

    settings = _deployed_settings(config)
    migrate(settings.database_url)
    _refuse_unreadable_secrets(settings)

    async def main() -> None:
        await run_worker(settings, await connect_temporal(settings.temporal))

    asyncio.run(run_until_signal(main, grace=settings.pipeline.shutdown_grace))
    exit_process()


@app.command()
def agent(config: ConfigOption = None) -> None:
    """Watch this host's roots and run its host-bound activities.

    --config takes a Sluice YAML file or a go-watch-file config.yaml (mapped, with warnings).
    """
    from activities.s3 import make_s3_client
    from watcher.agent import Agent, AgentConfigError
    from watcher.filters import FileFilter
    from watcher.logs import use_log_format
    from watcher.service import load_agent_settings, run_until_stopped
    from watcher.watching import check_watchable, checked_roots

    try:
        settings, warnings = load_agent_settings(config)
    except SettingsError as exc:
        err.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(2) from None
    setup_logging()
    _refuse_dev_keys(settings)
    return_big_buffers_to_the_os()
    use_log_format(settings.agent.log_format)
    for warning in warnings:
        logging.getLogger("sluice.agent").warning("%s", warning)
    try:
        roots = checked_roots(settings.agent.roots)
        if settings.agent.observer == "inotify":
            check_watchable(roots, file_filter=FileFilter.from_settings(settings.agent))
    except AgentConfigError as exc:
        raise _fail(str(exc)) from None

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
        await run_until_stopped(asyncio.ensure_future(main()), settings.agent.shutdown_grace)

    try:
        asyncio.run(supervised())
    except AgentConfigError as exc:
        raise _fail(str(exc)) from None
    exit_process()


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Apply database migrations (SQLite or PostgreSQL)."""
    from api.db import migrate

    settings = _settings(config)
    migrate(settings.database_url)
    err.print("database is up to date")


def _cli_actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@contextlib.contextmanager
def _token_session(config: Path | None) -> Iterator[Session]:
    """A session on the migrated metadata DB; migrations run quietly (stdout is the result)."""
    from sqlmodel import Session

    from api.db import make_engine, migrate
    from sluice.devstate import find_dev_state

    settings = _settings(config)
    url = settings.database_url
    dev = find_dev_state()
    if "database_url" not in settings.model_fields_set and dev and dev.database_url:
        url = dev.database_url  # beside `sluice dev`: its database
    logging.getLogger("alembic").setLevel(logging.WARNING)
    migrate(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="admin, operator, viewer or agent.")] = "viewer",
    name: Annotated[
        str | None,
        typer.Option(
            help="Who uses it [default: <role>-<6 hex digits>]; an agent token is named after "
            "its agent id.",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Create a token and print it once on stdout (only its hash is stored)."""
    import secrets

    from api.auth import create_token
    from api.models import Role

    try:
        chosen = Role(role)
    except ValueError:
        raise _fail(f"unknown role {role!r}; choose one of {', '.join(Role)}") from None
    if name is None:
        if chosen == Role.agent:
            raise _fail("an agent token is named after its agent: pass --name <agent id>")
        name = f"{chosen}-{secrets.token_hex(3)}"
    with _token_session(config) as session:
        row, token = create_token(session, name=name, role=chosen, actor=_cli_actor())
    err.print(f"token {row.id} ({name}, {chosen}) created; it is shown only this once:")
    typer.echo(token)


@token_app.command("list")
def token_list(config: ConfigOption = None) -> None:
    """List tokens: id, name, role, created, last used, revoked."""
    from api.auth import list_tokens

    with _token_session(config) as session:
        rows = list_tokens(session)
    typer.echo("id\tname\trole\tcreated\tlast_used\trevoked")
    for row in rows:
        used = row.last_used_at.isoformat() if row.last_used_at else "-"
        revoked = row.revoked_at.isoformat() if row.revoked_at else "-"
        typer.echo(
            f"{row.id}\t{row.name}\t{row.role}\t{row.created_at.isoformat()}\t{used}\t{revoked}"
        )


@token_app.command("revoke")
def token_revoke(token_id: int, config: ConfigOption = None) -> None:
    """Revoke a token by id; it answers 401 from then on."""
    from api.auth import revoke_token

    with _token_session(config) as session:
        row = revoke_token(session, token_id=token_id, actor=_cli_actor())
        if row is None:
            raise _fail(f"no token with id {token_id}")
        typer.echo(f"token {token_id} ({row.name}) revoked")


if __name__ == "__main__":
    app()
