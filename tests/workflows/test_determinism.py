"""Workflow modules read no clock, draw no randomness and do no I/O of their own.

FileWorkflow runs outside Temporal's sandbox (see workflows/file_workflow.py), and the
modules it imports ran outside it all along, so this check stands in for the sandbox's: it
reads every module in workflows/, every `sluice.*` module they import (their functions run
inside workflow code), and the definitions they import from `activities/` that workflow code
runs (helpers such as `progress_from`, request dataclasses), and names each line that would
make a replay diverge. The replay test (test_replay.py) checks the commands themselves.
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


def nondeterminism(source: str | ast.AST) -> list[str]:
    """Each line of `source` (or of a parsed definition) that a workflow must not have, with
    the reason."""
    tree = ast.parse(source) if isinstance(source, str) else source
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
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
    """The `sluice.*` modules `path` imports, as dotted names (those that are not modules are
    dropped by the caller), counting `from sluice import placeholders` as sluice.placeholders."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update(m for m in _imported(node) if m.split(".")[0] == "sluice")
        if isinstance(node, ast.ImportFrom) and node.module == "sluice" and node.level == 0:
            names.update(f"sluice.{alias.name}" for alias in node.names)
    return names


def _module_path(dotted: str) -> Path:
    """The source file of module `dotted` in this repository (it may not exist)."""
    base = ROOT / dotted.replace(".", "/")
    return base.with_suffix(".py") if base.with_suffix(".py").exists() else base / "__init__.py"


def kernel_modules_workflows_run() -> list[Path]:
    """Every `sluice.*` module the workflow modules import, directly or through each other:
    their functions run inside workflow code, outside any sandbox."""
    seen: set[Path] = set()
    todo = [name for path in WORKFLOW_MODULES for name in _kernel_imports(path)]
    while todo:
        path = _module_path(todo.pop())
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


def activity_definitions_workflows_run() -> dict[str, list[str]]:
    """What workflow modules import from `activities/` and run, by `path:name`, with the
    lines of each that a workflow must not have.

    Activity classes (those with `@activity.defn` methods) are only named for method
    references: their code runs in activity workers, so they are left out. Every other
    definition (a helper function, a request dataclass) runs inside workflow code, outside
    any sandbox, and so do the module's own definitions that it uses. Their module imports
    what its activities need (time, httpx, os): a definition must not use those names.
    """
    found: dict[str, list[str]] = {}
    todo = [
        (node.module or "", alias.name)
        for path in WORKFLOW_MODULES
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "activities"
        for alias in node.names
    ]
    while todo:
        module, name = todo.pop()
        path = _module_path(module)
        tree = ast.parse(path.read_text())
        top = {
            node.name: node
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }
        key = f"{path.relative_to(ROOT)}:{name}"
        node = top.get(name)
        if node is None or key in found or _is_activity_class(node):
            continue
        used = {n.id: n.lineno for n in ast.walk(node) if isinstance(n, ast.Name)}
        forbidden = _forbidden_names(tree)
        found[key] = nondeterminism(node) + [
            f"line {line}: uses {used_name} (from {forbidden[used_name]})"
            for used_name, line in sorted(used.items(), key=lambda item: item[1])
            if used_name in forbidden
        ]
        todo += [(module, other) for other in used if other in top and other != name]
    return dict(sorted(found.items()))


def _is_activity_class(node: ast.AST) -> bool:
    return isinstance(node, ast.ClassDef) and any(
        "activity.defn" in ast.unparse(decorator)
        for method in node.body
        if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef)
        for decorator in method.decorator_list
    )


def _forbidden_names(tree: ast.Module) -> dict[str, str]:
    """The names a module's imports bind to FORBIDDEN_MODULES (or to what they hold)."""
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            bound = {alias.asname or alias.name.split(".")[0]: alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            bound = {alias.asname or alias.name: node.module or "" for alias in node.names}
        else:
            continue
        names |= {n: m for n, m in bound.items() if m.split(".")[0] in FORBIDDEN_MODULES}
    return names


ACTIVITY_DEFINITIONS = activity_definitions_workflows_run()


@pytest.mark.parametrize("name", ACTIVITY_DEFINITIONS)
def test_activity_code_a_workflow_runs_is_deterministic(name: str) -> None:
    assert ACTIVITY_DEFINITIONS[name] == []


def test_the_activity_helpers_of_file_workflow_are_checked() -> None:
    assert {
        "activities/upload.py:progress_from",
        "activities/jenkins.py:build_ref_from",
        "activities/jenkins.py:build_summary",
        "activities/stat.py:StatRequest",
    } <= set(ACTIVITY_DEFINITIONS)
