"""Log alerting on an agent, short of the API: files found by the rules' globs inside the
roots, positions and queued alerts kept in the spool across a restart, and the sender's
retries against a loopback HTTP peer that fails before it accepts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from sluice.logalerts import LogAlertSettings
from sluice.settings import AgentSettings
from tests.fixtures.http import HttpReceiver, Reply
from watcher.logalerts.service import LogAlerts

RULE = {"name": "oom", "paths": ["logs/*.log"], "keywords": ["OutOfMemoryError"],
        "severity": "fatal", "suppress_window": 60, "labels": {"team": "pay"}}  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def agent_settings(root: Path, url: str | None = None, **extra: Any) -> AgentSettings:
    return AgentSettings(
        id="host-1", hostname="host-1.example", roots=[root], labels={"env": "prod"},
        spool_path=root.parent / "state" / "spool.db", api_url=url,
        token=SecretStr("sluice_t"),
        log_alerts=LogAlertSettings.model_validate({"rules": [RULE], **extra}),
    )  # fmt: skip


def start(root: Path, clock: Clock, url: str | None = None, **extra: Any) -> LogAlerts:
    cfg = agent_settings(root, url, **extra)
    return LogAlerts(cfg, [root], notice=lambda kind, message: None, clock=clock)


def append(path: Path, text: str) -> None:
    with path.open("a") as out:
        out.write(text)


def queued(alerts: LogAlerts) -> list[dict[str, Any]]:
    return [payload for _, payload in alerts.state.pending()]


def test_matches_are_queued_with_their_position_and_a_restart_resumes(tmp_path: Path) -> None:
    root, clock = tmp_path / "inbox", Clock()
    (root / "logs").mkdir(parents=True)
    log = root / "logs" / "app.log"
    log.write_text("OutOfMemoryError from before the agent\n")
    (root / "logs" / "other.txt").write_text("OutOfMemoryError, not followed\n")
    alerts = start(root, clock)
    assert alerts.poll() == 0  # present at start: read from its end
    append(log, "INFO fine\njava.lang.OutOfMemoryError: heap 1\n")
    assert alerts.poll() == 1
    (payload,) = queued(alerts)
    assert payload["labels"] == {
        "env": "prod", "team": "pay", "host": "host-1.example", "agent": "host-1",
        "alertname": "oom", "rule": "oom", "path": str(log), "severity": "fatal",
        "signature": payload["labels"]["signature"],
    }  # fmt: skip
    assert payload["annotations"]["description"] == "java.lang.OutOfMemoryError: heap 1"
    assert payload["startsAt"].startswith("2027-01-15T08:00:00")
    append(log, "java.lang.OutOfMemoryError: heap 2\n")  # suppressed (same signature)
    assert alerts.poll() == 0
    alerts.state.close()

    clock.now += 61
    again = start(root, clock)  # a restart: nothing is read twice, nothing missed
    append(log, "OutOfMemoryError again\n")
    assert again.poll() == 2  # the new line, and the count its window held back
    assert [
        (p["annotations"]["description"], p["annotations"]["suppressed"]) for p in queued(again)
    ] == [
        ("java.lang.OutOfMemoryError: heap 1", "0"), ("OutOfMemoryError again", "0"),
        ("java.lang.OutOfMemoryError: heap 2", "1"),
    ]  # fmt: skip


def test_rotation_with_a_glob_that_also_matches_the_rotated_name(tmp_path: Path) -> None:
    root, clock = tmp_path / "inbox", Clock()
    (root / "logs").mkdir(parents=True)
    log = root / "logs" / "app.log"
    log.write_text("")
    alerts = start(root, clock)
    rule = RULE | {"paths": ["logs/app.log*"], "suppress_window": 0}
    alerts.configure(agent_settings(root, rules=[rule]), [root])
    alerts.poll()
    append(log, "OutOfMemoryError 1\n")
    os.rename(log, root / "logs" / "app.log.1")
    log.write_text("OutOfMemoryError 2\n")
    alerts.poll()
    alerts.poll()
    lines = [p["annotations"]["description"] for p in queued(alerts)]
    assert lines == ["OutOfMemoryError 1", "OutOfMemoryError 2"]


def test_files_outside_the_roots_are_never_followed(tmp_path: Path) -> None:
    root, clock = tmp_path / "inbox", Clock()
    root.mkdir()
    outside = tmp_path / "logs"
    outside.mkdir()
    (outside / "app.log").write_text("")
    alerts = start(root, clock)
    rule = RULE | {"paths": [str(outside / "*.log"), "../logs/*.log"]}
    alerts.configure(agent_settings(root, rules=[rule]), [root])
    alerts.poll()
    append(outside / "app.log", "OutOfMemoryError\n")
    assert alerts.poll() == 0


async def test_the_sender_retries_until_the_api_takes_the_alerts(tmp_path: Path) -> None:
    root, clock = tmp_path / "inbox", Clock()
    (root / "logs").mkdir(parents=True)
    receiver = HttpReceiver()
    try:
        alerts = start(root, clock, receiver.url)
        alerts.poll()
        append(root / "logs" / "app.log", "OutOfMemoryError\n")
        alerts.poll()
        receiver.replies = [Reply(503, b"down")]
        assert await alerts.sender.drain() is False
        assert alerts.state.count() == 1  # kept
        assert "503" in alerts.sender.last_error
        assert await alerts.sender.drain() is True
        assert alerts.state.count() == 0
        first, second = receiver.requests
        assert first.body == second.body and first.path == "/api/v1/alerts/agent"
        assert second.headers["Authorization"] == "Bearer sluice_t"

        append(root / "logs" / "app.log", "OutOfMemoryError: a new one\n")
        alerts.poll()
        receiver.replies = [Reply(400, b'{"error": "bad"}')]
        assert await alerts.sender.drain() is True  # refused for good: kept aside, reported
        assert alerts.state.count("rejected") == 1
    finally:
        receiver.close()
        await alerts.sender.close()


def test_a_renamed_log_recreated_later_is_drained_and_then_followed(tmp_path: Path) -> None:
    root, clock = tmp_path / "inbox", Clock()
    (root / "logs").mkdir(parents=True)
    log = root / "logs" / "app.log"
    log.write_text("")
    alerts = start(root, clock)
    alerts.poll()
    os.rename(log, root / "logs" / "old.log.1")  # the writer has not reopened yet
    alerts.poll()
    append(root / "logs" / "old.log.1", "OutOfMemoryError 1, to the renamed file\n")
    alerts.poll()
    log.write_text("OutOfMemoryError 2, in the new file\n")
    alerts.poll()
    lines = [p["annotations"]["description"] for p in queued(alerts)]
    assert lines == [
        "OutOfMemoryError 1, to the renamed file",
        "OutOfMemoryError 2, in the new file",
    ]
    log.unlink()
    alerts.poll()
    assert list(alerts.state.positions()) == [str(log)]  # missing for a while: kept
    clock.now += 3601
    alerts.poll()  # missing for over an hour: its position goes
    assert alerts.state.positions() == {}


def test_a_restart_keeps_counting_the_repeats_a_window_holds_back(tmp_path: Path) -> None:
    root, clock = tmp_path / "inbox", Clock()
    (root / "logs").mkdir(parents=True)
    log = root / "logs" / "app.log"
    log.touch()
    alerts = start(root, clock)
    alerts.poll()
    append(log, "OutOfMemoryError: heap 1\n")
    assert alerts.poll() == 1  # the first of its signature: at once
    clock.now += 10
    append(log, "OutOfMemoryError: heap 2\n")
    assert alerts.poll() == 0  # held back, counted
    alerts.state.close()

    clock.now += 10
    again = start(root, clock)  # a restart 20 s into the 60 s window
    append(log, "OutOfMemoryError: heap 3\n")
    assert again.poll() == 0  # still held back: the window outlived the process
    clock.now += 41  # the window closes: one report for both repeats
    assert again.poll() == 1
    counted = queued(again)[-1]
    assert (counted["annotations"]["count"], counted["annotations"]["suppressed"]) == ("2", "2")
    assert counted["startsAt"] == "2027-01-15T08:00:10+00:00"  # when the first repeat was read
    again.state.close()

    changed = {**RULE, "keywords": ["OutOfMemoryError", "StackOverflowError"]}
    clock.now += 1
    cfg = agent_settings(root).model_copy(
        update={"log_alerts": LogAlertSettings.model_validate({"rules": [changed]})}
    )
    other = LogAlerts(cfg, [root], notice=lambda kind, message: None, clock=clock)
    other.poll()
    append(log, "OutOfMemoryError: heap 4\n")
    assert other.poll() == 1  # a changed rule set starts with no windows
