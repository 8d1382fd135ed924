"""The webhook activity against a receiver that verifies HMAC and fails on demand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.notify.store import ChannelStore
from activities.webhook import WebhookActivities
from api.services.channels import create_channel
from sluice.actions import FileContext, WebhookRequest, WebhookResult
from sluice.contracts import DetectedFile
from sluice.secretbox import SecretBox
from store.models import ChannelCreate
from tests.peers.base import Answer
from tests.peers.chat import WebhookPeer

BOX = SecretBox.from_text("webhook test key, long enough")
FILE = DetectedFile("web-01", "web-01", "/logs", "a/b.log", 42, 1, "2026-11-20T10:00:00Z")
CTX = FileContext("file-7", FILE, "logs", "sluice", "web-01/a/b.log", "e" * 64)


@pytest.fixture
def hooks(metadata_engine: Engine, webhook_peer: WebhookPeer) -> WebhookActivities:
    with Session(metadata_engine) as session:
        body = ChannelCreate(
            name="hook",
            type="webhook",
            config={"url": f"{webhook_peer.url}/ingest", "headers": {"X-Team": "ops"}},
            secrets={"secret": "hook-secret"},
        )
        create_channel(session, body=body, box=BOX)
    return WebhookActivities(ChannelStore(metadata_engine, BOX), None)


async def call(acts: WebhookActivities, req: WebhookRequest) -> WebhookResult:
    result: WebhookResult = await ActivityEnvironment().run(acts.call_webhook, req)
    return result


async def test_signed_templated_json_body(
    hooks: WebhookActivities, webhook_peer: WebhookPeer
) -> None:
    body = {
        "file": "{name}",
        "object": "{object_url}",
        "sha": "{sha256}",
        "n": 3,
        "tags": ["{host}"],
    }
    result = await call(hooks, WebhookRequest(CTX, channel="hook", body=body))

    assert result.status == 200 and '"received": true' in result.body_excerpt
    assert webhook_peer.accepted == [
        {
            "file": "b.log",
            "object": "s3://sluice/web-01/a/b.log",
            "sha": "e" * 64,
            "n": 3,
            "tags": ["web-01"],
        }
    ]
    request = webhook_peer.requests[-1]
    assert request.path == "/ingest" and request.headers["X-Team"] == "ops"


async def test_unsigned_url_is_refused_by_a_verifying_receiver(
    hooks: WebhookActivities, webhook_peer: WebhookPeer
) -> None:
    with pytest.raises(ApplicationError) as caught:
        await call(hooks, WebhookRequest(CTX, url=webhook_peer.url + "/{stem}", body={"x": 1}))
    assert (caught.value.type, caught.value.non_retryable) == ("auth", True)
    assert webhook_peer.requests[-1].path == "/b"


@pytest.mark.parametrize(
    ("answer", "error_class", "retryable", "delay"),
    [
        (Answer(503, "busy"), "network", True, None),
        (Answer(429, "slow down", {"Retry-After": "7"}), "rate_limit", True, 7.0),
        (Answer(400, "bad field"), "invalid_input", False, None),
        (Answer(404, "gone"), "not_found", False, None),
    ],
)
async def test_failures_are_classified_for_the_step_retry_policy(
    hooks: WebhookActivities,
    webhook_peer: WebhookPeer,
    answer: Answer,
    error_class: str,
    retryable: bool,
    delay: float | None,
) -> None:
    webhook_peer.fail_next(answer)
    with pytest.raises(ApplicationError) as caught:
        await call(hooks, WebhookRequest(CTX, channel="hook", body={}))
    err = caught.value
    assert (err.type, not err.non_retryable) == (error_class, retryable)
    assert err.next_retry_delay == (timedelta(seconds=delay) if delay else None)
    assert (await call(hooks, WebhookRequest(CTX, channel="hook", body={}))).status == 200


async def test_network_error_is_retryable(hooks: WebhookActivities) -> None:
    with pytest.raises(ApplicationError) as caught:
        await call(hooks, WebhookRequest(CTX, url="http://127.0.0.1:9/", body={}))
    assert caught.value.type == "network" and not caught.value.non_retryable


async def test_response_excerpt_is_bounded(
    hooks: WebhookActivities, webhook_peer: WebhookPeer
) -> None:
    webhook_peer.fail_next(Answer(200, "x" * 100_000))
    result = await call(hooks, WebhookRequest(CTX, channel="hook", body={}))
    assert len(result.body_excerpt.encode()) <= 1024 + 3


@pytest.mark.parametrize(
    "req",
    [
        WebhookRequest(CTX, channel="hook", headers={"X-Leak": "{labels.__class__.__mro__}"}),
        WebhookRequest(CTX, channel="hook", body={"env": ["{key.__class__}"]}),
        WebhookRequest(CTX, channel="hook", body={"pad": "{size:>999999}"}),
    ],
    ids=["header", "body", "format-spec"],
)
async def test_a_stored_hostile_template_sends_nothing(
    hooks: WebhookActivities, webhook_peer: WebhookPeer, req: WebhookRequest
) -> None:
    """A rule saved before templates were checked: refused when rendered, nothing is sent."""
    with pytest.raises(ApplicationError) as caught:
        await call(hooks, req)
    assert (caught.value.type, caught.value.non_retryable) == ("invalid_input", True)
    assert "unknown template field" in caught.value.message
    assert webhook_peer.requests == []
