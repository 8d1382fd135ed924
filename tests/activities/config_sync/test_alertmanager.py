"""The sidecar beside Debian's Alertmanager 0.25: an applied config changes the live
`alertmanager_config_hash` to the new file's; a config that is valid YAML but that
Alertmanager refuses at reload is rolled back, with the old hash still live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from activities.config_sync import ConfigSyncActivities
from activities.config_sync.targets import alertmanager_hash, metric
from tests.activities.config_sync.conftest import publish, sidecar_settings
from tests.fixtures.alertmanager import alertmanager
from tests.peers.config_sync import ControlPlanePeer


def config(receiver: str, route_to: str | None = None) -> str:
    doc: dict[str, Any] = {
        "route": {"receiver": route_to or receiver, "group_by": ["alertname"]},
        "receivers": [{"name": receiver}],
    }
    return yaml.safe_dump(doc)


@pytest.fixture
def am(tmp_path: Path) -> Iterator[str]:
    """Alertmanager reading tmp_path/alertmanager.yml, a file put there by hand."""
    with alertmanager(tmp_path, yaml.safe_load(config("by-hand"))) as url:
        yield url


@pytest.fixture
def sync(
    am: str, tmp_path: Path, control_plane: ControlPlanePeer
) -> Iterator[ConfigSyncActivities]:
    sync = ConfigSyncActivities(sidecar_settings(control_plane, "alertmanager", tmp_path, am))
    yield sync
    sync.http.close()


def live(url: str, name: str) -> float | None:
    return metric(httpx.get(f"{url}/metrics").text, name)


def test_an_applied_config_changes_the_config_hash(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer, am: str, tmp_path: Path
) -> None:
    by_hand = (tmp_path / "alertmanager.yml").read_text()
    assert live(am, "alertmanager_config_hash") == alertmanager_hash(by_hand)
    new = config("sluice-team")

    result = sync.apply_config(publish(control_plane, sync, {"alertmanager.yml": new}))

    assert result.applied, result.error
    assert alertmanager_hash(new) != alertmanager_hash(by_hand)
    assert live(am, "alertmanager_config_hash") == alertmanager_hash(new)
    assert live(am, "alertmanager_config_last_reload_successful") == 1
    # The file adopted from the hand-written setup is kept as the previous version.
    assert (tmp_path / ".sluice" / "previous" / "alertmanager.yml").read_text() == by_hand


def test_a_config_alertmanager_rejects_is_rolled_back(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer, am: str, tmp_path: Path
) -> None:
    good = config("sluice-team")
    assert sync.apply_config(publish(control_plane, sync, {"alertmanager.yml": good})).applied
    # Valid YAML, but the route names a receiver that does not exist: refused at reload.
    bad = config("sluice-team", route_to="nobody")

    result = sync.apply_config(publish(control_plane, sync, {"alertmanager.yml": bad}))

    assert not result.applied and result.restored
    assert "nobody" in result.error  # Alertmanager's own reason
    assert (tmp_path / "alertmanager.yml").read_text() == good
    assert live(am, "alertmanager_config_hash") == alertmanager_hash(good)
    assert live(am, "alertmanager_config_last_reload_successful") == 1
    status = control_plane.last_status(sync.cfg.target or "")
    assert status is not None
    assert (status["version"], status["drift"]) == (1, False)
    assert "version 2 not applied" in status["error"]


def test_a_first_config_refused_puts_the_hand_written_one_back(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer, am: str, tmp_path: Path
) -> None:
    by_hand = (tmp_path / "alertmanager.yml").read_text()
    bad = config("team", route_to="nobody")

    result = sync.apply_config(publish(control_plane, sync, {"alertmanager.yml": bad}))

    assert not result.applied and result.restored, result.error
    assert (tmp_path / "alertmanager.yml").read_text() == by_hand
    assert live(am, "alertmanager_config_hash") == alertmanager_hash(by_hand)
    assert sync.status().version == 0  # nothing from Sluice is live yet
