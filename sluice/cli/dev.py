"""`sluice dev`: Temporal, SeaweedFS, the API, a worker and an agent, all on this machine;
and a Prometheus and an Alertmanager with their config agents when they are installed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator

import uvicorn
from pydantic import SecretStr
from rich.console import Console

from activities.s3 import ensure_bucket, make_s3_client
from api.app import create_app
from api.serving import HeaderLimitedProtocol
from sluice.cli.devsetup import (
    AGENT_TOKEN_FILE,
    ALERT_TOKEN_FILE,
    SERVER_STOP_GRACE,
    alert_receivers,
    sluice_command,
    stored_token,
)
from sluice.cli.devstate import ADMIN_TOKEN_FILE, DEFAULT_STATE_DIR, STATE_DIR_ENV, write_dev_state
from sluice.cli.devtargets import banner, local_targets, register, write_configs
from sluice.cli.servers import (
    ServerError,
    ServerSpec,
    port_is_free,
    seaweed_spec,
    stop,
    temporal_spec,
)
from sluice.cli.worker import run_worker
from sluice.runtime import connect_temporal
from sluice.settings import Settings
from store.db import migrate
from store.models import Role
from watcher.agent import Agent
from watcher.config_agent import ConfigAgent

log = logging.getLogger("sluice.cli.dev")
stdout = Console()
console = Console(stderr=True)


class _EmbeddedApi(uvicorn.Server):
    """Uvicorn without its own signal handlers: the dev supervisor owns SIGINT/SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class DevStack:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        dev = settings.dev
        state = dev.state_dir.resolve()
        self.state = state
        self.specs: list[ServerSpec] = [
            temporal_spec(state / "temporal", dev.temporal_port, dev.temporal_ui_port),
            seaweed_spec(
                state,
                dev.s3_port,
                dev.seaweed_master_port,
                dev.seaweed_volume_port,
                dev.seaweed_filer_port,
            ),
        ]
        self.targets = local_targets(settings, state)  # Prometheus, Alertmanager if installed
        self.procs: list[tuple[ServerSpec, subprocess.Popen[bytes]]] = []
        self.admin_token = ""
        self.alert_token = ""
        self.stopping = False

    def check_ports(self) -> None:
        for spec in [*self.specs, *(t.spec for t in self.targets)]:
            spec.check_ports()
        if not port_is_free(self.settings.api.port):
            raise ServerError(
                f"API port {self.settings.api.port} already in use; choose another with --api-port"
            )

    async def run(self) -> None:
        self.check_ports()
        try:
            await self._start_servers()
            await self._serve()
        finally:
            self.stopping = True  # servers complain while their clients go away: not news
            for spec, proc in reversed(self.procs):
                log.info("stopping %s", spec.name)
                await asyncio.to_thread(stop, proc, min(spec.stop_grace, SERVER_STOP_GRACE))

    async def _start_servers(self) -> None:
        started = time.monotonic()
        for spec in self.specs:
            self.procs.append((spec, spec.spawn(self._echo(spec.name))))
        with console.status("starting Temporal and SeaweedFS…"):
            await asyncio.gather(
                *(asyncio.to_thread(spec.wait_ready, proc) for spec, proc in self.procs)
            )
        log.info("servers ready in %.1fs", time.monotonic() - started)
        await asyncio.to_thread(self._ensure_bucket)
        await asyncio.to_thread(migrate, self.settings.database_url)
        await asyncio.to_thread(self._tokens)
        if self.targets:
            await self._start_targets()
        else:  # those of an earlier run are forgotten
            await asyncio.to_thread(register, self.settings, self.state, [])

    async def _start_targets(self) -> None:
        """Prometheus and Alertmanager, once the alert token for their config exists; then
        registered as config targets with a config-agent token each."""
        s = self.settings
        await asyncio.to_thread(write_configs, self.targets, s.api.port, self.alert_token)
        started = [(t.spec, t.spec.spawn(self._echo(t.spec.name))) for t in self.targets]
        self.procs += started
        with console.status("starting Prometheus and Alertmanager…"):
            try:
                await asyncio.gather(
                    *(asyncio.to_thread(spec.wait_ready, p) for spec, p in started)
                )
            except ServerError as exc:
                hint = "(`sluice dev --no-config-targets` runs without them)"
                raise ServerError(f"{exc}\n{hint}") from None
        await asyncio.to_thread(register, s, self.state, self.targets)

    def _tokens(self) -> None:
        """An admin token for the user and an alert-source token for alert senders (both
        printed), and an agent token for the embedded agent."""
        url = self.settings.database_url
        self.admin_token = stored_token(
            url, self.state / ADMIN_TOKEN_FILE, name="dev-admin", role=Role.admin
        )
        self.alert_token = stored_token(
            url, self.state / ALERT_TOKEN_FILE, name="dev-alerts", role=Role.alert_source
        )
        agent = self.settings.agent
        if agent.token is None:
            token = stored_token(url, self.state / AGENT_TOKEN_FILE, name=agent.id, role=Role.agent)
            self.settings = self.settings.model_copy(
                update={"agent": agent.model_copy(update={"token": SecretStr(token)})}
            )

    def _echo(self, name: str) -> Callable[[str], None]:
        server_log = logging.getLogger(f"sluice.{name}")

        def echo(line: str) -> None:
            if not self.stopping:
                server_log.info("%s", line)

        return echo

    def _ensure_bucket(self, attempts: int = 30) -> None:
        s3 = make_s3_client(self.settings.storage)
        for attempt in range(attempts):
            try:
                ensure_bucket(s3, self.settings.storage.bucket)
                return
            except Exception as exc:  # the filer may lag the S3 port by a moment
                if attempt == attempts - 1:
                    raise ServerError(f"cannot create bucket: {exc}") from exc
                time.sleep(0.5)

    async def _serve(self) -> None:
        settings = self.settings
        client = await connect_temporal(settings.temporal)
        api = _EmbeddedApi(
            uvicorn.Config(
                create_app(settings),
                host=settings.api.host,
                port=settings.api.port,
                log_level="warning",
                log_config=None,  # through Sluice's handler: same format and ids
                access_log=False,
                http=HeaderLimitedProtocol,  # request-header limits, as `sluice api`
            )
        )
        agent = Agent(
            settings.model_copy(
                update={
                    "agent": settings.agent.model_copy(update={"api_url": settings.api.public_url})
                }
            ),
            client,
            make_s3_client(settings.storage),
        )
        async with asyncio.TaskGroup() as group:
            group.create_task(_serve_api(api))
            group.create_task(run_worker(settings, client))
            group.create_task(_once_serving(api, agent.run))  # it registers at once
            for target in self.targets:  # they report at once
                config_agent = ConfigAgent(target.agent_settings(settings.api.public_url), client)
                group.create_task(_once_serving(api, config_agent.run))
            group.create_task(self._watch_servers())
            group.create_task(_once_serving(api, self._announce))

    async def _watch_servers(self) -> None:
        while True:
            for spec, proc in self.procs:
                if proc.poll() is not None:
                    raise ServerError(
                        f"{spec.name} exited with {proc.returncode}; see {spec.log_path}"
                    )
            await asyncio.sleep(1.0)

    async def _announce(self) -> None:
        s = self.settings
        write_dev_state(self.state, s.api.public_url, s.database_url)
        if s.log_format == "json":  # stderr stays JSON lines; the banner goes to stdout
            log.info("Sluice is up: API %s, state %s", s.api.public_url, self.state)
        (stdout if s.log_format == "json" else console).print(
            "\n[bold green]Sluice is up[/]\n"
            f"  API          {s.api.public_url}/api/v1/tasks\n"
            f"  admin token  {self.admin_token}  (also in {self.state / ADMIN_TOKEN_FILE})\n"
            f"  console      {s.api.public_url}/#token={self.admin_token}\n"
            f"  Temporal UI  {s.temporal.ui_url}\n"
            f"  Temporal     {s.temporal.address}\n"
            f"  S3           {s.storage.endpoint_url}  bucket {s.storage.bucket}  "
            f"{_s3_keys(s)}\n"
            f"  inbox        {', '.join(map(str, s.agent.roots))}\n"
            "Alerts:\n"
            f"{alert_receivers(s.api.public_url, self.alert_token)}"
            f"{banner(self.targets, s.dev.config_targets)}"
            f"  state        {self.state}\n"
            f"  CLI          {self._cli_prefix()}{sluice_command(sys.argv[0])} rules export"
            "  (finds this stack)\n"
            "Drop a file into the inbox; Ctrl-C stops everything.\n",
            soft_wrap=True,  # keep the token and URLs on one line, for copy and paste
        )

    def _cli_prefix(self) -> str:
        """What a CLI command run from here needs to find this stack's state dir."""
        if self.state == DEFAULT_STATE_DIR.resolve():
            return ""
        return f"{STATE_DIR_ENV}={shlex.quote(str(self.state))} "


def _s3_keys(s: Settings) -> str:
    keys = (s.storage.access_key, s.storage.secret_key)
    if keys[0] is None or keys[1] is None:
        return "anonymous"
    return f"access key {keys[0].get_secret_value()}  secret key {keys[1].get_secret_value()}"


async def _once_serving(api: uvicorn.Server, then: Callable[[], Awaitable[None]]) -> None:
    """Run `then` once the API accepts connections."""
    while not api.started:
        await asyncio.sleep(0.05)
    await then()


async def _serve_api(server: uvicorn.Server) -> None:
    serving = asyncio.ensure_future(server.serve())
    try:
        await asyncio.shield(serving)
    except asyncio.CancelledError:
        server.should_exit = True
        await serving
        raise
