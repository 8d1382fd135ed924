"""`sluice api|worker|agent` refuse bad settings, keys and roots before reaching any server."""

import os
import socket
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from sluice.cli import app
from store.db import make_engine, migrate
from store.models import Channel

COMMANDS = ["api", "worker", "agent"]


def _closed_port() -> int:
    """A loopback port nothing listens on: any attempt to connect there cannot succeed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only this test's SLUICE_* variables; servers point at a dead port; state in tmp_path."""
    for name in list(os.environ):
        if name.startswith("SLUICE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLUICE_TEMPORAL__ADDRESS", f"127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("SLUICE_STORAGE__ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("SLUICE_DATABASE_URL", f"sqlite:///{tmp_path}/state/sluice.db")
    monkeypatch.setenv("COLUMNS", "200")  # keep rich from wrapping the messages


def _output(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.timeout(20)
@pytest.mark.parametrize("command", COMMANDS)
def test_an_invalid_env_value_exits_2_naming_the_key(
    command: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SLUICE_STORAGE__PART_SIZE", "100")
    code, output = _output([command])
    assert code == 2, output
    assert "storage.part_size" in output
    assert "SLUICE_STORAGE__PART_SIZE" in output
    assert not (tmp_path / "state").exists()  # nothing was started, not even the database


@pytest.mark.timeout(20)
@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_key_in_the_config_file_exits_2_naming_it(command: str, tmp_path: Path) -> None:
    config = tmp_path / "sluice.yaml"
    config.write_text("storage:\n  bucket: fine-bucket\nagnet:\n  silence: 2\n")
    code, output = _output([command, "--config", str(config)])
    assert code == 2, output
    assert "agnet" in output
    assert "unknown key" in output
    assert not (tmp_path / "state").exists()


@pytest.mark.timeout(20)
def test_the_config_file_can_come_from_sluice_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "sluice.yaml"
    config.write_text("api:\n  port: 0\n")
    monkeypatch.setenv("SLUICE_CONFIG", str(config))
    code, output = _output(["api"])
    assert code == 2, output
    assert "api.port" in output


@pytest.mark.timeout(20)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_config_file_exits_2_naming_it(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    code, output = _output([command, "--config", str(missing)])
    assert code == 2, output
    assert str(missing) in output


@pytest.mark.timeout(20)
def test_agent_with_a_missing_root_exits_1_naming_it_without_contacting_temporal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Temporal points at a dead port: if the agent connects before checking its roots it
    # retries for minutes and the timeout fails this test.
    missing = tmp_path / "no-such-inbox"
    monkeypatch.setenv("SLUICE_AGENT__ROOTS", f'["{missing}"]')
    monkeypatch.setenv("SLUICE_AGENT__SPOOL_PATH", str(tmp_path / "spool.db"))
    code, output = _output(["agent"])
    assert code == 1, output
    assert str(missing) in output
    assert "does not exist" in output


@pytest.mark.timeout(20)
@pytest.mark.parametrize("command", COMMANDS)
def test_the_built_in_s3_keys_are_refused_for_an_s3_elsewhere(
    command: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SLUICE_STORAGE__ENDPOINT_URL", "https://s3.example.com")
    monkeypatch.setenv("SLUICE_STORAGE__ACCESS_KEY", "AKIAREALKEY")
    code, output = _output([command])
    assert code == 2, output
    assert "storage.secret_key (env SLUICE_STORAGE__SECRET_KEY)" in output
    assert "storage.access_key" not in output  # that one was set
    assert "https://s3.example.com" in output
    assert not (tmp_path / "state").exists()


@pytest.mark.timeout(20)
@pytest.mark.parametrize("command", ["api", "worker"])
def test_channels_with_secrets_and_no_key_are_refused_at_start(
    command: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/state/sluice.db"
    (tmp_path / "state").mkdir()
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        session.add(Channel(name="ops-mail", type="email", config={}, secret_encrypted="gAAA"))
        session.commit()
    engine.dispose()
    code, output = _output([command])
    assert code == 1, output
    assert "ops-mail" in output and "SLUICE_NOTIFICATIONS__SECRET_KEY" in output
