"""Rule sets and Alertmanager configs over a real database: versions with diffs, publish and
rollback, problems at their lines (the Python checks, then promtool and amtool really run),
receiver secrets sealed and never returned, file import and hostile input."""

from __future__ import annotations

import json

import pytest

from tests.api.config_sync_support import (
    AM_CONFIG,
    RULES,
    SECRETS,
    api,
    created,
    problems,
    published,
    settings_for,
)

pytestmark = pytest.mark.usefixtures("db_url")


async def test_rule_set_versions_publish_rollback_and_diff(db_url: str) -> None:
    async with api(settings_for(db_url)) as client:
        first = await created(client, "/api/v1/rule-sets", name="node", text=RULES)
        assert first["version"] == 1 and not first["live"] and first["problems"] == []
        second_text = RULES.replace("for: 5m", "for: 10m")
        second = await created(
            client, "/api/v1/rule-sets/node/versions", text=second_text, comment="slower"
        )
        assert "-        for: 5m" in second["diff"] and "+        for: 10m" in second["diff"]
        await published(client, "/api/v1/rule-sets/node/versions/1:publish")
        result = await published(client, "/api/v1/rule-sets/node/versions/2:publish")
        assert result["version"]["live"] and result["rollouts"] == []  # no target yet
        again = await client.post("/api/v1/rule-sets/node/versions/2:publish")
        assert again.status_code == 409
        back = await published(client, "/api/v1/rule-sets/node:rollback")
        assert back["version"]["version"] == 1
        shown = (await client.get("/api/v1/rule-sets/node")).json()
        assert shown["live_version"] == 1 and shown["latest_version"] == 2
        versions = (await client.get("/api/v1/rule-sets/node/versions")).json()
        assert [v["version"] for v in versions] == [2, 1]
        assert [v["live"] for v in versions] == [False, True]


async def test_structural_problems_at_their_rule_and_line(db_url: str) -> None:
    bad = """groups:
  - name: g
    interval: 1x
    rules:
      - alert: A
        record: a:b
        expr: up
      - record: job:x
        expr: up
        for: 5m
        annotations: {a: b}
      - alert: B
        expr: up
        labels: {severity: "{{ $value "}
        annotations: {summary: "{{ if .x }}open"}
  - name: g
    rules: []
"""
    async with api(settings_for(db_url)) as client:
        found = problems(await client.post("/api/v1/rule-sets", json={"name": "x", "text": bad}))
    text = "\n".join(f"{line}: {message}" for line, message in found)
    assert "3: not a duration" in text
    assert "5: group 'g', rule 1: a rule needs exactly one of `alert` or `record`" in text
    assert "10: group 'g', rule 2: a recording rule cannot have `for`" in text
    assert "11: group 'g', rule 2: a recording rule cannot have `annotations`" in text
    assert "14: group 'g', rule 3: labels.severity: template: unclosed action" in text
    assert "15: group 'g', rule 3: annotations.summary: template: 1 block(s)" in text
    assert "16: group name 'g' repeated" in text


async def test_promtool_finds_bad_promql_at_its_line(db_url: str) -> None:
    text = RULES.replace('expr: up{job="node"} == 0', "expr: up == (")
    async with api(settings_for(db_url)) as client:
        found = problems(await client.post("/api/v1/rule-sets", json={"name": "x", "text": text}))
        assert (await client.get("/api/v1/rule-sets")).json() == []  # nothing saved
    assert len(found) == 1
    line, message = found[0]
    assert line == 5 and message.startswith("promtool: rules.yml: 5:")
    assert "unclosed left parenthesis" in message


async def test_bad_yaml_is_a_422_at_its_line_and_oversize_a_413(db_url: str) -> None:
    async with api(settings_for(db_url)) as client:
        found = problems(
            await client.post("/api/v1/rule-sets", json={"name": "x", "text": "groups:\n  - [\n"})
        )
        assert found[0][0] >= 2 and "not valid YAML" in found[0][1]
        scalar = await client.post("/api/v1/rule-sets:import", json={"name": "x", "text": "3"})
        assert problems(scalar) == [(1, "expected a YAML mapping at the top")]
        big = await client.post(
            "/api/v1/rule-sets:import", json={"name": "x", "text": "#" * 600_000}
        )
        assert big.status_code == 413
        huge = await client.post(
            "/api/v1/rule-sets:import",
            content=json.dumps({"name": "x", "text": "#" * 2_000_000}),
            headers={"content-type": "application/json"},
        )
        assert huge.status_code == 413
        laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, "
            f"*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}]\n"
            for n in range(8)
        )
        bomb = await client.post("/api/v1/rule-sets:import", json={"name": "x", "text": laughs})
        assert bomb.status_code == 422 and "more than" in bomb.text


async def test_alertmanager_secrets_are_sealed_masked_and_kept(db_url: str) -> None:
    async with api(settings_for(db_url)) as client:
        first = await created(client, "/api/v1/alertmanager-configs", name="main", text=AM_CONFIG)
        for secret in SECRETS:
            assert secret not in json.dumps(first)
        assert first["text"].startswith("# the team's Alertmanager")  # comments kept
        assert "url: <secret>" in first["text"] and "credentials: <secret>" in first["text"]
        # The mask sent back keeps the stored value; a real change is a new value.
        changed = first["text"].replace('channel: "#db"', 'channel: "#dba"')
        second = await created(client, "/api/v1/alertmanager-configs/main/versions", text=changed)
        assert '+        channel: "#dba"' in second["diff"]
        assert not any(secret in second["diff"] for secret in SECRETS)
        await published(client, "/api/v1/alertmanager-configs/main/versions/2:publish")
        everything = [
            await client.get(path)
            for path in (
                "/api/v1/alertmanager-configs",
                "/api/v1/alertmanager-configs/main",
                "/api/v1/alertmanager-configs/main/versions",
                "/api/v1/alertmanager-configs/main/versions/2",
            )
        ]
        for response in everything:
            assert response.status_code == 200
            assert not any(secret in response.text for secret in SECRETS)
        # A new receiver sent masked has no stored value to keep.
        unknown = changed.replace("  - name: db\n", "  - name: db2\n").replace(
            "receiver: db\n", "receiver: db2\n"
        )
        found = problems(
            await client.post("/api/v1/alertmanager-configs/main/versions", json={"text": unknown})
        )
        assert 'receivers["db2"].slack_configs[0].api_url is <secret>' in found[0][1]


async def test_alertmanager_problems_from_python_and_amtool(db_url: str) -> None:
    missing = AM_CONFIG.replace("    - receiver: db\n", "    - receiver: nobody\n")
    amtool_only = AM_CONFIG.replace("""['team="db"']""", """['team=~"(["']""")
    async with api(settings_for(db_url)) as client:
        found = problems(
            await client.post("/api/v1/alertmanager-configs", json={"name": "a", "text": missing})
        )
        assert found == [(6, "no receiver named 'nobody'")]
        found = problems(
            await client.post(
                "/api/v1/alertmanager-configs", json={"name": "a", "text": amtool_only}
            )
        )
        assert len(found) == 1 and found[0][1].startswith("amtool: "), found
        assert "error parsing regexp" in found[0][1]
        bad_secret_url = AM_CONFIG.replace(
            '"http://127.0.0.1:9/hook?token=ops-token-123"', '"::not-a-url::ops-token-123"'
        )
        response = await client.post(
            "/api/v1/alertmanager-configs", json={"name": "a", "text": bad_secret_url}
        )
        problems(response)
        assert "ops-token-123" not in response.text  # amtool's message is scrubbed


async def test_dry_run_names_problems_without_saving(db_url: str) -> None:
    async with api(settings_for(db_url)) as client:
        good = (await client.post("/api/v1/rule-sets:validate", json={"text": RULES})).json()
        assert good == {"valid": True, "problems": [], "targets": []}
        bad = (
            await client.post(
                "/api/v1/rule-sets:validate", json={"text": RULES.replace("for: 5m", "for: 5")}
            )
        ).json()
        assert not bad["valid"] and bad["problems"][0]["line"] == 6
        assert (await client.get("/api/v1/rule-sets")).json() == []


async def test_import_keeps_a_draft_with_problems_that_publish_refuses(db_url: str) -> None:
    imported = AM_CONFIG.replace('"http://127.0.0.1:9/hook?token=ops-token-123"', "<secret>")
    async with api(settings_for(db_url)) as client:
        draft = await created(
            client, "/api/v1/alertmanager-configs:import", name="adopted", text=imported
        )
        assert draft["problems"] and "give its value" in draft["problems"][0]["message"]
        refused = await client.post("/api/v1/alertmanager-configs/adopted/versions/1:publish")
        assert "give its value" in problems(refused)[0][1]
        fixed = draft["text"].replace(
            "- url: <secret>", '- url: "http://127.0.0.1:9/hook?token=new"', 1
        )
        second = await created(client, "/api/v1/alertmanager-configs/adopted/versions", text=fixed)
        assert second["problems"] == []
        await published(client, "/api/v1/alertmanager-configs/adopted/versions/2:publish")


async def test_roles(db_url: str) -> None:
    from store.models import Role

    async with api(settings_for(db_url), role=Role.viewer) as viewer:
        assert (await viewer.get("/api/v1/rule-sets")).status_code == 200
        denied = await viewer.post("/api/v1/rule-sets", json={"name": "x", "text": RULES})
        assert denied.status_code == 403
    async with api(settings_for(db_url), role=Role.config_agent) as agent:
        assert (await agent.get("/api/v1/rule-sets")).status_code == 403


async def test_secrets_without_a_key_are_a_409(db_url: str) -> None:
    settings = settings_for(db_url, notifications={})
    async with api(settings) as client:
        response = await client.post(
            "/api/v1/alertmanager-configs", json={"name": "m", "text": AM_CONFIG}
        )
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "secret_key_missing"
