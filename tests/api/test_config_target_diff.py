"""A target's diff (what it runs against what it should run, file by file, secrets masked) and
its latest rollout's state, over a real database; Temporal is not reachable here, so rollouts
stay pending until a status report says the version is live."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from api.services.config_targets import rollout_state
from store.models import ConfigRollout, ConfigTarget, Role, utcnow
from tests.api.config_sync_support import (
    AM_CONFIG,
    RULES,
    SECRETS,
    alertmanager_target,
    api,
    created,
    published,
    settings_for,
)
from tests.api.test_config_targets import desired, report
from tests.api.tokens import bearer


async def diff_of(client: httpx.AsyncClient, db_url: str, target: str) -> dict[str, Any]:
    viewer = bearer(db_url, Role.viewer, "vera")  # readable by every console role
    response = await client.get(f"/api/v1/config-targets/{target}/diff", headers=viewer)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def report_live(client: httpx.AsyncClient, db_url: str, target: str, **extra: Any) -> None:
    want = await desired(client, db_url, target)
    await report(
        client, db_url, target, version=want["version"], digest=want["digest"],
        disk_digest=want["digest"], drift=False, **extra,
    )  # fmt: skip


async def test_rule_target_diff_from_the_live_version_to_the_desired_one(db_url: str) -> None:
    async with api(settings_for(db_url)) as client:
        await created(client, "/api/v1/rule-sets", name="node", text=RULES)
        await created(
            client, "/api/v1/config-targets", name="prom-a", kind="prometheus", rule_sets=["node"]
        )
        await published(client, "/api/v1/rule-sets/node/versions/1:publish")
        never = await diff_of(client, db_url, "prom-a")
        assert not never["live_known"] and "never reported" in never["live_note"]
        shown = (await client.get("/api/v1/config-targets/prom-a")).json()
        assert shown["rollout"]["state"] == "pending" and shown["rollout"]["error"]

        await report_live(client, db_url, "prom-a")
        same = await diff_of(client, db_url, "prom-a")
        assert same["live_known"] and same["in_sync"] and not same["drift"]
        assert same["files"] == [{"name": "sluice-node.rules.yml", "change": "same", "diff": ""}]
        shown = (await client.get("/api/v1/config-targets/prom-a")).json()
        assert shown["rollout"]["state"] == "applied"

        await created(
            client, "/api/v1/rule-sets/node/versions", text=RULES.replace("for: 5m", "for: 10m")
        )
        await published(client, "/api/v1/rule-sets/node/versions/2:publish")
        await created(client, "/api/v1/rule-sets", name="disk", text=RULES.replace("node", "disk"))
        await client.patch("/api/v1/config-targets/prom-a", json={"rule_sets": ["node", "disk"]})
        await published(client, "/api/v1/rule-sets/disk/versions/1:publish")
        behind = await diff_of(client, db_url, "prom-a")
        assert (behind["live_version"], behind["desired_version"]) == (2, 4)
        assert not behind["in_sync"]
        changes = {f["name"]: f for f in behind["files"]}
        assert changes["sluice-disk.rules.yml"]["change"] == "added"
        node = changes["sluice-node.rules.yml"]
        assert node["change"] == "changed"
        assert "-        for: 5m\n+        for: 10m\n" in node["diff"]
        assert node["diff"].startswith("--- live v2/sluice-node.rules.yml\n+++ desired v4/")

        # A hand edit on disk: flagged with the disk's digest (its contents never travel).
        want = await desired(client, db_url, "prom-a")
        await report(
            client, db_url, "prom-a", version=want["version"], digest=want["digest"],
            disk_digest="f" * 64, drift=True,
        )  # fmt: skip
        drifted = await diff_of(client, db_url, "prom-a")
        assert drifted["drift"] and drifted["disk_digest"] == "f" * 64
        assert all(f["change"] == "same" for f in drifted["files"])
        missing = await client.get("/api/v1/config-targets/nope/diff")
        assert missing.status_code == 404


async def test_alertmanager_diff_masks_secrets(db_url: str) -> None:
    async with api(settings_for(db_url)) as client:
        await alertmanager_target(client)
        await report_live(client, db_url, "am-a")
        changed = AM_CONFIG.replace("group_by: [alertname]", "group_by: [alertname, team]")
        changed = changed.replace("slack-secret-789", "slack-secret-000")
        await created(client, "/api/v1/alertmanager-configs/main/versions", text=changed)
        await published(client, "/api/v1/alertmanager-configs/main/versions/2:publish")
        response = await client.get("/api/v1/config-targets/am-a/diff")
        assert not any(s in response.text for s in (*SECRETS, "slack-secret-000"))
        (file,) = response.json()["files"]
        assert file["name"] == "alertmanager.yml" and file["change"] == "changed"
        assert "+  group_by: [alertname, team]" in file["diff"]


def test_rollout_states() -> None:
    now = utcnow()
    target = ConfigTarget(name="t", kind="prometheus", desired_version=3, desired_digest="d3")
    row = ConfigRollout(target="t", version=3, digest="d3", workflow_id="w", created_at=now)
    assert rollout_state(target, None) is None
    row.error = "Temporal down"
    assert _state(target, row) == ("pending", "Temporal down")
    row.started_at, row.error = now, ""
    assert _state(target, row) == ("running", "")
    target.reported_at, target.error = now + timedelta(seconds=1), "reload failed"
    assert _state(target, row) == ("failed", "reload failed")
    target.live_digest, target.error = "d3", ""
    assert _state(target, row) == ("applied", "")
    target.desired_digest, target.live_digest = "d4", "d2"
    assert _state(target, row) == ("superseded", "")


def _state(target: ConfigTarget, row: ConfigRollout) -> tuple[str, str]:
    state = rollout_state(target, row)
    assert state is not None
    return state.state, state.error
