"""The example configuration users copy to /etc/sluice must load as it is."""

from __future__ import annotations

from pathlib import Path

from sluice.settings import load_settings

EXAMPLE = Path(__file__).parents[2] / "deploy" / "sluice.example.yaml"


def test_example_config_loads_with_its_values() -> None:
    settings = load_settings(EXAMPLE)

    assert settings.storage.bucket == "ops-files"
    assert settings.agent.roots == [Path("/data/dumps"), Path("/var/log/app/archive")]
    assert settings.jenkins.servers["default"].url == "https://jenkins.example.com"
    assert settings.notifications.failure_window == 300.0
