"""The Prometheus and Alertmanager configs of the deploy files pass promtool and amtool.

Both tools come with Debian's prometheus and prometheus-alertmanager packages; mounted
paths are pointed at temporary files, since the checks open the files a config names.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy.settings_names import DEPLOY, manifests

COMPOSE = DEPLOY / "compose"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: prometheus / prometheus-alertmanager)")
    return path


def check_prometheus(config: dict, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text("groups: []\n")
    config["rule_files"] = [str(rules)]  # the real files are the mounts' business
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    done = subprocess.run(
        [tool("promtool"), "check", "config", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_compose_prometheus_config_is_valid(tmp_path: Path) -> None:
    check_prometheus(
        yaml.safe_load((COMPOSE / "prometheus" / "prometheus.yml").read_text()), tmp_path
    )


def test_chart_prometheus_config_is_valid(tmp_path: Path) -> None:
    configmap = next(d for d in manifests(prometheus__enabled=True) if d["kind"] == "ConfigMap")
    check_prometheus(yaml.safe_load(configmap["data"]["prometheus.yml"]), tmp_path)


def test_compose_alertmanager_config_is_valid(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("placeholder\n")
    text = (COMPOSE / "alertmanager" / "alertmanager.yml").read_text()
    path = tmp_path / "alertmanager.yml"
    path.write_text(text.replace("/etc/alertmanager/sluice-token", str(token)))
    done = subprocess.run(
        [tool("amtool"), "check-config", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
