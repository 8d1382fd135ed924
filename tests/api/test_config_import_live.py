"""Adopting running targets: Debian's Prometheus and Alertmanager started on loopback, their
config read over HTTP into draft versions (Alertmanager hides its secrets: the draft says
which to give); a target that is not there is a clear 502."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.api.config_sync_support import RULES, api, created, published, settings_for
from tests.fixtures.alertmanager import alertmanager_server
from tests.fixtures.database import free_port
from tests.fixtures.prometheus import prometheus_server


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_import_from_a_running_prometheus(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "team.rules.yml").write_text(RULES)
    extra = {"rule_files": [str(tmp_path / "team.rules.yml")]}
    with prometheus_server(tmp_path, {}, extra) as url:
        async with api(settings_for(db_url)) as client:
            await created(
                client, "/api/v1/config-targets", name="prom-a", kind="prometheus", url=url
            )
            imported = await created(
                client, "/api/v1/config-targets/prom-a:import", comment="adopt"
            )
            assert imported["document"] == "prom-a"
            draft = imported["version"]
            assert draft["problems"] == [] and draft["comment"] == "adopt"
            expected = yaml.safe_load(RULES)
            expected["groups"][0]["interval"] = "1s"  # the evaluation interval it runs at
            assert yaml.safe_load(draft["text"]) == expected
            await published(client, "/api/v1/rule-sets/prom-a/versions/1:publish")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_import_from_a_running_alertmanager(db_url: str, tmp_path: Path) -> None:
    with alertmanager_server(tmp_path, "http://127.0.0.1:9/hook", "am-password-1") as url:
        async with api(settings_for(db_url)) as client:
            await created(
                client, "/api/v1/config-targets", name="am-a", kind="alertmanager", url=url
            )
            response = await client.post(
                "/api/v1/config-targets/am-a:import", json={"name": "main"}
            )
            assert response.status_code == 201, response.text
            draft = response.json()["version"]
            assert "am-password-1" not in response.text
            assert "password: <secret>" in draft["text"]
            assert [p["path"] for p in draft["problems"]] == [
                'receivers["sluice"].webhook_configs[0].http_config.basic_auth.password'
            ]
            fixed = draft["text"].replace("password: <secret>", "password: am-password-2")
            await created(client, "/api/v1/alertmanager-configs/main/versions", text=fixed)
            await published(client, "/api/v1/alertmanager-configs/main/versions/2:publish")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_import_from_nothing_is_a_502(db_url: str) -> None:
    async with api(settings_for(db_url)) as client:
        url = f"http://127.0.0.1:{free_port()}"
        await created(client, "/api/v1/config-targets", name="p", kind="prometheus", url=url)
        response = await client.post("/api/v1/config-targets/p:import", json={})
        assert response.status_code == 502 and response.json()["error"]["code"] == "import_failed"
        await created(client, "/api/v1/config-targets", name="q", kind="prometheus")
        assert (await client.post("/api/v1/config-targets/q:import", json={})).status_code == 409
