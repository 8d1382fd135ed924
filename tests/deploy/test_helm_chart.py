"""The Helm chart, rendered here by tests/deploy/gotemplate.py (no `helm` on this machine):
valid manifests, real commands, settings and ports, probes on real routes, secrets from
Secrets, migrations as a hook Job, host paths for the agent, the config-agent sidecar."""

from __future__ import annotations

import os
from typing import Any

import pytest
import yaml
from cryptography.fernet import Fernet
from typer.main import get_command

from api.routes.health import router as health_router
from sluice.cli import app
from sluice.settings import Settings, load_settings
from tests.deploy.gotemplate import TemplateError, parse
from tests.deploy.settings_names import (
    CHART,
    SLUICE_VAR,
    manifests,
    other_names,
    pod_containers,
    render,
    setting_names,
)

VARIANTS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "prometheus": {"prometheus__enabled": True, "prometheus__rules": "groups: []\n"},
    "existing secret": {"secrets__existingSecret": "sluice-prod"},
    "no agent": {"agent__enabled": False, "migrations__enabled": False},
    "local agents": {"agent__controlPlane": {"enabled": False, "tokensSecret": ""}},
}


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def container(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in pod_containers(doc) if c["name"] == name)


def plain_env(c: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in c.get("env", []) if "value" in e}


def sluice_command(c: dict[str, Any]) -> str:
    if c.get("command", [None])[0] == "/bin/sh":
        return c["args"][0].rsplit("exec sluice ", 1)[1]
    return " ".join(c["args"])


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_template_renders_to_named_manifests(variant: str) -> None:
    docs = manifests(**VARIANTS[variant])
    for doc in docs:
        assert doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"].startswith("sluice")
    kinds = {doc["kind"] for doc in docs}
    assert {"Deployment", "Service"} <= kinds
    assert ("DaemonSet" in kinds) == (variant != "no agent")
    assert ("Secret" in kinds) == (variant != "existing secret")
    rendered = render(**VARIANTS[variant])
    assert "sluice token create --role admin" in rendered["NOTES.txt"]
    named = {name for text in rendered.values() for name in SLUICE_VAR.findall(text)}
    assert named <= setting_names() | other_names()  # wrapper scripts and notes too


def test_the_subset_renderer_refuses_what_it_does_not_know() -> None:
    with pytest.raises(TemplateError):
        parse("{{ with .Values.x }}{{ . }}{{ end }}")
    with pytest.raises(TemplateError, match="missing value"):
        render(image__repository=None)


@pytest.mark.parametrize("variant", VARIANTS)
def test_env_names_are_settings_and_secrets_come_from_secrets(variant: str) -> None:
    valid = setting_names() | other_names()
    docs = manifests(**VARIANTS[variant])
    secret = "sluice-prod" if variant == "existing secret" else "sluice"
    for doc in docs:
        if doc["kind"] not in {"Deployment", "DaemonSet", "Job"}:
            continue
        for c in pod_containers(doc):
            for entry in c.get("env", []):
                assert entry["name"] in valid, f"{doc['metadata']['name']}: {entry['name']}"
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == secret
                lowered = entry["name"].lower()
                if any(word in lowered for word in ("key", "token", "database_url", "password")):
                    assert "value" not in entry or entry["name"].endswith("_URL"), entry


def test_rendered_settings_load_and_ports_match(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each container's plain env plus its secrets loads into Settings, listening where the
    pod's ports and probes say."""
    docs = manifests(prometheus__enabled=True)
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    secrets = {
        "SLUICE_DATABASE_URL": values["secrets"]["values"]["databaseUrl"],
        "SLUICE_NOTIFICATIONS__SECRET_KEY": Fernet.generate_key().decode(),
        "SLUICE_STORAGE__ACCESS_KEY": "k",
        "SLUICE_STORAGE__SECRET_KEY": "s",
        "SLUICE_CONFIG_AGENT__TOKEN": "t",
    }
    loaded = {}
    for doc in docs:
        if doc["kind"] not in {"Deployment", "DaemonSet", "Job"}:
            continue
        for c in doc["spec"]["template"]["spec"]["containers"]:
            if c["name"] == "prometheus":
                continue
            for key in [k for k in os.environ if k.startswith("SLUICE_")]:
                monkeypatch.delenv(key)
            env = plain_env(c) | {
                e["name"]: secrets.get(e["name"], "node-1")
                for e in c.get("env", [])
                if "valueFrom" in e and not e["valueFrom"].get("secretKeyRef", {}).get("optional")
            }
            for key, value in env.items():
                monkeypatch.setenv(key, value)
            loaded[c["name"]] = (load_settings(), c)
    api, api_c = loaded["api"]
    assert api.api.port == Settings().api.port == api_c["ports"][0]["containerPort"]
    assert api.api.host == "0.0.0.0"
    worker, worker_c = loaded["worker"]
    assert worker.pipeline.metrics_port == worker_c["ports"][0]["containerPort"] == 9465
    agent, agent_c = loaded["agent"]
    assert agent.agent.metrics_port == Settings().agent.metrics_port
    assert agent.agent.metrics_port == agent_c["ports"][0]["containerPort"]
    assert (
        agent.agent.id == "node-1"
        and [str(r) for r in agent.agent.roots] == values["agent"]["roots"]
    )
    assert "SLUICE_DATABASE_URL" not in {e["name"] for e in agent_c["env"]}
    sidecar, _ = loaded["config-agent"]
    sidecar.config_agent.require()
    assert sidecar.config_agent.base_url == f"http://127.0.0.1:{values['prometheus']['port']}"
    assert sidecar.config_agent.api_url == f"http://sluice-api:{values['api']['service']['port']}"


def test_containers_run_real_commands_on_the_chart_image() -> None:
    group = get_command(app)
    commands = set(group.commands) | {  # type: ignore[attr-defined]
        f"{name} {sub}"
        for name, command in group.commands.items()  # type: ignore[attr-defined]
        for sub in getattr(command, "commands", {})
    }
    docs = manifests(prometheus__enabled=True)
    seen = {}
    for doc in docs:
        if doc["kind"] in {"Deployment", "DaemonSet", "Job"}:
            for c in doc["spec"]["template"]["spec"]["containers"]:
                if c["image"].startswith("sluice:"):
                    assert c["image"] == "sluice:0.1.0"
                    seen[c["name"]] = sluice_command(c)
    assert seen == {
        "api": "api",
        "worker": "worker",
        "agent": "agent",
        "migrate": "db upgrade",
        "config-agent": "config-agent",
    }
    assert set(seen.values()) <= commands
    compose = (CHART.parents[1] / "compose" / "env.example").read_text()
    prometheus = yaml.safe_load((CHART / "values.yaml").read_text())["prometheus"]["image"]
    assert f"PROMETHEUS_VERSION={prometheus.split(':')[1]}" in compose


def test_deployments_have_probes_on_real_routes_and_resources() -> None:
    routes = {route.path for route in health_router.routes}  # type: ignore[attr-defined]
    deployments = by_kind(manifests(), "Deployment")
    api = container(deployments["sluice-api"], "api")
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz" in routes
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz" in routes
    for doc in [*deployments.values(), *by_kind(manifests(), "DaemonSet").values()]:
        for c in doc["spec"]["template"]["spec"]["containers"]:
            assert c["resources"]["requests"] and c["resources"]["limits"]["memory"]
            assert c["livenessProbe"]["httpGet"]["port"] in {p["name"] for p in c["ports"]}
        labels = doc["spec"]["template"]["metadata"]["labels"]
        assert doc["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_services_select_pods_and_name_their_ports() -> None:
    docs = manifests(prometheus__enabled=True)
    pods = [d for d in docs if d["kind"] in {"Deployment", "DaemonSet"}]
    for service in by_kind(docs, "Service").values():
        selected = [
            d
            for d in pods
            if service["spec"]["selector"].items()
            <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(selected) == 1, service["metadata"]["name"]
        ports = {p["name"] for c in pod_containers(selected[0]) for p in c.get("ports", [])}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports


def test_migrations_run_as_a_hook_job_after_the_secret() -> None:
    docs = manifests()
    job = by_kind(docs, "Job")["sluice-migrate"]
    secret = by_kind(docs, "Secret")["sluice"]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert secret["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    weight = lambda d: int(d["metadata"]["annotations"]["helm.sh/hook-weight"])  # noqa: E731
    assert weight(secret) < weight(job)
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert set(secret["stringData"]) == {
        "database-url",
        "secret-key",
        "s3-access-key",
        "s3-secret-key",
    }


def test_agent_daemonset_mounts_each_root_read_only_from_the_host() -> None:
    roots = ["/data/dumps", "/var/log/app"]
    daemonset = by_kind(manifests(agent__roots=roots), "DaemonSet")["sluice-agent"]
    spec = daemonset["spec"]["template"]["spec"]
    host_paths = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"] if "hostPath" in v}
    mounts = {m["mountPath"]: m for m in container(daemonset, "agent")["volumeMounts"]}
    for root in roots:
        assert mounts[root]["readOnly"] is True and host_paths[mounts[root]["name"]] == root
    assert host_paths["spool"] == "/var/lib/sluice-agent"
    assert plain_env(container(daemonset, "agent"))["SLUICE_AGENT__SPOOL_PATH"].startswith(
        mounts["/var/lib/sluice"]["mountPath"]
    )
    assert spec["securityContext"]["runAsNonRoot"] is True


def test_config_agent_sidecar_shares_the_rules_volume_with_prometheus() -> None:
    assert "Deployment" not in {
        d["kind"] for d in manifests() if "prometheus" in d["metadata"]["name"]
    }
    docs = manifests(prometheus__enabled=True, prometheus__rules="groups: []\n")
    pod = by_kind(docs, "Deployment")["sluice-prometheus"]
    prometheus, sidecar = container(pod, "prometheus"), container(pod, "config-agent")
    config_dir = plain_env(sidecar)["SLUICE_CONFIG_AGENT__CONFIG_DIR"]
    shared = {m["name"] for m in prometheus["volumeMounts"] if m["mountPath"] == config_dir}
    assert shared == {m["name"] for m in sidecar["volumeMounts"] if m["mountPath"] == config_dir}
    assert "--web.enable-lifecycle" in prometheus["args"]
    config = yaml.safe_load(
        by_kind(docs, "ConfigMap")["sluice-prometheus"]["data"]["prometheus.yml"]
    )
    assert f"{config_dir}/*.yml" in config["rule_files"]
    ports = {job["job_name"]: job["dns_sd_configs"][0]["port"] for job in config["scrape_configs"]}
    assert ports == {"sluice-api": 8000, "sluice-worker": 9465, "sluice-agent": 9464}
