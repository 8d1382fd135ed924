"""`sluice dev`'s local config targets without starting anything: which run, what the banner
says when a server is missing, and the configs written for them (Debian's prometheus and
prometheus-alertmanager are installed where the tests run; PATH is narrowed to hide them)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sluice.cli.devtargets import banner, local_targets, write_configs
from sluice.settings import Settings


def _settings(**dev: object) -> Settings:
    base = Settings()
    return base.model_copy(update={"dev": base.dev.model_copy(update=dev)})


def test_both_run_when_installed_and_none_when_turned_off(tmp_path: Path) -> None:
    found = local_targets(_settings(prometheus_port=9911, alertmanager_port=9912), tmp_path)
    assert [(t.name, t.kind, t.url) for t in found] == [
        ("dev-prometheus", "prometheus", "http://127.0.0.1:9911"),
        ("dev-alertmanager", "alertmanager", "http://127.0.0.1:9912"),
    ]
    assert "--web.enable-lifecycle" in found[0].spec.argv
    assert local_targets(_settings(config_targets=False), tmp_path) == []
    assert banner([], enabled=False) == ""


def test_a_missing_server_is_one_line_saying_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither binary on PATH
    assert local_targets(_settings(), tmp_path) == []
    hint = banner([], enabled=True)
    assert hint.count("\n") == 1
    assert "apt-get install prometheus prometheus-alertmanager" in hint


def test_prometheus_alerts_go_to_sluice_and_alertmanager_starts_with_its_webhook(
    tmp_path: Path,
) -> None:
    found = local_targets(_settings(), tmp_path)
    write_configs(found, 8123, "sluice_token")
    prometheus = yaml.safe_load((tmp_path / "prometheus" / "prometheus.yml").read_text())
    [sluice] = prometheus["alerting"]["alertmanagers"]
    assert sluice["static_configs"] == [{"targets": ["127.0.0.1:8123"]}]
    assert sluice["authorization"] == {"type": "Bearer", "credentials": "sluice_token"}
    assert prometheus["rule_files"] == [str(tmp_path / "prometheus" / "rules" / "*.yml")]
    alertmanager = (tmp_path / "alertmanager" / "config" / "alertmanager.yml").read_text()
    assert "http://127.0.0.1:8123/api/v1/alerts/alertmanager" in alertmanager
    assert (tmp_path / "prometheus" / "prometheus.yml").stat().st_mode & 0o777 == 0o600
