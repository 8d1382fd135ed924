"""`sluice dev`'s local config targets: Debian's Prometheus and Alertmanager, when installed,
each with a config agent, so a rule set published in the console runs on this machine.

Prometheus sends its alerts straight to Sluice (`/api/v2/alerts`, Sluice as its Alertmanager),
so a published rule fires into Sluice whatever Alertmanager config is published. The local
Alertmanager is a target for Alertmanager configs; until one is published it runs one that
forwards to Sluice's webhook.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from pydantic import SecretStr
from sqlmodel import Session

from activities.config_sync.files import ConfigDir
from api.services import config_targets as targets
from sluice.cli.devsetup import stored_token
from sluice.cli.servers import ServerSpec
from sluice.secretbox import SecretBox
from sluice.settings import ConfigAgentSettings, Settings
from store.db import make_engine
from store.models import Role

INSTALL_HINT = (
    "  config targets  none: `apt-get install prometheus prometheus-alertmanager` for a local "
    "Prometheus and Alertmanager fed by Sluice\n"
)
RULE_SET_LABELS = {"env": "dev"}  # the rule sets the local Prometheus gets
ALERTMANAGER_CONFIG = "dev"  # the Alertmanager config the local Alertmanager gets
NAMES = {"prometheus": "dev-prometheus", "alertmanager": "dev-alertmanager"}
BINARIES = {
    "prometheus": ("prometheus",),
    "alertmanager": ("alertmanager", "prometheus-alertmanager"),
}


@dataclass
class LocalTarget:
    """One local server, registered in Sluice as config target `name`, and its agent."""

    name: str
    kind: str
    spec: ServerSpec
    config_dir: Path
    fields: dict[str, Any] = field(default_factory=dict)  # for create_target
    token: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{next(iter(self.spec.ports.values()))}"

    def agent_settings(self, api_url: str) -> ConfigAgentSettings:
        return ConfigAgentSettings(
            target=self.name,
            kind=self.kind,  # type: ignore[arg-type]
            config_dir=self.config_dir,
            api_url=api_url,
            token=SecretStr(self.token),
            target_url=self.url,
        )


def find(kind: str) -> str | None:
    """The kind's binary on PATH (Debian names Alertmanager's `prometheus-alertmanager`)."""
    return next(filter(None, map(shutil.which, BINARIES[kind])), None)


def local_targets(settings: Settings, state: Path) -> list[LocalTarget]:
    """The servers to run: those whose binary is installed (none with --no-config-targets)."""
    dev = settings.dev
    if not dev.config_targets:
        return []
    found = []
    if binary := find("prometheus"):
        found.append(_prometheus(binary, state / "prometheus", dev.prometheus_port))
    if binary := find("alertmanager"):
        found.append(_alertmanager(binary, state / "alertmanager", dev.alertmanager_port))
    return found


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/-/ready", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _prometheus(binary: str, home: Path, port: int) -> LocalTarget:
    spec = ServerSpec(
        name="prometheus",
        argv=[
            binary,
            f"--config.file={home / 'prometheus.yml'}",
            f"--storage.tsdb.path={home / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-lifecycle",  # the agent reloads it with POST /-/reload
            "--log.level=warn",
        ],
        ports={"prometheus": port},
        ready=lambda: _ready(port),
        log_path=home.parent / "logs" / "prometheus.log",
        stop_grace=10.0,
    )
    fields = {"rule_set_labels": RULE_SET_LABELS, "labels": {"env": "dev"}}
    return LocalTarget(NAMES["prometheus"], "prometheus", spec, home / "rules", fields)


def _alertmanager(binary: str, home: Path, port: int) -> LocalTarget:
    spec = ServerSpec(
        name="alertmanager",
        argv=[
            binary,
            f"--config.file={home / 'config' / 'alertmanager.yml'}",
            f"--storage.path={home / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",  # no gossip: one instance, loopback only
            "--log.level=warn",
        ],
        ports={"alertmanager": port},
        ready=lambda: _ready(port),
        log_path=home.parent / "logs" / "alertmanager.log",
        stop_grace=10.0,
    )
    fields = {"alertmanager_config": ALERTMANAGER_CONFIG, "labels": {"env": "dev"}}
    return LocalTarget(NAMES["alertmanager"], "alertmanager", spec, home / "config", fields)


def write_configs(found: list[LocalTarget], api_port: int, alert_token: str) -> None:
    """Prometheus' own config (rule files from its agent's directory, alerts to Sluice), and
    Alertmanager's first config (to Sluice's webhook) while its agent has applied none."""
    sluice = f"127.0.0.1:{api_port}"
    auth = {"type": "Bearer", "credentials": alert_token}
    for target in found:
        target.config_dir.mkdir(parents=True, exist_ok=True)
        if target.kind == "prometheus":
            itself = f"127.0.0.1:{target.spec.ports['prometheus']}"
            config = {
                "global": {"scrape_interval": "15s", "evaluation_interval": "15s"},
                "rule_files": [str(target.config_dir / "*.yml")],
                "alerting": {"alertmanagers": [{
                    "api_version": "v2", "static_configs": [{"targets": [sluice]}],
                    "authorization": auth,
                }]},
                "scrape_configs": [{
                    "job_name": "prometheus", "static_configs": [{"targets": [itself]}],
                }],
            }  # fmt: skip
            _write(target.config_dir.parent / "prometheus.yml", config)
        elif ConfigDir(target.config_dir).state().version == 0:
            config = {
                "route": {"receiver": "sluice", "group_by": ["alertname"]},
                "receivers": [{"name": "sluice", "webhook_configs": [{
                    "url": f"http://{sluice}/api/v1/alerts/alertmanager", "send_resolved": True,
                    "http_config": {"authorization": auth},
                }]}],
            }  # fmt: skip
            _write(target.config_dir / "alertmanager.yml", config)


def _write(path: Path, config: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)  # it holds the alert token


def register(settings: Settings, state: Path, found: list[LocalTarget]) -> None:
    """Each server as a config target (made once, its URL kept current) with an agent token
    kept in the state dir. A local target not run this time (not installed, or
    --no-config-targets) is forgotten: no sidecar would report for it, and it would go stale."""
    engine = make_engine(settings.database_url)
    box = SecretBox.of(settings.notifications)
    try:
        with Session(engine) as session:
            for name in set(NAMES.values()) - {t.name for t in found}:
                if (gone := targets.get_target(session, name=name)) is not None:
                    targets.delete_target(session, gone)
            for t in found:
                target = targets.get_target(session, name=t.name)
                fields = {"name": t.name, "kind": t.kind, "url": t.url, **t.fields}
                if target is None:
                    targets.create_target(session, fields=fields, box=box)
                elif target.url != t.url:
                    targets.update_target(session, target, fields={"url": t.url}, box=box)
    finally:
        engine.dispose()
    for t in found:
        t.token = stored_token(
            settings.database_url, state / f"config-agent-{t.name}-token",
            name=t.name, role=Role.config_agent,
        )  # fmt: skip


def banner(found: list[LocalTarget], enabled: bool) -> str:
    if not enabled:
        return ""
    if not found:
        return INSTALL_HINT
    lines = "Config targets (fed by their config agents):\n"
    for t in found:
        what = (
            "rule sets labelled env=dev; alerts to Sluice"
            if t.kind == "prometheus"
            else f"the Alertmanager config named {ALERTMANAGER_CONFIG}"
        )
        lines += f"  {t.spec.name:<13}{t.url}  target {t.name}: {what}\n"
    kinds = {t.kind for t in found}
    missing = [BINARIES[k][-1] for k in BINARIES if k not in kinds]  # Debian's package names
    if missing:
        lines += f"  {' and '.join(missing)} not installed: `apt-get install {' '.join(missing)}`\n"
    return lines
