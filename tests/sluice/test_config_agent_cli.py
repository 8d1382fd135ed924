"""`sluice config-agent` names every setting it lacks before reaching any server."""

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sluice.cli import app
from sluice.settings import ConfigAgentSettings, load_settings


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("SLUICE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")


def test_missing_settings_are_named_with_their_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLUICE_CONFIG_AGENT__KIND", "alertmanager")
    monkeypatch.setenv("SLUICE_CONFIG_AGENT__RELOAD", "sighup")

    result = CliRunner().invoke(app, ["config-agent"])

    output = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "SLUICE_CONFIG_AGENT__TARGET" in output and "SLUICE_CONFIG_AGENT__TOKEN" in output
    assert "SLUICE_CONFIG_AGENT__API_URL" in output and "__KIND" not in output
    assert "pid_file or config_agent.process_name" in output


def test_a_bad_kind_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLUICE_CONFIG_AGENT__KIND", "grafana")
    result = CliRunner().invoke(app, ["config-agent"])
    assert result.exit_code == 2
    assert "config_agent.kind" in " ".join(result.output.split())


def test_settings_from_env_give_the_queue_and_the_kinds_usual_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLUICE_CONFIG_AGENT__TARGET", "am-1")
    monkeypatch.setenv("SLUICE_CONFIG_AGENT__KIND", "alertmanager")
    cfg: ConfigAgentSettings = load_settings().config_agent
    assert (cfg.queue, cfg.base_url) == ("sluice-config-am-1", "http://127.0.0.1:9093")
