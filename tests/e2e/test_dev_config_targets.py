"""`sluice dev` with Debian's Prometheus and Alertmanager installed: it runs both, registers
them as config targets with an agent each, and a rule set published through the API (labelled
env=dev) lands in the local Prometheus, which fires into Sluice. Stopping leaves no process;
a restart finds the same targets, in sync; --no-config-targets runs neither."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from sluice.cli.servers import port_is_free
from tests.e2e.dev_support import DevStack, free_dev_ports


@pytest.fixture
def stack(tmp_path: Path) -> DevStack:
    return DevStack(tmp_path, free_dev_ports())


def rules(run: str) -> str:
    return f"""groups:
  - name: dev-{run}
    rules:
      - alert: DevLoopCheck
        expr: vector(1)
        labels: {{severity: warning, run: "{run}"}}
"""


def until(check: Any, within: float, what: str) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.5)
    raise AssertionError(f"not within {within}s: {what}")


def targets(stack: DevStack) -> dict[str, dict[str, Any]]:
    listed = httpx.get(f"{stack.api}/api/v1/config-targets", headers=stack.headers, timeout=10)
    return {t["name"]: t for t in listed.json()}


def test_dev_feeds_a_local_prometheus_and_alertmanager(stack: DevStack) -> None:
    run = uuid.uuid4().hex[:8]
    prometheus = f"http://127.0.0.1:{stack.ports['prometheus']}"
    proc = stack.start()
    try:
        api, headers = stack.api, stack.headers
        found = until(lambda: len(targets(stack)) == 2 and targets(stack), 30, "two targets")
        assert found["dev-prometheus"]["kind"] == "prometheus"
        assert found["dev-alertmanager"]["url"] == f"http://127.0.0.1:{stack.ports['alertmanager']}"
        until(lambda: all(t["in_sync"] for t in targets(stack).values()), 60, "agents reported")

        made = httpx.post(f"{api}/api/v1/rule-sets", headers=headers, timeout=30, json={
            "name": f"dev-{run}", "labels": {"env": "dev"}, "text": rules(run),
        })  # fmt: skip
        assert made.status_code == 201, made.text
        live = httpx.post(
            f"{api}/api/v1/rule-sets/dev-{run}/versions/1:publish", headers=headers, timeout=30
        )
        assert live.status_code == 200, live.text

        def loaded() -> list[str]:
            groups = httpx.get(f"{prometheus}/api/v1/rules", timeout=5).json()["data"]["groups"]
            return [g["name"] for g in groups]

        assert until(loaded, 60, "the rule group in Prometheus") == [f"dev-{run}"]
        shown = until(
            lambda: (t := targets(stack)["dev-prometheus"])["in_sync"] and t["live_version"] and t,
            60, "dev-prometheus in sync",
        )  # fmt: skip
        assert shown["live_version"] == shown["desired_version"]

        def fired() -> list[dict[str, Any]]:
            listed = httpx.get(
                f"{api}/api/v1/alerts", headers=headers, params={"source": "prometheus"}
            )
            return [a for a in listed.json()["items"] if a["labels"].get("run") == run]

        [alert] = until(fired, 90, "the alert in Sluice")  # evaluated every 15 s
        assert alert["labels"]["alertname"] == "DevLoopCheck"
    finally:
        assert stack.stop(proc) == 0, stack.log_tail()

    log = (stack.root / "dev.log").read_text()
    assert f"prometheus   {prometheus}  target dev-prometheus" in log
    assert "target dev-alertmanager" in log
    assert stack.leftover_processes() == []
    assert all(port_is_free(port) for port in stack.ports.values())

    token = (stack.state / "config-agent-dev-prometheus-token").read_text()
    proc = stack.start()
    try:
        assert (stack.state / "config-agent-dev-prometheus-token").read_text() == token
        again = until(lambda: targets(stack)["dev-prometheus"]["reported_at"] and targets(stack),
                      30, "a report")  # fmt: skip
        assert sorted(again) == ["dev-alertmanager", "dev-prometheus"]
        assert again["dev-prometheus"]["live_version"] == shown["live_version"]
        assert until(loaded, 60, "the rule group after a restart") == [f"dev-{run}"]
    finally:
        assert stack.stop(proc) == 0, stack.log_tail()
    assert stack.leftover_processes() == []

    stack.args = ("--no-config-targets",)
    proc = stack.start()
    try:  # neither runs, and their targets are forgotten rather than left to go stale
        assert targets(stack) == {}
        assert port_is_free(stack.ports["prometheus"]) and port_is_free(stack.ports["alertmanager"])
    finally:
        assert stack.stop(proc) == 0, stack.log_tail()
    assert stack.leftover_processes() == []
