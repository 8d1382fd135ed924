"""The config agent's tests: a stand-in control plane and a sidecar beside a vmalert peer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from activities.config_sync import ConfigSyncActivities
from tests.activities.config_sync.conftest import sidecar_settings
from tests.peers.config_sync import ControlPlanePeer, VmalertPeer


@pytest.fixture
def control_plane() -> Iterator[ControlPlanePeer]:
    peer = ControlPlanePeer()
    yield peer
    peer.close()


@contextmanager
def vmalert_sidecar(
    control_plane: ControlPlanePeer, directory: Path, **settings: Any
) -> Iterator[ConfigSyncActivities]:
    """The sidecar's activities for a vmalert peer writing into `directory`."""
    vmalert = VmalertPeer(directory)
    cfg = sidecar_settings(control_plane, "vmalert", directory, vmalert.url, **settings)
    sync = ConfigSyncActivities(cfg)
    try:
        yield sync
    finally:
        sync.http.close()
        vmalert.close()
