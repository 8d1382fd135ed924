"""Workflow modules read no clock, draw no randomness and do no I/O of their own.

FileWorkflow runs outside Temporal's sandbox (see workflows/file_workflow.py), and the
modules it imports ran outside it all along, so this check stands in for the sandbox's: it
reads every module in workflows/, and every `sluice.*` module they import (their functions
run inside workflow code), and names each line that would make a replay diverge. The replay
test (test_replay.py) checks the commands themselves.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
WORKFLOW_MODULES = sorted((ROOT / "workflows").glob("*.py"))

# Modules whose use in workflow code reads the clock, randomness, the environment or the
# outside world. Activities import them; workflows call activities instead.
FORBIDDEN_MODULES = {
    "boto3",
    "botocore",
    "glob",
    "http",
    "httpx",
    "os",
    "random",
    "secrets",
    "shutil",
    "socket",
    "sqlalchemy",
    "sqlite3",
    "subprocess",
    "threading",
    "time",
    "urllib",
    "uuid",
}
FORBIDDEN_BUILTINS = {"open", "input", "print", "exec", "eval", "breakpoint"}
CLOCK_READS = {"now", "utcnow", "today"}  # datetime.now() and friends; use workflow.now()


def nondeterminism(source: str) -> list[str]:
    """Each line of `source` that a workflow must not have, with the reason."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found += [
                (node.lineno, f"imports {module}")
                for module in _imported(node)
                if module.split(".")[0] in FORBIDDEN_MODULES
            ]
        elif isinstance(node, ast.Call) and (call := _forbidden_call(node.func)):
            found.append((node.lineno, call))
    return [f"line {line}: {what}" for line, what in sorted(found)]


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [node.module or ""] if node.level == 0 else []  # relative: our own modules


def _forbidden_call(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name) and func.id in FORBIDDEN_BUILTINS:
        return f"calls {func.id}()"
    if not isinstance(func, ast.Attribute) or func.attr not in CLOCK_READS:
        return None
    on_workflow = isinstance(func.value, ast.Name) and func.value.id == "workflow"
    return None if on_workflow else f"reads the clock with .{func.attr}()"


def test_the_check_names_what_breaks_replay() -> None:
    source = """
import time
from os import environ
from datetime import datetime
import asyncio

async def run():
    started = datetime.now()
    with open("/etc/hostname") as f:
        print(f.read())
    await asyncio.sleep(1)  # a durable timer in a workflow: allowed
    return workflow.now() - started
"""
    assert nondeterminism(source) == [
        "line 2: imports time",
        "line 3: imports os",
        "line 8: reads the clock with .now()",
        "line 9: calls open()",
        "line 10: calls print()",
    ]


@pytest.mark.parametrize("path", WORKFLOW_MODULES, ids=lambda p: p.name)
def test_workflow_module_is_deterministic(path: Path) -> None:
    assert nondeterminism(path.read_text()) == []


def test_every_workflow_module_is_checked() -> None:
    assert {p.name for p in WORKFLOW_MODULES} >= {"file_workflow.py", "steps.py", "recorder.py"}


def _kernel_imports(path: Path) -> set[str]:
    """The `sluice.*` modules `path` imports, as dotted names."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update(m for m in _imported(node) if m.split(".")[0] == "sluice")
    return names


def kernel_modules_workflows_run() -> list[Path]:
    """Every `sluice.*` module the workflow modules import, directly or through each other:
    their functions run inside workflow code, outside any sandbox."""
    seen: set[Path] = set()
    todo = [name for path in WORKFLOW_MODULES for name in _kernel_imports(path)]
    while todo:
        dotted = ROOT / todo.pop().replace(".", "/")
        path = (
            dotted.with_suffix(".py")
            if dotted.with_suffix(".py").exists()
            else dotted / "__init__.py"
        )
        if path.exists() and path not in seen:
            seen.add(path)
            todo += _kernel_imports(path)
    return sorted(seen)


KERNEL_MODULES = kernel_modules_workflows_run()


@pytest.mark.parametrize("path", KERNEL_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_kernel_module_a_workflow_runs_is_deterministic(path: Path) -> None:
    assert nondeterminism(path.read_text()) == []


def test_the_kernel_modules_of_file_workflow_are_checked() -> None:
    names = {str(p.relative_to(ROOT)) for p in KERNEL_MODULES}
    assert {
        "sluice/keys.py",
        "sluice/placeholders.py",
        "sluice/contracts/__init__.py",
        "sluice/contracts/options.py",
        "sluice/contracts/plans.py",
    } <= names
