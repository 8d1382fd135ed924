"""`sluice dev` settings: channels with secrets work out of the box, and stay readable
across restarts of the stack."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from activities.notify.store import ChannelStore
from api.app import create_app
from sluice.cli.devsetup import SECRET_KEY_FILE, dev_settings, sluice_command
from sluice.secretbox import SecretBox
from sluice.settings import Settings
from store.db import make_engine
from tests.api.tokens import bearer
from tests.peers.chat import DingTalkPeer


def _dev(tmp_path: Path, db_url: str) -> Settings:
    base = Settings(database_url=db_url)
    base = base.model_copy(update={"dev": base.dev.model_copy(update={"state_dir": tmp_path})})
    return dev_settings(base, tmp_path / "inbox")


def test_dev_keeps_a_channel_secret_key_of_its_own(
    tmp_path: Path, db_url: str, dingtalk_peer: DingTalkPeer
) -> None:
    first = _dev(tmp_path, db_url)
    key_file = tmp_path / SECRET_KEY_FILE
    assert first.notifications.secret_key is not None
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    channel = {
        "name": "ops-ding",
        "type": "dingtalk",
        "config": {},
        "secrets": {"url": dingtalk_peer.webhook, "secret": dingtalk_peer.secret},
    }
    with TestClient(create_app(first), headers=bearer(db_url)) as client:
        created = client.post("/api/v1/channels", json=channel)
    assert created.status_code == 201, created.text

    again = _dev(tmp_path, db_url)  # a restart reads the same key back
    assert again.notifications.secret_key == first.notifications.secret_key
    engine = make_engine(db_url)
    try:  # the worker opens the channel's secrets with the key read back
        loaded = ChannelStore(engine, SecretBox(again.notifications.secret_key)).load("ops-ding")
    finally:
        engine.dispose()
    assert loaded.secrets == {"url": dingtalk_peer.webhook, "secret": dingtalk_peer.secret}


def test_a_configured_key_wins(tmp_path: Path, db_url: str) -> None:
    base = Settings(database_url=db_url)
    key = SecretStr("configured, long enough")
    configured = base.notifications.model_copy(update={"secret_key": key})
    base = base.model_copy(
        update={
            "notifications": configured,
            "dev": base.dev.model_copy(update={"state_dir": tmp_path}),
        }
    )
    settings = dev_settings(base, tmp_path / "inbox")
    assert settings.notifications.secret_key == key
    assert not (tmp_path / SECRET_KEY_FILE).exists()


def test_the_banner_names_a_sluice_that_runs_when_pasted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    exe = venv_bin / "sluice"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # the venv is not activated

    assert sluice_command(str(exe)) == ".venv/bin/sluice"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # not `../.venv/bin/sluice`: a shell in another directory
    assert sluice_command(str(exe)) == str(exe.resolve())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", f"{venv_bin}:/usr/bin:/bin")
    assert sluice_command(str(exe)) == "sluice"
    assert sluice_command("/somewhere/sluice/cli/__main__.py") == "sluice"  # python -m sluice.cli
