"""The sidecar's reload and verification for vmalert. vmalert is not packaged in Debian, so
these run against a loopback peer speaking its `/-/reload` and `/metrics`
(tests/peers/config_sync.py: VmalertPeer), not a real vmalert."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError

from activities.config_sync import ConfigSyncActivities
from sluice.contracts.config_sync import ConfigFile
from tests.activities.config_sync.conftest import RULES, publish, sidecar_settings
from tests.peers.config_sync import ControlPlanePeer, VmalertPeer


@pytest.fixture
def vmalert(tmp_path: Path) -> Iterator[VmalertPeer]:
    peer = VmalertPeer(tmp_path)
    yield peer
    peer.close()


@pytest.fixture
def sync(
    vmalert: VmalertPeer, tmp_path: Path, control_plane: ControlPlanePeer
) -> Iterator[ConfigSyncActivities]:
    cfg = sidecar_settings(control_plane, "vmalert", tmp_path, vmalert.url, verify_timeout=3)
    sync = ConfigSyncActivities(cfg)
    yield sync
    sync.http.close()


def test_rules_applied_reload_vmalert_and_are_verified(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer, vmalert: VmalertPeer,
    tmp_path: Path,
) -> None:  # fmt: skip
    rollout = publish(control_plane, sync, {"team.yml": RULES.format(name="Team")})

    result = sync.apply_config(rollout)

    assert result.applied, result.error
    assert vmalert.reloads == 1
    assert (tmp_path / "team.yml").read_text() == RULES.format(name="Team")


def test_a_reload_vmalert_reports_failed_is_rolled_back(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer, vmalert: VmalertPeer,
    tmp_path: Path,
) -> None:  # fmt: skip
    assert sync.apply_config(publish(control_plane, sync, {"a.yml": RULES.format(name="A")}))
    broken = RULES.format(name="B").replace("vector(1)", "BROKEN(")

    result = sync.apply_config(publish(control_plane, sync, {"b.yml": broken}))

    assert not result.applied and result.restored
    assert "vmalert reports its last reload failed" in result.error
    assert not (tmp_path / "b.yml").exists()  # the new file, absent before, is gone again
    assert (tmp_path / "a.yml").read_text() == RULES.format(name="A")
    assert (vmalert.reloads, vmalert.successful) == (3, 1)  # new files, then the old again
    status = control_plane.last_status(sync.cfg.target or "")
    assert status is not None and status["version"] == 1 and status["error"] == result.error


def test_a_target_that_does_not_answer_changes_nothing(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer, vmalert: VmalertPeer,
    tmp_path: Path,
) -> None:  # fmt: skip
    vmalert.close()

    with pytest.raises(ApplicationError) as raised:
        sync.apply_config(publish(control_plane, sync, {"a.yml": RULES.format(name="A")}))

    assert raised.value.type == "network" and not raised.value.non_retryable
    assert "target_url" in raised.value.message
    assert not (tmp_path / "a.yml").exists()


def test_an_apply_interrupted_by_a_stop_is_undone_at_start(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer, vmalert: VmalertPeer,
    tmp_path: Path,
) -> None:  # fmt: skip
    assert sync.apply_config(publish(control_plane, sync, {"a.yml": RULES.format(name="A")}))
    # What an apply leaves when the agent is killed after writing, before verifying.
    state = sync.dir.state()
    sync.dir.back_up(["a.yml", "b.yml"])
    state.pending = "f" * 64
    sync.dir.save_state(state)
    sync.dir.write([ConfigFile("b.yml", RULES.format(name="B"))], remove=["a.yml"])

    result = sync.recover()

    assert result is not None and result.restored and "interrupted" in result.error
    assert (tmp_path / "a.yml").read_text() == RULES.format(name="A")
    assert not (tmp_path / "b.yml").exists()
    status = sync.status()
    assert (status.version, status.drift, status.disk_digest) == (1, False, status.digest)
    assert sync.recover() is None
