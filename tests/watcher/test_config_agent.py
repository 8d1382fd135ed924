"""The config sidecar's status loop: it reports drift as soon as it sees it, and with the
control plane down it leaves the files alone and retries with backoff until it is back.
The control plane is the loopback stand-in of tests/peers/config_sync.py; the target a
vmalert peer (vmalert is not packaged in Debian)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from activities.config_sync import ConfigSyncActivities, ControlPlaneError
from sluice.cli.servers import free_port
from tests.activities.config_sync.conftest import RULES, publish
from tests.e2e.agent_support import eventually
from tests.peers.config_sync import ControlPlanePeer
from tests.watcher.conftest import vmalert_sidecar
from watcher.config_agent import StatusReporter


@pytest.fixture
def sync(tmp_path: Path, control_plane: ControlPlanePeer) -> Iterator[ConfigSyncActivities]:
    with vmalert_sidecar(
        control_plane, tmp_path, report_interval=30, drift_interval=0.1, max_backoff=0.4
    ) as sync:
        assert sync.apply_config(publish(control_plane, sync, {"a.yml": RULES.format(name="A")}))
        yield sync


@pytest.fixture
async def reporter(sync: ConfigSyncActivities) -> AsyncIterator[StatusReporter]:
    reporter = StatusReporter(sync.cfg, sync)
    running = asyncio.create_task(reporter.run())
    yield reporter
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running


async def test_a_hand_edit_is_reported_at_once(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer, reporter: StatusReporter,
    tmp_path: Path,
) -> None:  # fmt: skip
    target = sync.cfg.target or ""
    await eventually(lambda: control_plane.last_status(target), 20, "the first report")

    (tmp_path / "a.yml").write_text(RULES.format(name="ByHand"))

    # Well before report_interval (30 s): drift is told when it appears.
    status = await eventually(
        lambda: (s := control_plane.last_status(target)) and s["drift"] and s, 20, "drift"
    )
    assert status["version"] == 1 and status["disk_digest"] != status["digest"]


async def test_control_plane_down_keeps_the_files_and_retries(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer, tmp_path: Path
) -> None:
    control_plane.statuses.clear()  # the apply's own report
    control_plane.down = True
    reporter = StatusReporter(sync.cfg, sync)
    running = asyncio.create_task(reporter.run())
    try:
        await eventually(lambda: reporter.failures >= 3, 60, "three failed reports")
        assert (tmp_path / "a.yml").read_text() == RULES.format(name="A")
        assert control_plane.last_status(sync.cfg.target or "") is None

        control_plane.down = False
        status = await eventually(
            lambda: control_plane.last_status(sync.cfg.target or ""), 60, "a report once back"
        )
        assert status["version"] == 1 and status["drift"] is False
        # the reporter counts its success once the answer is back, after the peer saw it
        await eventually(lambda: reporter.failures == 0, 10, "the failures forgotten")
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


def test_an_unreachable_control_plane_is_named_with_what_to_check(
    sync: ConfigSyncActivities,
) -> None:
    cfg = sync.cfg.model_copy(update={"api_url": f"http://127.0.0.1:{free_port()}"})
    offline = ConfigSyncActivities(cfg)
    with pytest.raises(ControlPlaneError) as raised:
        offline.report_status()
    assert raised.value.retryable
    assert "does not answer" in str(raised.value) and "config_agent.api_url" in str(raised.value)
    offline.http.close()


def test_a_refused_token_says_which_role_it_needs(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer
) -> None:
    control_plane.token = "another"
    with pytest.raises(ControlPlaneError) as raised:
        sync.report_status()
    assert not raised.value.retryable and "config-agent role" in str(raised.value)
