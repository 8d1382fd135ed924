"""go-watch-file's alert module, read as `agent.log_alerts`: its `alert_*` keys and rules file
(levels, keywords in Chinese and English, suppression, escalation) become Sluice's rules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sluice.settings import SettingsError
from watcher.logalerts.rules import Matcher
from watcher.service import load_agent_settings

RULES_FILE = """\
version: 1
defaults: {suppress_window: 5m, match_case: false}
escalation: {enabled: true, level: fatal, window: 10m, threshold: 20, rule_id: esc, title: x}
rules:
  - id: order-db
    title: 订单落库失败
    level: business
    keywords: [订单落库失败]
  - id: oom
    title: Java OOM
    level: system
    keywords: [OutOfMemoryError]
    excludes: [expected]
    suppress_window: 1m
  - id: noise
    level: ignore
    keywords: [DEBUG]
"""


@pytest.fixture(autouse=True)
def no_sluice_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SLUICE_"):
            monkeypatch.delenv(name)


def config(tmp_path: Path, **keys: str) -> Path:
    (tmp_path / "logs").mkdir(exist_ok=True)
    (tmp_path / "alert-rules.yaml").write_text(RULES_FILE)
    logs = f"{tmp_path}/logs/app.log;{tmp_path}/logs/err.log"
    lines = {"watch_dir": str(tmp_path), "alert_enabled": "true",
             "alert_rules_file": "alert-rules.yaml", "alert_poll_interval": "2秒",
             "alert_log_paths": logs, **keys}  # fmt: skip
    path = tmp_path / "config.yaml"
    path.write_text("".join(f"{k}: '{v}'\n" for k, v in lines.items()))
    return path


def test_the_alert_module_becomes_log_alert_rules(tmp_path: Path) -> None:
    settings, warnings = load_agent_settings(config(tmp_path))
    log_alerts = settings.agent.log_alerts
    assert log_alerts.poll_interval == 2.0 and log_alerts.start_from_end
    order, oom = log_alerts.rules
    assert (order.name, order.severity, order.suppress_window) == ("order-db", "business", 300)
    assert order.paths == [f"{tmp_path}/logs/app.log", f"{tmp_path}/logs/err.log"]
    assert (oom.suppress_window, oom.escalate_after, oom.escalate_window) == (60, 20, 600)
    assert oom.escalate_severity == "fatal"
    joined = "\n".join(warnings)
    assert "(level ignore) left out" in joined and "unknown" not in joined
    matcher = Matcher(log_alerts.rules)
    assert matcher.observe(matcher.rules, "app.log", "2026 订单落库失败 id=1", 0)
    assert matcher.observe(matcher.rules, "app.log", "outofmemoryerror", 0)  # match_case: false
    assert not matcher.observe(matcher.rules, "app.log", "OutOfMemoryError expected", 0)


def test_suppression_off_and_a_missing_rules_file(tmp_path: Path) -> None:
    settings, _ = load_agent_settings(config(tmp_path, alert_suppress_enabled="false"))
    assert [rule.suppress_window for rule in settings.agent.log_alerts.rules] == [0, 0]
    with pytest.raises(SettingsError, match="alert_rules_file"):
        load_agent_settings(config(tmp_path, alert_rules_file="missing.yaml"))
