"""CLI commands beside `sluice dev` find its API and token; every hint Sluice prints works."""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner, Result

from api.app import create_app
from api.auth import list_tokens
from sluice.cli import app
from sluice.cli.devstate import write_dev_state
from sluice.settings import Settings
from store.db import make_engine, migrate
from store.models import Role
from tests.api.serving import serving
from tests.api.tokens import issue_token

ROOT = Path(__file__).resolve().parents[2]
# A command in a message: `sluice token create --role viewer`, up to a quote or bracket.
HINT = re.compile(r"sluice (?:token|rules|db)(?: [a-z-][^`'\"()\n<]*)?")


def printed_hints() -> set[str]:
    """Commands quoted in strings the product shows: Python strings (not docstrings), the
    console's TypeScript."""
    hints: set[str] = set()
    for path in [*(ROOT / "sluice").rglob("*.py"), *(ROOT / "api").rglob("*.py")]:
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        # An f-string's command is completed at run time (`sluice token revoke {id}`):
        # read it whole, with its fields as `{}`, and leave those to the tests of their message.
        in_fstrings: set[int] = set()
        for node in ast.walk(tree):
            text: object = None
            if isinstance(node, ast.JoinedStr):
                in_fstrings.update(id(part) for part in node.values)
                text = "".join(
                    str(p.value) if isinstance(p, ast.Constant) else "{}" for p in node.values
                )
            elif isinstance(node, ast.Constant) and id(node) not in in_fstrings:
                text = node.value if id(node) not in docstrings else None
            if isinstance(text, str):
                found = (m.strip() for m in HINT.findall(text))
                hints.update(hint for hint in found if "{" not in hint)
    for path in (ROOT / "ui" / "src").rglob("*.ts*"):  # the console's sources
        hints.update(m.strip() for m in HINT.findall(path.read_text()))
    return hints


@pytest.fixture(autouse=True)
def beside_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("SLUICE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def dev_stack(tmp_path: Path) -> Iterator[str]:
    """What `sluice dev` leaves in ./.sluice (a DB, the admin token, dev.json) and its API."""
    state = tmp_path / ".sluice"
    state.mkdir()
    db_url = f"sqlite:///{state}/sluice.db"
    migrate(db_url)
    (state / "admin-token").write_text(issue_token(db_url, Role.admin, "dev-admin") + "\n")
    with serving(create_app(Settings(database_url=db_url))) as url:
        write_dev_state(state, url, db_url)
        yield db_url


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_rules_export_without_a_token_or_a_dev_stack_names_the_variable() -> None:
    result = run("rules", "export")
    assert result.exit_code == 1, result.output
    message = " ".join(result.output.split())
    assert "set SLUICE_API_TOKEN (or pass --token)" in message
    assert "SLUICE_DEV__STATE_DIR" in message


def test_rules_commands_beside_sluice_dev_use_its_url_and_admin_token(
    dev_stack: str, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("- name: logs\n  match: {suffixes: [.log]}\n  pipeline: [{upload: {}}]\n")
    applied = run("rules", "apply", "-f", str(rules))
    assert applied.exit_code == 0, applied.output
    exported = run("rules", "export")
    assert exported.exit_code == 0, exported.output
    assert "name: logs" in exported.stdout


def test_token_create_beside_sluice_dev_prints_only_the_token_on_stdout(dev_stack: str) -> None:
    created = run("token", "create", "--role", "viewer")
    assert created.exit_code == 0, created.output
    assert re.fullmatch(r"sluice_\S+\n", created.stdout), created.stdout
    assert "alembic" not in created.output.lower()
    engine = make_engine(dev_stack)  # the dev stack's DB, found through .sluice/dev.json
    with Session(engine) as session:
        names = {row.name: row.role for row in list_tokens(session)}
    engine.dispose()
    assert [role for name, role in names.items() if name.startswith("viewer-")] == [Role.viewer]
    revoked = run("token", "revoke", "2")
    assert revoked.exit_code == 0 and revoked.stdout.startswith("token 2 (viewer-")


def test_the_hints_sluice_prints_are_found() -> None:
    hints = printed_hints()
    assert "sluice token create --role viewer" in hints  # the console's sign-in page
    assert "sluice token revoke" not in hints  # `… revoke {id}` is completed at run time


@pytest.mark.parametrize("hint", sorted(printed_hints()))
def test_every_printed_hint_works_when_pasted(hint: str, dev_stack: str) -> None:
    result = run(*hint.split()[1:])
    assert result.exit_code == 0, f"{hint}: {result.output}"
