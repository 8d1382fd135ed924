"""ConfigRolloutWorkflow on the real Temporal dev server, with a central worker (writing
rollout failures to a SQLite database) and the sidecar (`sluice config-agent`'s ConfigAgent:
its worker on the target's queue and its status loop) running in the test, beside Debian's
Prometheus; the control plane's two endpoints are the loopback stand-in of
tests/peers/config_sync.py."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from activities.config_rollouts import RolloutRecords
from api.services.config_targets import rollout_state
from sluice.contracts.config_sync import (
    AGENT_ABSENT,
    CONFIG_ROLLOUT_WORKFLOW,
    ApplyResult,
    RolloutInput,
    rollout_id,
)
from sluice.settings import ConfigAgentSettings
from store.db import make_engine, migrate
from store.models import ConfigRollout, ConfigTarget, utcnow
from tests.activities.config_sync.conftest import RULES, sidecar_settings
from tests.e2e.agent_support import eventually
from tests.e2e.flow import keep_history
from tests.fixtures.prometheus import prometheus_server
from tests.peers.config_sync import ControlPlanePeer
from watcher.config_agent import ConfigAgent
from workflows.config_rollout import ConfigRolloutWorkflow


@pytest.fixture
def control_plane() -> Iterator[ControlPlanePeer]:
    peer = ControlPlanePeer()
    yield peer
    peer.close()


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    rules = tmp_path / "rules"
    rules.mkdir()
    extra = {"rule_files": [str(rules / "*.yml")]}
    with prometheus_server(tmp_path, {}, extra, ["--web.enable-lifecycle"]) as url:
        yield url, rules


@pytest.fixture
async def sidecar(
    temporal_client: Client, control_plane: ControlPlanePeer, prometheus: tuple[str, Path]
) -> AsyncIterator[ConfigAgentSettings]:
    url, rules = prometheus
    cfg = sidecar_settings(control_plane, "prometheus", rules, url, report_interval=0.5)
    running = asyncio.create_task(ConfigAgent(cfg, temporal_client, grace=1).run())
    yield cfg
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'sluice.db'}"
    migrate(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
async def central(temporal_client: Client, task_queue: str, database: Engine) -> AsyncIterator[str]:
    records = RolloutRecords(database)
    with ThreadPoolExecutor(2) as pool:
        async with Worker(
            temporal_client, task_queue=task_queue, workflows=[ConfigRolloutWorkflow],
            activities=[records.record_failure], activity_executor=pool,
        ):  # fmt: skip
            yield task_queue


async def live_groups(url: str) -> set[str]:
    async with httpx.AsyncClient() as http:
        groups = (await http.get(f"{url}/api/v1/rules")).json()["data"]["groups"]
    return {g["name"] for g in groups}


async def roll_out(
    client: Client, queue: str, peer: ControlPlanePeer, cfg: ConfigAgentSettings, rules: str
) -> tuple[str, ApplyResult]:
    assert cfg.target
    desired = peer.publish(cfg.target, "prometheus", {"team.yml": rules})
    workflow_id = f"{rollout_id(cfg.target, desired.digest)}-{uuid.uuid4().hex[:6]}"
    result = await client.execute_workflow(
        CONFIG_ROLLOUT_WORKFLOW,
        RolloutInput(cfg.target, desired.version, desired.digest),
        id=workflow_id,
        task_queue=queue,
        result_type=ApplyResult,
    )
    return workflow_id, result


async def test_a_rollout_completes_with_the_files_live(
    temporal_client: Client, central: str, sidecar: ConfigAgentSettings,
    control_plane: ControlPlanePeer, prometheus: tuple[str, Path],
) -> None:  # fmt: skip
    url, _ = prometheus
    workflow_id, result = await roll_out(
        temporal_client, central, control_plane, sidecar, RULES.format(name="Rolled")
    )

    assert result.applied and result.error == ""
    assert "Rolled" in await live_groups(url)
    described = await temporal_client.get_workflow_handle(workflow_id).describe()
    assert described.status is not None and described.status.name == "COMPLETED"
    status = await eventually(
        lambda: control_plane.last_status(sidecar.target or ""), 10, "a status report"
    )
    assert (status["version"], status["digest"], status["drift"]) == (1, result.digest, False)
    await keep_history(temporal_client, workflow_id, "config_rollout_applied")


async def test_a_refused_rollout_fails_saying_why_and_the_old_rules_run(
    temporal_client: Client, central: str, sidecar: ConfigAgentSettings,
    control_plane: ControlPlanePeer, prometheus: tuple[str, Path],
) -> None:  # fmt: skip
    url, rules = prometheus
    good = RULES.format(name="Good")
    await roll_out(temporal_client, central, control_plane, sidecar, good)

    with pytest.raises(WorkflowFailureError) as failed:
        bad = good.replace("> 0", "> (")
        await roll_out(temporal_client, central, control_plane, sidecar, bad)

    cause = failed.value.cause
    assert "version 2 not applied" in str(cause)
    assert (rules / "team.yml").read_text() == good
    assert "Good" in await live_groups(url)


async def test_a_rollout_no_sidecar_takes_is_recorded_failed(
    temporal_client: Client, central: str, database: Engine
) -> None:
    """No sidecar polls the target's queue: the rollout fails after `agent_wait`, and the
    workflow writes that to the database, so the console shows it failed, not running."""
    target = f"absent-{uuid.uuid4().hex[:8]}"
    workflow_id = rollout_id(target, "d" * 64)
    with Session(database) as session:
        session.add(ConfigTarget(name=target, kind="prometheus", desired_version=1,
                                 desired_digest="d" * 64))  # fmt: skip
        session.add(ConfigRollout(target=target, version=1, digest="d" * 64,
                                  workflow_id=workflow_id, started_at=utcnow()))  # fmt: skip
        session.commit()

    with pytest.raises(WorkflowFailureError) as failed:
        await temporal_client.execute_workflow(
            CONFIG_ROLLOUT_WORKFLOW, RolloutInput(target, 1, "d" * 64, agent_wait=1.0),
            id=workflow_id, task_queue=central,
        )  # fmt: skip
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == AGENT_ABSENT

    with Session(database) as session:
        row = session.exec(select(ConfigRollout).where(ConfigRollout.target == target)).one()
        shown = session.exec(select(ConfigTarget).where(ConfigTarget.name == target)).one()
        state = rollout_state(shown, row)
    assert row.failed_at is not None and "no config agent took the step" in row.error
    assert state is not None and state.state == "failed" and state.error == row.error
    await keep_history(temporal_client, workflow_id, "config_rollout_agent_absent")
