"""`sluice rules apply|export` against the real API (uvicorn on loopback), SQLite and PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from api.app import create_app
from sluice.cli import app as cli
from sluice.settings import Settings
from store.models import Role
from tests.api.serving import serving
from tests.api.tokens import bearer, issue_token
from tests.fixtures.database import free_port

DUMPS = {
    "name": "dumps",
    "priority": 10,
    "match": {"globs": ["**/dumps/*.hprof"], "min_size": "1MiB"},
    "pipeline": [{"upload": {"bucket": "dumps", "key": "{host}/{relpath}"}}, {"verify": {}}],
}
LOGS = {"name": "logs", "match": {"suffixes": [".log"]}, "pipeline": [{"upload": {}}]}


@pytest.fixture
def api_url(db_url: str) -> Iterator[str]:
    """The API under uvicorn on a free loopback port, in a thread."""
    with serving(create_app(Settings(database_url=db_url))) as url:
        yield url


@pytest.fixture
def api(api_url: str, db_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{api_url}/api/v1", headers=bearer(db_url)) as client:
        yield client


@pytest.fixture
def env(api_url: str, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLUICE_API_URL", api_url)
    monkeypatch.setenv("SLUICE_API_TOKEN", issue_token(db_url, Role.operator, "ci"))
    monkeypatch.setenv("COLUMNS", "200")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["rules", *args])
    return result.exit_code, result.output


def write(path: Path, documents: Any) -> Path:
    path.write_text(yaml.safe_dump(documents, sort_keys=False))
    return path


def live(api: httpx.Client) -> dict[str, tuple[int | None, int]]:
    return {r["name"]: (r["live_version"], r["latest_version"]) for r in api.get("/rules").json()}


def test_apply_creates_publishes_and_a_second_apply_changes_nothing(
    env: None, api: httpx.Client, tmp_path: Path
) -> None:
    rules = write(tmp_path / "rules.yaml", [DUMPS, LOGS])
    code, output = run("apply", "-f", str(rules))
    assert code == 0, output
    assert 'create rule "dumps"' in output and 'create rule "logs"' in output
    assert "+name: dumps\n" in output  # the diff from nothing
    assert "applied: 2 rule(s) changed, 0 unchanged" in output
    assert live(api) == {"dumps": (1, 1), "logs": (1, 1)}
    assert [r["created_by"] for r in api.get("/rules/1/versions").json()] == ["ci"]

    code, output = run("apply", "-f", str(rules))
    assert code == 0, output
    assert "no changes: all 2 rule(s)" in output
    assert "---" not in output
    assert live(api) == {"dumps": (1, 1), "logs": (1, 1)}


def test_apply_shows_the_diff_and_publishes_a_new_version(
    env: None, api: httpx.Client, tmp_path: Path
) -> None:
    run("apply", "-f", str(write(tmp_path / "rules.yaml", [DUMPS, LOGS])))
    changed = {**LOGS, "priority": 5}
    code, output = run("apply", "-f", str(write(tmp_path / "rules.yaml", [DUMPS, changed])))
    assert code == 0, output
    assert 'update rule "logs" (v1 → a new version)' in output
    assert "--- live\n+++ file\n" in output and "+priority: 5\n" in output
    assert 'unchanged rule "dumps" (v1 live)' in output
    assert "applied: 1 rule(s) changed, 1 unchanged" in output
    assert live(api) == {"dumps": (1, 1), "logs": (2, 2)}


def test_apply_publishes_a_saved_version_equal_to_the_file(
    env: None, api: httpx.Client, tmp_path: Path
) -> None:
    created = api.post("/rules", json=LOGS).json()  # saved, never published
    code, output = run("apply", "-f", str(write(tmp_path / "rules.yaml", [LOGS])))
    assert code == 0, output
    assert 'publish rule "logs" v1 (saved, nothing live)' in output
    assert live(api) == {"logs": (1, 1)}
    assert api.get(f"/rules/{created['id']}").json()["live_version"] == 1


def test_dry_run_changes_nothing(env: None, api: httpx.Client, tmp_path: Path) -> None:
    run("apply", "-f", str(write(tmp_path / "rules.yaml", [LOGS])))
    code, output = run(
        "apply", "-f", str(write(tmp_path / "rules.yaml", [DUMPS, {**LOGS, "priority": 1}])),
        "--dry-run",
    )  # fmt: skip
    assert code == 0, output
    assert 'create rule "dumps"' in output and "+priority: 1\n" in output
    assert "dry run: 2 rule(s) would change; nothing applied" in output
    assert live(api) == {"logs": (1, 1)}


def test_export_round_trips_through_apply(env: None, api: httpx.Client, tmp_path: Path) -> None:
    run("apply", "-f", str(write(tmp_path / "rules.yaml", [LOGS, DUMPS])))
    api.put("/rules/2", json={**DUMPS, "priority": 1})  # saved, not live: not exported
    api.post("/rules", json={"name": "draft", "pipeline": [{"upload": {}}]})
    result = CliRunner().invoke(cli, ["rules", "export"])
    assert result.exit_code == 0, result.output
    exported = yaml.safe_load(result.stdout)
    assert exported == [DUMPS, LOGS]  # the live documents, by name
    assert "not exported (never published): draft" in result.stderr

    path = tmp_path / "exported.yaml"
    path.write_text(result.stdout)
    code, output = run("apply", "-f", str(path))
    assert code == 0, output
    assert "no changes: all 2 rule(s)" in output
    assert 'unchanged rule "dumps" (v1 live, v2 saved and not live)' in output
    assert live(api) == {"draft": (None, 1), "dumps": (1, 2), "logs": (1, 1)}


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("name: dumps\n", "a rules file is a YAML list of rule documents"),
        ("- [unclosed\n", "not valid YAML"),
        (yaml.safe_dump([LOGS, LOGS]), 'a second rule named "logs"'),
        (yaml.safe_dump([{**LOGS, "pipeline": [{"jenkins": {}}]}]), "pipeline[0].jenkins.job"),
        ("- name: when\n  match: {suffixes: [.log]}\n  at: 2026-01-01\n", "JSON"),
        ("- name: deep\n  pipeline: " + "[" * 3000 + "]" * 3000, "line 2: nested more than 32"),
        ("[" * 100_000 + "]" * 100_000, "line 1: nested more than 32 levels deep"),
    ],
)
def test_a_bad_rules_file_changes_nothing(
    env: None, api: httpx.Client, tmp_path: Path, content: str, says: str
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(content)
    code, output = run("apply", "-f", str(path))
    assert code == 1
    assert says in " ".join(output.split())
    assert api.get("/rules").json() == []


def test_the_api_refusing_is_an_error(
    env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    path = write(tmp_path / "rules.yaml", [LOGS])
    monkeypatch.setenv("SLUICE_API_TOKEN", "sluice_not-a-token")
    code, output = run("apply", "-f", str(path))
    assert (code, "401 invalid or revoked token" in output) == (1, True)
    monkeypatch.setenv("SLUICE_API_TOKEN", issue_token(db_url, Role.viewer, "reader"))
    code, output = run("apply", "-f", str(path))
    assert code == 1 and "403 role viewer may not POST /api/v1/rules" in output
    code, output = run("export", "--api-url", f"http://127.0.0.1:{free_port()}")
    assert code == 1 and "GET /rules" in output


def test_apply_refuses_a_hostile_template_naming_the_field(
    env: None, api: httpx.Client, tmp_path: Path
) -> None:
    title = "{{ cycler.__init__.__globals__.os.getpid() }}"
    hostile = {
        **LOGS,
        "pipeline": [{"upload": {}}, {"notify": {"channels": ["o"], "title": title}}],
    }
    code, output = run("apply", "-f", str(write(tmp_path / "rules.yaml", [hostile])))
    assert code == 1
    assert "pipeline[1].notify.title: '__globals__': names starting with '_'" in " ".join(
        output.split()
    )
    assert api.get("/rules").json() == []
