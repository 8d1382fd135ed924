"""The container image, the compose stack and the systemd units agree with what Sluice reads.

Docker (no daemon), `docker compose` and `helm` cannot run here, so these tests check what
can be checked without them: every file parses, every SLUICE_* name is a real setting and the
values load into Settings, ports and images match across the files, and the commands exist.
"""

from __future__ import annotations

import fnmatch
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.fernet import Fernet
from typer.main import get_command

from api.routes.health import router as health_router
from sluice.cli import app
from sluice.settings import NotificationSettings, Settings, load_settings
from tests.deploy.settings_names import DEPLOY, ROOT, SLUICE_VAR, other_names, setting_names

COMPOSE = DEPLOY / "compose"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?([-?])([^}]*))?\}")
SLUICE_SERVICES = {"s3-bucket", "migrate", "sluice-api", "sluice-worker", "sluice-agent"}


def compose() -> dict[str, Any]:
    return yaml.safe_load((COMPOSE / "docker-compose.yml").read_text())


def env_file(path: Path) -> dict[str, str]:
    """KEY=value lines, commented-out `#KEY=` ones included (they are documented names)."""
    pairs = re.findall(r"^#?([A-Z][A-Z0-9_]*)=(.*)$", path.read_text(), re.MULTILINE)
    return dict(pairs)


def interpolated(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, from `env`."""
    return INTERPOLATION.sub(lambda m: env.get(m.group(1)) or m.group(3) or "", value)


def cli_commands() -> set[str]:
    group = get_command(app)
    names = set()
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        names.add(name)
        names |= {f"{name} {sub}" for sub in getattr(command, "commands", {})}
    return names


def test_every_yaml_file_parses() -> None:
    files = [*DEPLOY.rglob("*.yml"), *DEPLOY.rglob("*.yaml")]
    chart_templates = DEPLOY / "helm" / "sluice" / "templates"
    for path in files:
        if chart_templates not in path.parents:  # templates: tests/deploy/test_helm_chart.py
            list(yaml.safe_load_all(path.read_text()))
    assert len(files) > 10


def test_dockerfile_builds_the_console_then_the_package_as_a_non_root_sluice() -> None:
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM (\S+) AS (\S+)$", text, re.MULTILINE)
    assert [name for _, name in stages] == ["console", "build", "runtime"]
    assert "COPY ui/package.json ui/package-lock.json ./" in text
    assert "npm ci" in text and "npm run --silent build" in text
    assert "COPY --from=console /src/ui/dist/ ui/dist/" in text
    runtime = text.split(" AS runtime", 1)[1]
    user = re.findall(r"^USER (\S+)$", runtime, re.MULTILINE)
    assert user and user[-1].split(":")[0] not in {"0", "root"}
    assert re.search(r'^ENTRYPOINT \["sluice"\]$', runtime, re.MULTILINE)
    probe = re.search(r"^HEALTHCHECK .*?(/\w+)'", runtime, re.MULTILINE | re.DOTALL)
    assert probe and probe.group(1) in {route.path for route in health_router.routes}  # type: ignore[attr-defined]


def test_the_image_holds_every_package_and_extras_name_real_ones() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    text = DOCKERFILE.read_text()
    copied = set(re.findall(r"^COPY (\w+)/ \1/$", text, re.MULTILINE))
    wanted = {p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert wanted - {"ui"} <= copied and "COPY ui/__init__.py ui/" in text
    assert 'pip install -c constraints.txt ".${SLUICE_EXTRAS:+[$SLUICE_EXTRAS]}"' in text
    extras = pyproject["project"]["optional-dependencies"]
    for name in re.findall(r"SLUICE_EXTRAS=(\w+)", text):  # the examples in its comments
        assert name in extras
    ignored = [
        line
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    for source in re.findall(r"^COPY (?!--)(.+) \S+$", text, re.MULTILINE):
        for item in source.split():
            assert (ROOT / item).exists(), item
            assert not any(fnmatch.fnmatch(item.rstrip("/"), pat) for pat in ignored), item


def test_every_sluice_variable_is_a_setting_sluice_reads() -> None:
    valid = setting_names() | other_names()
    texts = {
        "Dockerfile": DOCKERFILE.read_text(),
        "docker-compose.yml": (COMPOSE / "docker-compose.yml").read_text(),
        "compose env.example": (COMPOSE / "env.example").read_text(),
        "temporal env.example": (DEPLOY / "temporal" / "env.example").read_text(),
        "sluice.env.example": (DEPLOY / "systemd" / "sluice.env.example").read_text(),
        **{p.name: p.read_text() for p in (DEPLOY / "systemd").glob("*.service")},
    }
    for where, text in texts.items():
        unknown = set(SLUICE_VAR.findall(text)) - valid - {"SLUICE_EXTRAS"}  # a build ARG
        assert not unknown, f"{where}: {sorted(unknown)} are not settings Sluice reads"


def test_compose_interpolation_is_all_in_env_example_with_the_same_defaults() -> None:
    text = (COMPOSE / "docker-compose.yml").read_text()
    example = env_file(COMPOSE / "env.example")
    temporal = env_file(DEPLOY / "temporal" / "env.example")
    for name, op, default in INTERPOLATION.findall(text):
        assert name in example or name in temporal, f"${{{name}}} is not in env.example"
        if op == "-" and default:
            assert example.get(name, temporal.get(name)) == default, name


def test_compose_settings_load_into_sluice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each Sluice service's environment, interpolated from env.example, is valid Settings
    once the placeholder key is replaced (the placeholder itself is refused at start-up)."""
    example = env_file(COMPOSE / "env.example") | {"FERNET_KEY": Fernet.generate_key().decode()}
    with pytest.raises(ValueError, match="16 characters"):
        NotificationSettings.model_validate(
            {"secret_key": env_file(COMPOSE / "env.example")["FERNET_KEY"]}
        )
    services = compose()["services"]
    for name in SLUICE_SERVICES | {"config-agent"}:
        env = {k: interpolated(str(v), example) for k, v in services[name]["environment"].items()}
        for key in [k for k in os.environ if k.startswith("SLUICE_")]:
            monkeypatch.delenv(key)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        settings = load_settings()
        if name == "config-agent":
            assert (settings.config_agent.kind, settings.config_agent.target) == (
                "prometheus",
                "compose-prometheus",
            )
        assert settings.temporal.address == "temporal:7233"


def test_compose_runs_real_commands_on_one_image() -> None:
    services = compose()["services"]
    commands = cli_commands()
    images = {services[name]["image"] for name in SLUICE_SERVICES | {"config-agent"}}
    assert images == {"${IMAGE:-sluice:0.1.0}"}
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert env_file(COMPOSE / "env.example")["IMAGE"] == f"sluice:{version}"
    for name in SLUICE_SERVICES - {"s3-bucket"} | {"config-agent"}:
        assert " ".join(services[name]["command"]) in commands, name
    assert services["migrate"]["command"] == ["db", "upgrade"]
    after = services["sluice-api"]["depends_on"]
    assert after["migrate"]["condition"] == "service_completed_successfully"
    assert after["temporal-setup"]["condition"] == "service_completed_successfully"


def test_compose_ports_match_the_settings_and_prometheus_scrapes_them() -> None:
    services = compose()["services"]
    defaults = Settings()
    api_env = services["sluice-api"]["environment"]
    assert int(api_env["SLUICE_API__PORT"]) == defaults.api.port
    assert services["sluice-api"]["ports"] == ["127.0.0.1:${API_PORT:-8000}:8000"]
    agent_port = int(services["sluice-agent"]["environment"]["SLUICE_AGENT__METRICS_PORT"])
    assert agent_port == defaults.agent.metrics_port
    worker_port = int(services["sluice-worker"]["environment"]["SLUICE_PIPELINE__METRICS_PORT"])
    env = services["sluice-api"]["environment"]
    assert env["SLUICE_TEMPORAL__ADDRESS"].endswith(defaults.temporal.address.rsplit(":", 1)[1])
    assert env["SLUICE_STORAGE__ENDPOINT_URL"].endswith(str(defaults.dev.s3_port))
    assert "-s3.port=8333" in services["s3"]["command"]
    exposed = set(re.findall(r"^EXPOSE (.+)$", DOCKERFILE.read_text(), re.MULTILINE)[0].split())
    assert exposed == {str(defaults.api.port), str(agent_port), str(worker_port)}
    prometheus = yaml.safe_load((COMPOSE / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    assert jobs["sluice-api"]["static_configs"][0]["targets"] == [f"sluice-api:{defaults.api.port}"]
    assert jobs["sluice-agent"]["static_configs"][0]["targets"] == [f"sluice-agent:{agent_port}"]
    assert jobs["sluice-worker"]["dns_sd_configs"][0]["port"] == worker_port
    assert prometheus["rule_files"][0] == "/etc/prometheus/rules/sluice-rules.yml"
    assert services["sluice-worker"]["healthcheck"]["test"][-1].count(f":{worker_port}/") == 1


def test_compose_mounts_exist() -> None:
    """Bind mounts point at files in the repository (Prometheus rules and Grafana dashboards
    are written by the self-monitoring work; they are checked once they exist)."""
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith("."):
                continue
            path = (COMPOSE / source).resolve()
            if path.is_relative_to(DEPLOY / "prometheus") or path.is_relative_to(
                DEPLOY / "grafana"
            ):
                continue
            assert path.exists() or source.startswith("./secrets/"), f"{name}: {source}"
    receiver = yaml.safe_load((COMPOSE / "alertmanager" / "alertmanager.yml").read_text())
    url = receiver["receivers"][0]["webhook_configs"][0]["url"]
    assert url == "http://sluice-api:8000/api/v1/alerts/alertmanager"


def test_systemd_units_run_real_commands_with_the_shared_env_file() -> None:
    commands = cli_commands()
    for unit in (DEPLOY / "systemd").glob("*.service"):
        text = unit.read_text()
        start = re.search(
            r"^ExecStart=/opt/sluice/\.venv/bin/sluice (.+?) --config ", text, re.MULTILINE
        )
        assert start and start.group(1) in commands, unit.name
        assert "EnvironmentFile=" in text and "/etc/sluice/sluice.env" in text
    for name in ("api", "worker"):
        text = (DEPLOY / "systemd" / f"sluice-{name}.service").read_text()
        assert "After=network-online.target sluice-migrate.service" in text
    example = env_file(DEPLOY / "systemd" / "sluice.env.example")
    central = {"SLUICE_DATABASE_URL", "SLUICE_NOTIFICATIONS__SECRET_KEY"}
    storage = {"SLUICE_STORAGE__ACCESS_KEY", "SLUICE_STORAGE__SECRET_KEY"}
    assert central | storage <= set(example)
    x_env = compose()["x-central-env"] | compose()["x-sluice-env"]
    assert central | storage <= set(x_env)
