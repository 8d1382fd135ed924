"""The sidecar beside Debian's Prometheus 2.42 (lifecycle API on): rule groups applied reach
`/api/v1/rules`, a rule Prometheus refuses is rolled back, hand edits show as drift, and a
control plane that is down changes nothing on disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from temporalio.exceptions import ApplicationError

from activities.config_sync import ConfigSyncActivities
from tests.activities.config_sync.conftest import RULES, no_beat, publish, sidecar_settings
from tests.fixtures.prometheus import prometheus_server
from tests.peers.config_sync import ControlPlanePeer


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A Prometheus loading every `*.yml` in a rules directory; (its URL, the directory)."""
    rules = tmp_path / "rules"
    rules.mkdir()
    extra = {"rule_files": [str(rules / "*.yml")]}
    with prometheus_server(tmp_path, {}, extra, ["--web.enable-lifecycle"]) as url:
        yield url, rules


@pytest.fixture
def sync(
    prometheus: tuple[str, Path], control_plane: ControlPlanePeer
) -> Iterator[ConfigSyncActivities]:
    url, rules = prometheus
    sync = ConfigSyncActivities(sidecar_settings(control_plane, "prometheus", rules, url))
    yield sync
    sync.http.close()


def live_groups(url: str) -> set[str]:
    groups = httpx.get(f"{url}/api/v1/rules").json()["data"]["groups"]
    return {g["name"] for g in groups}


def test_a_rule_group_applied_reaches_prometheus_rules(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer, prometheus: tuple[str, Path]
) -> None:
    url, rules = prometheus
    rollout = publish(control_plane, sync, {"team.yml": RULES.format(name="Team")})

    result = sync.apply_config(rollout)

    assert (result.applied, result.error, result.digest) == (True, "", rollout.digest)
    assert "Team" in live_groups(url)
    status = control_plane.last_status(sync.cfg.target or "")
    assert status is not None
    assert (status["version"], status["digest"], status["drift"], status["error"]) == (
        1, rollout.digest, False, "",
    )  # fmt: skip

    # The next version replaces the group; the file Sluice wrote and no longer wants goes.
    second = publish(control_plane, sync, {"other.yml": RULES.format(name="Other")})
    assert sync.apply_config(second).applied
    assert live_groups(url) >= {"Other"} and "Team" not in live_groups(url)
    assert not (rules / "team.yml").exists()
    assert (rules / ".sluice" / "previous" / "team.yml").read_text() == RULES.format(name="Team")


def test_a_rule_prometheus_refuses_is_rolled_back(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer, prometheus: tuple[str, Path]
) -> None:
    url, rules = prometheus
    good = RULES.format(name="Good")
    assert sync.apply_config(publish(control_plane, sync, {"team.yml": good})).applied
    bad = good.replace("vector(1) > 0", "rate(x[5m]")  # PromQL Prometheus cannot parse

    result = sync.apply_config(publish(control_plane, sync, {"team.yml": bad}))

    assert not result.applied and result.restored
    assert "version 2 not applied" in result.error and "reload" in result.error
    assert (rules / "team.yml").read_text() == good
    assert "Good" in live_groups(url)
    runtime = httpx.get(f"{url}/api/v1/status/runtimeinfo").json()["data"]
    assert runtime["reloadConfigSuccess"] is True  # the old files reloaded cleanly
    status = control_plane.last_status(sync.cfg.target or "")
    assert status is not None and status["version"] == 1 and "not applied" in status["error"]


def test_a_hand_edit_is_reported_as_drift(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer, prometheus: tuple[str, Path]
) -> None:
    _, rules = prometheus
    rollout = publish(control_plane, sync, {"team.yml": RULES.format(name="Team")})
    assert sync.apply_config(rollout).applied
    assert sync.status().drift is False

    (rules / "team.yml").write_text(RULES.format(name="Edited"))

    reported = sync.report_status()
    assert reported.drift is True and reported.version == 1
    assert reported.disk_digest != reported.digest == rollout.digest
    status = control_plane.last_status(sync.cfg.target or "")
    assert status is not None and status["drift"] is True


def test_control_plane_down_keeps_the_files_and_is_retried(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer, prometheus: tuple[str, Path]
) -> None:
    url, rules = prometheus
    assert sync.apply_config(publish(control_plane, sync, {"a.yml": RULES.format(name="A")}))
    newer = publish(control_plane, sync, {"a.yml": RULES.format(name="B")})
    control_plane.down = True

    with pytest.raises(ApplicationError) as raised:
        sync.apply(newer, no_beat)

    assert raised.value.type == "network" and not raised.value.non_retryable
    assert "does not answer" in raised.value.message or "503" in raised.value.message
    assert (rules / "a.yml").read_text() == RULES.format(name="A")
    assert "A" in live_groups(url)

    control_plane.down = False  # the retry Temporal makes
    assert sync.apply(newer, no_beat).applied
    assert live_groups(url) >= {"B"}


def test_a_rollout_a_newer_publish_overtook_applies_nothing(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer, prometheus: tuple[str, Path]
) -> None:
    _, rules = prometheus
    older = publish(control_plane, sync, {"a.yml": RULES.format(name="Old")})
    publish(control_plane, sync, {"a.yml": RULES.format(name="New")})

    result = sync.apply(older, no_beat)

    assert not result.applied and result.error.startswith("superseded")
    assert "version 2" in result.error
    assert not (rules / "a.yml").exists()


def prometheus_pid(config_file: Path) -> int:
    """The pid of the Prometheus started with `config_file` (only this test's)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if f"--config.file={config_file}".encode() in cmdline.read_bytes():
                return int(cmdline.parent.name)
        except OSError:
            continue
    raise AssertionError(f"no Prometheus running with {config_file}")


def test_a_sighup_reload_is_verified_like_an_http_one(
    control_plane: ControlPlanePeer, prometheus: tuple[str, Path], tmp_path: Path
) -> None:
    url, rules = prometheus
    pid_file = tmp_path / "prometheus.pid"
    pid_file.write_text(f"{prometheus_pid(tmp_path / 'prometheus.yml')}\n")
    cfg = sidecar_settings(
        control_plane, "prometheus", rules, url, reload="sighup", pid_file=pid_file
    )
    sync = ConfigSyncActivities(cfg)

    result = sync.apply_config(publish(control_plane, sync, {"a.yml": RULES.format(name="Hup")}))

    assert result.applied, result.error
    assert "Hup" in live_groups(url)
    sync.http.close()
