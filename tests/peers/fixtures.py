"""pytest fixtures for the loopback protocol peers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.db import make_engine, migrate
from tests.peers.chat import DingTalkPeer, SlackPeer, WebhookPeer, WeComPeer
from tests.peers.jenkins import JenkinsPeer
from tests.peers.llm import OpenAIPeer
from tests.peers.smtp import SmtpPeer


@pytest.fixture
def jenkins_peer() -> Iterator[JenkinsPeer]:
    peer = JenkinsPeer()
    yield peer
    peer.close()


@pytest.fixture
def webhook_peer() -> Iterator[WebhookPeer]:
    peer = WebhookPeer()
    yield peer
    peer.close()


@pytest.fixture
def dingtalk_peer() -> Iterator[DingTalkPeer]:
    peer = DingTalkPeer()
    yield peer
    peer.close()


@pytest.fixture
def wecom_peer() -> Iterator[WeComPeer]:
    peer = WeComPeer()
    yield peer
    peer.close()


@pytest.fixture
def slack_peer() -> Iterator[SlackPeer]:
    peer = SlackPeer()
    yield peer
    peer.close()


@pytest.fixture
def openai_peer() -> Iterator[OpenAIPeer]:
    peer = OpenAIPeer()
    yield peer
    peer.close()


@pytest.fixture
def smtp_peer(tmp_path: Path) -> Iterator[SmtpPeer]:
    peer = SmtpPeer(tmp_path, mode="starttls")
    yield peer
    peer.close()


@pytest.fixture
def metadata_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite metadata DB of this test (channels, notifications, tasks)."""
    url = f"sqlite:///{tmp_path}/actions.db"
    migrate(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
