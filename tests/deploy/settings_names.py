"""What the deploy files may name: the SLUICE_* variables Sluice reads, and the chart's output.

The valid names are derived from the settings models (env prefix SLUICE_, `__` between a
section and its key), plus the few variables read outside them (typer options' envvar, the
Temporal setup scripts), so a renamed setting fails the deploy tests instead of being
silently ignored in production.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from sluice.settings import Settings
from tests.deploy.gotemplate import render_chart

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHART = DEPLOY / "helm" / "sluice"
SLUICE_VAR = re.compile(r"\bSLUICE_[A-Z0-9_]*[A-Z0-9]\b")


def setting_names(model: type[BaseModel] = Settings, prefix: str = "SLUICE_") -> set[str]:
    """Every SLUICE_* variable the settings tree reads, sections included (JSON values)."""
    names = set()
    for name, info in model.model_fields.items():
        env = prefix + name.upper()
        names.add(env)
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names |= setting_names(kind, env + "__")
    return names


def other_names() -> set[str]:
    """SLUICE_* variables read outside the settings: CLI options and the Temporal scripts."""
    cli = "\n".join(p.read_text() for p in (ROOT / "sluice" / "cli").glob("*.py"))
    names = set(re.findall(r'envvar="(SLUICE_[A-Z_]+)"', cli))
    for script in (DEPLOY / "temporal" / "scripts").glob("*.sh"):
        names |= set(SLUICE_VAR.findall(script.read_text()))
    return names


def chart_context(**values: Any) -> dict[str, Any]:
    """Helm's built-in objects for a render with the chart's values, nested keys overridden."""
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    merged = yaml.safe_load((CHART / "values.yaml").read_text())
    for dotted, value in values.items():
        *path, last = dotted.split("__")
        node = merged
        for part in path:
            node = node[part]
        node[last] = value
    return {
        "Values": merged,
        "Release": {"Name": "sluice", "Namespace": "ops", "Service": "Helm"},
        "Chart": {
            "Name": chart["name"],
            "Version": chart["version"],
            "AppVersion": chart["appVersion"],
        },
    }


def render(**values: Any) -> dict[str, str]:
    """The chart's templates rendered with these values (`a__b=1` sets `.Values.a.b`)."""
    templates = {p.name: p.read_text() for p in (CHART / "templates").iterdir()}
    return render_chart(templates, chart_context(**values))


def manifests(**values: Any) -> list[dict[str, Any]]:
    docs = []
    for name, text in render(**values).items():
        if name.endswith(".yaml"):
            docs += [doc for doc in yaml.safe_load_all(text) if doc]
    return docs


def pod_containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc["spec"]["template"]["spec"]
    return list(spec.get("initContainers", [])) + list(spec["containers"])
