"""Imports flow one way: entry points → api | workflows | watcher → activities → kernel.

The kernel is `sluice` (contracts, settings, rules...) with `store` (the metadata DB) on top
of it; `sluice.cli` holds the entry points (the CLI, `sluice dev`, worker wiring). The API
starts and queries workflows by name and contract only, so it never imports activities or
workflows; the agent (watcher) and the workflows never touch the metadata DB.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sluice", "store", "activities", "workflows", "watcher", "api")

# layer -> the layers its modules may import
MAY_IMPORT = {
    "entry": {"entry", "api", "workflows", "watcher", "activities", "store", "kernel"},
    "api": {"api", "store", "kernel"},
    "workflows": {"workflows", "activities", "kernel"},
    "watcher": {"watcher", "activities", "kernel"},
    "activities": {"activities", "store", "kernel"},
    "store": {"store", "kernel"},
    "kernel": {"kernel"},
}


def layer(module: str) -> str | None:
    top = module.split(".")[0]
    if module == "sluice.cli" or module.startswith("sluice.cli."):
        return "entry"
    if top == "sluice":
        return "kernel"
    return top if top in PACKAGES else None


def modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.append((".".join(parts).removesuffix(".__init__"), path))
    return found


def imported(path: Path) -> list[tuple[int, str]]:
    """Every absolute import in the module, also inside functions and TYPE_CHECKING blocks."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append((node.lineno, node.module))
    return names


def test_every_package_module_has_a_layer() -> None:
    assert len(modules()) > 100
    assert {layer(name) for name, _ in modules()} == set(MAY_IMPORT)


def test_imports_flow_one_way() -> None:
    wrong = []
    for name, path in modules():
        source = layer(name)
        assert source is not None
        for line, target in imported(path):
            target_layer = layer(target)
            if target_layer is not None and target_layer not in MAY_IMPORT[source]:
                where = f"{path.relative_to(ROOT)}:{line}"
                wrong.append(f"{where}: {name} ({source}) imports {target} ({target_layer})")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        ("api.routes.channels", "activities.notify", False),
        ("api.services.task_control", "workflows.file_workflow", False),
        ("activities.routing", "api.services.rules", False),
        ("store.records", "activities.records", False),
        ("sluice.contracts", "store.models", False),
        ("workflows.steps", "store.db", False),
        ("sluice.cli.worker", "workflows.file_workflow", True),
        ("activities.routing", "store.rules", True),
    ],
)
def test_the_rule_itself(source: str, target: str, allowed: bool) -> None:
    source_layer, target_layer = layer(source), layer(target)
    assert source_layer is not None and target_layer is not None
    assert (target_layer in MAY_IMPORT[source_layer]) is allowed
