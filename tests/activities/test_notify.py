"""Channels against their protocol peers: signing, payload shape, errcode, SMTP with TLS,
secrets encrypted at rest, every send recorded, no resend on retry."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.notify import NotifyActivities
from activities.notify.store import ChannelStore, require_secret_key
from api.services.channels import create_channel
from sluice.actions import Analysis, FileContext, NotifyRequest, NotifyResult
from sluice.contracts import DetectedFile
from sluice.secretbox import SecretBox, SecretKeyMissing
from sluice.settings import NotificationSettings
from store.models import ChannelCreate, Notification, Task
from tests.peers.base import Answer
from tests.peers.chat import DingTalkPeer, SlackPeer, WebhookPeer, WeComPeer
from tests.peers.smtp import SmtpPeer

KEY = "a passphrase that is long enough"
FILE = DetectedFile("web-01", "web-01", "/logs", "app/app.log", 10, 1, "2026-11-20T10:00:00Z")
ANALYSIS = Analysis("Heap exhausted.", "critical", ["OOM"], ["cache"], ["bound it"], 0.8)


def add_channel(
    engine: Engine, name: str, type_: str, config: dict[str, Any], secrets: dict[str, str]
) -> None:
    with Session(engine) as session:
        body = ChannelCreate(name=name, type=type_, config=config, secrets=secrets)
        create_channel(session, body=body, box=SecretBox.from_text(KEY))


def notifier(engine: Engine, **settings: object) -> NotifyActivities:
    box = SecretBox.from_text(KEY)
    return NotifyActivities(ChannelStore(engine, box), NotificationSettings(**settings))  # type: ignore[arg-type]


def notify_request(*channels: str, step: str = "notify", **kwargs: object) -> NotifyRequest:
    return NotifyRequest(
        task_id="",
        step=step,
        channels=list(channels),
        event="task_succeeded",
        facts={"rule": "logs"},
        context=FileContext("file-1", FILE, "logs", "sluice", "web-01/app/app.log"),
        analysis=ANALYSIS,
        **kwargs,  # type: ignore[arg-type]
    )


async def send(acts: NotifyActivities, req: NotifyRequest) -> NotifyResult:
    result: NotifyResult = await ActivityEnvironment().run(acts.send_notification, req)
    return result


def recorded(engine: Engine) -> list[Notification]:
    with Session(engine) as session:
        return list(session.exec(select(Notification).order_by(Notification.id)))  # type: ignore[arg-type]


async def test_dingtalk_signed_markdown_with_mentions(
    metadata_engine: Engine, dingtalk_peer: DingTalkPeer
) -> None:
    add_channel(
        metadata_engine,
        "ops-ding",
        "dingtalk",
        {"at_mobiles": ["13800000000"]},
        {"url": dingtalk_peer.webhook, "secret": dingtalk_peer.secret or ""},
    )
    result = await send(notifier(metadata_engine), notify_request("ops-ding", mentions=["139"]))

    assert result.sent == ["ops-ding"]
    [body] = dingtalk_peer.accepted
    assert body["markdown"]["title"] == "[Sluice] app.log processed"
    assert "s3://sluice/web-01/app/app.log" in body["markdown"]["text"]
    assert "Heap exhausted." in body["markdown"]["text"]  # the analysis rides along
    assert body["at"] == {"atMobiles": ["13800000000", "139"], "isAtAll": False}
    [row] = recorded(metadata_engine)
    assert (row.status, row.event_type, row.step) == ("sent", "task_succeeded", "notify")


async def test_provider_errcode_is_a_failure_and_is_recorded(
    metadata_engine: Engine, dingtalk_peer: DingTalkPeer, wecom_peer: WeComPeer
) -> None:
    add_channel(
        metadata_engine,
        "bad-sign",
        "dingtalk",
        {},
        {"url": dingtalk_peer.webhook, "secret": "wrong"},
    )
    add_channel(metadata_engine, "wecom", "wecom", {}, {"url": wecom_peer.webhook})
    wecom_peer.fail_next(Answer(200, {"errcode": 45009, "errmsg": "api freq out of limit"}))

    with pytest.raises(ApplicationError) as caught:
        await send(notifier(metadata_engine), notify_request("bad-sign", "wecom"))

    err = caught.value
    assert "errcode 310000 sign not match" in err.message and "errcode 45009" in err.message
    assert err.type == "rate_limit" and not err.non_retryable  # the rate limit may pass
    rows = recorded(metadata_engine)
    assert [(r.status, r.error[:40]) for r in rows] == [
        ("failed", "dingtalk channel bad-sign refused the me"),
        ("failed", "wecom channel wecom refused the message:"),
    ]


async def test_retry_skips_channels_already_reached(
    metadata_engine: Engine, wecom_peer: WeComPeer, slack_peer: SlackPeer
) -> None:
    add_channel(metadata_engine, "wecom", "wecom", {}, {"url": wecom_peer.webhook})
    add_channel(metadata_engine, "slack", "slack", {}, {"url": slack_peer.webhook})
    with Session(metadata_engine) as session:  # tasks are FK targets of notifications
        session.add(Task(id="file-9", workflow_id="file-9"))
        session.commit()
    slack_peer.fail_next(Answer(500, "internal_error"))
    req = notify_request("wecom", "slack")
    req.task_id = "file-9"
    acts = notifier(metadata_engine)

    with pytest.raises(ApplicationError) as caught:
        await send(acts, req)
    assert caught.value.type == "network" and "sent to wecom" in caught.value.message
    result = await send(acts, req)

    assert (result.sent, result.skipped) == (["slack"], ["wecom"])
    assert len(wecom_peer.accepted) == 1 and len(slack_peer.accepted) == 1
    assert slack_peer.accepted[0]["blocks"][0]["text"]["text"] == "[Sluice] app.log processed"


async def test_generic_webhook_channel_is_signed(
    metadata_engine: Engine, webhook_peer: WebhookPeer
) -> None:
    add_channel(
        metadata_engine, "hook", "webhook", {"url": webhook_peer.url}, {"secret": "hook-secret"}
    )
    add_channel(metadata_engine, "hook-unsigned", "webhook", {"url": webhook_peer.url}, {})
    await send(notifier(metadata_engine), notify_request("hook"))
    [body] = webhook_peer.accepted
    assert body["event"] == "task_succeeded"
    assert body["facts"]["file"]["object_url"] == "s3://sluice/web-01/app/app.log"
    assert body["facts"]["analysis"]["severity"] == "critical"

    with pytest.raises(ApplicationError) as caught:
        await send(notifier(metadata_engine), notify_request("hook-unsigned"))
    assert caught.value.type == "auth" and webhook_peer.rejected == 1


async def test_rule_templates_override_the_event_template(
    metadata_engine: Engine, slack_peer: SlackPeer
) -> None:
    add_channel(metadata_engine, "slack", "slack", {}, {"url": slack_peer.webhook})
    req = notify_request(
        "slack",
        title_template="{{ file.name }} on {{ file.host }}",
        text_template="severity {{ analysis.severity }}: {{ analysis.summary }}",
    )
    await send(notifier(metadata_engine), req)
    assert slack_peer.accepted[0]["text"] == "app.log on web-01\nseverity critical: Heap exhausted."


# In "tls" mode the whole session is TLS, which aiosmtpd's warning about AUTH without
# STARTTLS does not know.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("mode", ["starttls", "tls"])
async def test_email_over_tls_with_text_and_html(
    metadata_engine: Engine, tmp_path: Path, mode: str
) -> None:
    peer = SmtpPeer(tmp_path, mode=mode)
    try:
        config = {
            "to": ["ops@example.com"],
            "sender": "sluice@example.com",
            "host": "127.0.0.1",
            "port": peer.port,
            "user": "mailer",
            "security": mode,
            "ca_file": str(peer.cert),
        }
        add_channel(metadata_engine, "mail", "email", config, {"password": "pw"})
        await send(notifier(metadata_engine), notify_request("mail"))
        [mail] = peer.messages
        assert mail["Subject"] == "[Sluice] app.log processed" and mail["To"] == "ops@example.com"
        parts = {
            p.get_content_type(): bytes(p.get_payload(decode=True)).decode()
            for p in mail.walk()
            if not p.is_multipart()
        }
        assert "s3://sluice/web-01/app/app.log" in parts["text/plain"]
        assert "<h4>Analysis (critical)</h4>" in parts["text/html"]
    finally:
        peer.close()


async def test_email_with_a_wrong_password_is_auth(
    metadata_engine: Engine, smtp_peer: SmtpPeer
) -> None:
    config = {
        "to": ["ops@example.com"],
        "host": "127.0.0.1",
        "port": smtp_peer.port,
        "user": "mailer",
        "ca_file": str(smtp_peer.cert),
    }
    add_channel(metadata_engine, "mail", "email", config, {"password": "nope"})
    with pytest.raises(ApplicationError) as caught:
        await send(notifier(metadata_engine), notify_request("mail"))
    assert (caught.value.type, caught.value.non_retryable) == ("auth", True)
    assert smtp_peer.messages == []


def test_secrets_are_encrypted_at_rest_and_need_the_key(metadata_engine: Engine) -> None:
    add_channel(
        metadata_engine,
        "ding",
        "dingtalk",
        {},
        {"url": "https://oapi.dingtalk.com/robot/send?access_token=TOPSECRET", "secret": "SECsign"},
    )
    with metadata_engine.connect() as conn:
        stored = conn.execute(text("SELECT config, secret_encrypted FROM channels")).one()
    assert "TOPSECRET" not in str(stored) and "SECsign" not in str(stored)

    require_secret_key(metadata_engine, SecretBox.from_text(KEY))
    with pytest.raises(SecretKeyMissing, match="ding"):
        require_secret_key(metadata_engine, SecretBox(None))
    loaded = ChannelStore(metadata_engine, SecretBox.from_text(KEY)).load("ding")
    assert loaded.secrets["secret"] == "SECsign"
    with pytest.raises(ApplicationError) as caught:
        ChannelStore(metadata_engine, SecretBox.from_text("another key, also long")).load("ding")
    assert caught.value.type == "auth"


@pytest.mark.parametrize(
    "templates",
    [
        {"title_template": "{{ cycler.__init__.__globals__.os.getpid() }}"},
        {"text_template": "{{ lipsum.__globals__['os'].getpid() }}"},
        {"text_template": "{{ file|attr(task.rule) }}"},  # a value: no static check sees it
    ],
    ids=["cycler", "lipsum", "attr-at-run-time"],
)
async def test_a_stored_hostile_template_runs_no_code_and_sends_nothing(
    metadata_engine: Engine, slack_peer: SlackPeer, templates: dict[str, str]
) -> None:
    """A rule saved before templates were checked: the sandbox refuses, nothing is sent."""
    add_channel(metadata_engine, "slack", "slack", {}, {"url": slack_peer.webhook})
    req = notify_request("slack", **templates)
    req.facts["rule"] = "__class__"
    with pytest.raises(ApplicationError) as caught:
        await send(notifier(metadata_engine), req)
    assert (caught.value.type, caught.value.non_retryable) == ("invalid_input", True)
    assert "not allowed" in caught.value.message and str(os.getpid()) not in caught.value.message
    assert slack_peer.accepted == []
