"""Settings of the agent monitor, the daily report and their channels: defaults and the
errors a person can act on."""

import os
from pathlib import Path
from typing import Any

import pytest

from sluice.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("SLUICE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    settings = load_settings()
    monitor, reports = settings.monitor, settings.reports
    assert (monitor.interval, monitor.stale_after, monitor.offline_after) == (30, 45, 90)
    assert (reports.daily_at, reports.time_zone, reports.stuck_after) == ("08:00", "UTC", 3600)
    assert settings.notifications.agent_offline_channels == []
    assert settings.notifications.daily_report_channels == []  # no daily report schedule


def test_yaml_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "sluice.yaml"
    config.write_text(
        "monitor: {interval: 10, offline_after: 60}\n"
        "reports: {daily_at: '07:05', time_zone: Asia/Shanghai}\n"
        "notifications: {agent_offline_channels: [ops-dingtalk]}\n"
    )
    monkeypatch.setenv("SLUICE_NOTIFICATIONS__DAILY_REPORT_CHANNELS", '["ops-email"]')
    settings = load_settings(config)
    assert (settings.monitor.interval, settings.monitor.offline_after) == (10, 60)
    assert settings.reports.hour_minute == (7, 5)
    assert settings.notifications.agent_offline_channels == ["ops-dingtalk"]
    assert settings.notifications.daily_report_channels == ["ops-email"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"monitor": {"stale_after": 90}}, "stale_after (90) must be less than offline_after (90)"),
        ({"monitor": {"interval": 0.5}}, "monitor.interval: Input should be greater than or equal"),
        ({"reports": {"daily_at": "25:00"}}, "daily_at: Value error, must be a time of day"),
        ({"reports": {"daily_at": "8am"}}, "reports.daily_at: Value error, must be a time of day"),
        ({"reports": {"time_zone": "Mars/Olympus"}}, "unknown time zone 'Mars/Olympus'"),
        ({"reports": {"stuck_after": 0}}, "reports.stuck_after"),
        ({"monitor": {"intervall": 5}}, "monitor.intervall: unknown key (env SLUICE_MONITOR__"),
    ],
)  # fmt: skip
def test_mistakes_are_named(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(None, **overrides)
    assert message in str(caught.value)
