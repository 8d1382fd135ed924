"""Rotating the key that seals channel and Alertmanager receiver secrets, with no gap.

The old key stays readable as a previous key; `sluice secrets rotate` seals everything again
under the new one, in one transaction, on SQLite and PostgreSQL.
"""

import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from sluice.cli import app
from sluice.secretbox import SecretBox, SecretKeyMissing, SecretUnreadable
from store.models import Channel, ConfigDocument, ConfigVersion

OLD, NEW, OTHER = "the old passphrase, long enough", Fernet.generate_key().decode(), "x" * 20


def test_the_current_key_seals_and_previous_keys_still_open() -> None:
    sealed_old = SecretBox.from_text(OLD).seal({"token": "t-1"})
    box = SecretBox.from_text(NEW, OTHER, OLD)
    assert box.open(sealed_old) == {"token": "t-1"}
    assert not box.opens_with_current_key(sealed_old)
    resealed = box.reseal(sealed_old)
    assert box.opens_with_current_key(resealed)
    assert SecretBox.from_text(NEW).open(resealed) == {
        "token": "t-1"
    }  # the old key is no more needed
    with pytest.raises(SecretUnreadable, match="previous_secret_keys"):
        SecretBox.from_text(NEW).open(sealed_old)
    with pytest.raises(SecretKeyMissing):
        SecretBox(None).open(sealed_old)


@pytest.fixture
def sealed_rows(db_engine: Engine, cli_env: None) -> Engine:
    """Two channels and two Alertmanager config versions sealed under OLD, one channel under NEW."""
    old, new = SecretBox.from_text(OLD), SecretBox.from_text(NEW)
    with Session(db_engine) as session:
        session.add(
            Channel(
                name="ding", type="dingtalk", config={}, secret_encrypted=old.seal({"secret": "s1"})
            )
        )
        session.add(
            Channel(name="wecom", type="wecom", config={}, secret_encrypted=old.seal({"key": "k2"}))
        )
        session.add(
            Channel(
                name="hook", type="webhook", config={}, secret_encrypted=new.seal({"secret": "s3"})
            )
        )
        session.add(Channel(name="plain", type="webhook", config={}))  # nothing sealed
        document = ConfigDocument(kind="alertmanager", name="main")
        session.add(document)
        session.flush()
        for version in (1, 2):
            sealed = old.seal({"receivers.0.webhook_configs.0.url": f"https://h/{version}"})
            session.add(
                ConfigVersion(
                    document_id=document.id or 0,
                    version=version,
                    text="route: {}",
                    secrets_encrypted=sealed,
                )
            )
        session.commit()
    return db_engine


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only this test's SLUICE_* variables: its database, NEW as the key, OLD as a previous one."""
    for name in list(os.environ):
        if name.startswith("SLUICE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("SLUICE_DATABASE_URL", db_url)
    monkeypatch.setenv("SLUICE_NOTIFICATIONS__SECRET_KEY", NEW)
    monkeypatch.setenv("SLUICE_NOTIFICATIONS__PREVIOUS_SECRET_KEYS", f'["{OLD}"]')


def _rotate(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["secrets", "rotate", *args])
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def _tokens(engine: Engine) -> list[str]:
    with Session(engine) as session:
        channels = session.exec(select(Channel.secret_encrypted).order_by(Channel.name)).all()
        versions = session.exec(
            select(ConfigVersion.secrets_encrypted).order_by(col(ConfigVersion.version))
        ).all()
    return [token for token in [*channels, *versions] if token]


def test_rotate_seals_every_secret_under_the_new_key(sealed_rows: Engine) -> None:
    before = _tokens(sealed_rows)
    code, out, err = _rotate("--dry-run")
    assert code == 0, err
    assert out == "would seal 5 secrets again; 4 open only with a previous key\n"
    assert "channel secrets: 3 sealed, 2 of them under a previous key" in err
    assert "Alertmanager config versions: 2 sealed, 2 of them under a previous key" in err
    assert _tokens(sealed_rows) == before  # a dry run writes nothing

    code, out, err = _rotate()
    assert code == 0, err
    assert out.startswith("sealed 5 secrets again under notifications.secret_key")
    only_new = SecretBox.from_text(NEW)
    opened = [only_new.open(token) for token in _tokens(sealed_rows)]
    assert opened == [
        {"secret": "s1"},
        {"secret": "s3"},
        {"key": "k2"},
        {"receivers.0.webhook_configs.0.url": "https://h/1"},
        {"receivers.0.webhook_configs.0.url": "https://h/2"},
    ]
    code, out, _ = _rotate("--dry-run")
    assert out == "would seal 5 secrets again; 0 open only with a previous key\n"


def test_a_secret_no_key_opens_stops_the_rotation_before_anything_is_written(
    sealed_rows: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _tokens(sealed_rows)
    monkeypatch.setenv("SLUICE_NOTIFICATIONS__PREVIOUS_SECRET_KEYS", f'["{OTHER}"]')
    code, _, err = _rotate()
    assert code == 1
    assert (
        "channel ding, channel wecom, Alertmanager config main v1, Alertmanager config main v2"
        in err
    )
    assert "Nothing was changed" in err
    assert _tokens(sealed_rows) == before


def test_rotate_without_a_key_names_the_settings(
    cli_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLUICE_NOTIFICATIONS__SECRET_KEY")
    code, _, err = _rotate()
    assert code == 1
    assert "SLUICE_NOTIFICATIONS__SECRET_KEY" in err
    assert "SLUICE_NOTIFICATIONS__PREVIOUS_SECRET_KEYS" in err
