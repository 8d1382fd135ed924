"""What the config sync loop tests share (API-driven and console-driven): a rule set that fires
at once, and Debian's Prometheus with a real `sluice config-agent` process beside it, sending
its alerts to Sluice's own receiver."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import issue_token
from tests.fixtures.prometheus import prometheus_server


def rules(run: str) -> str:
    return f"""groups:
  - name: sluice-loop-{run}
    rules:
      - alert: SluiceLoopCheck
        expr: vector(1)
        labels: {{severity: warning, run: "{run}"}}
        annotations: {{summary: "written in Sluice, evaluated by Prometheus"}}
"""


def config_agent(
    settings: Settings, api_url: str, target: str, token: str, prometheus: str, directory: Path,
    log: Path,
) -> subprocess.Popen[bytes]:  # fmt: skip
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")},
        "SLUICE_TEMPORAL__ADDRESS": settings.temporal.address,
        "SLUICE_CONFIG_AGENT__TARGET": target,
        "SLUICE_CONFIG_AGENT__KIND": "prometheus",
        "SLUICE_CONFIG_AGENT__CONFIG_DIR": str(directory),
        "SLUICE_CONFIG_AGENT__API_URL": api_url,
        "SLUICE_CONFIG_AGENT__TOKEN": token,
        "SLUICE_CONFIG_AGENT__TARGET_URL": prometheus,
        "SLUICE_CONFIG_AGENT__REPORT_INTERVAL": "1",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "sluice.cli", "config-agent"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


@dataclass(frozen=True)
class WatchedPrometheus:
    url: str
    agent_log: Path

    def log_tail(self) -> str:
        return self.agent_log.read_text()[-3000:] if self.agent_log.exists() else ""


def terminate(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as systemd stops it; killed if it is still there after 30 s."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def prometheus_with_config_agent(
    tmp_path: Path, settings: Settings, api_url: str, target: str
) -> Iterator[WatchedPrometheus]:
    """Prometheus (1 s evaluation, alerts resent every second to Sluice's receiver with an
    alert-source token) and `sluice config-agent` for `target` (a config-agent token named
    after it), stopped afterwards. The target must exist in the API."""
    database = settings.database_url
    directory = tmp_path / "sluice-rules"
    directory.mkdir()
    (tmp_path / "prometheus").mkdir()
    alerting = {"alertmanagers": [{
        "api_version": "v2", "static_configs": [{"targets": [api_url.removeprefix("http://")]}],
        "authorization": {"type": "Bearer",
                          "credentials": issue_token(database, Role.alert_source, "prom")},
    }]}  # fmt: skip
    extra = {"rule_files": [str(directory / "*.yml")], "alerting": alerting}
    flags = ["--web.enable-lifecycle", "--rules.alert.resend-delay=1s"]
    log = tmp_path / "config-agent.log"
    token = issue_token(database, Role.config_agent, target)
    with prometheus_server(tmp_path / "prometheus", {}, extra, flags) as prometheus:
        agent = config_agent(settings, api_url, target, token, prometheus, directory, log)
        try:
            yield WatchedPrometheus(prometheus, log)
        finally:
            terminate(agent)
