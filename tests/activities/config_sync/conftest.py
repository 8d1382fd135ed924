"""The config sidecar's tests: a stand-in control plane (tests/peers/config_sync.py) and
settings for a sidecar of a target of a given kind."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from activities.config_sync import ConfigSyncActivities
from sluice.contracts.config_sync import RolloutInput, TargetKind
from sluice.settings import ConfigAgentSettings
from tests.peers.config_sync import ControlPlanePeer

RULES = """groups:
  - name: {name}
    rules:
      - alert: {name}Fires
        expr: vector(1) > 0
        labels: {{severity: page}}
        annotations: {{summary: "from Sluice"}}
"""


@pytest.fixture
def control_plane() -> Iterator[ControlPlanePeer]:
    peer = ControlPlanePeer()
    yield peer
    peer.close()


def sidecar_settings(
    peer: ControlPlanePeer, kind: TargetKind, config_dir: Path, target_url: str, **more: object
) -> ConfigAgentSettings:
    return ConfigAgentSettings.model_validate(
        {
            "target": f"{kind}-{uuid.uuid4().hex[:8]}",
            "kind": kind,
            "config_dir": config_dir,
            "api_url": peer.url,
            "token": SecretStr(peer.token),
            "target_url": target_url,
            "verify_timeout": 10.0,
            "request_timeout": 5.0,
            **more,
        }
    )


def publish(
    peer: ControlPlanePeer, sync: ConfigSyncActivities, files: dict[str, str]
) -> RolloutInput:
    """Publish `files` for the sidecar's target; the rollout that would apply them."""
    cfg = sync.cfg
    assert cfg.target and cfg.kind
    desired = peer.publish(cfg.target, cfg.kind, files)
    return RolloutInput(cfg.target, desired.version, desired.digest)


def no_beat(step: str) -> None:
    pass
