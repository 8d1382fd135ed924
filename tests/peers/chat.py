"""Chat-robot and webhook peers that check signing and payload shape like the real ones.

DingTalk: access_token, timestamp (ms, within an hour) and sign; markdown body; errcode.
WeCom: key; markdown body; errcode. Slack: text/blocks; answers `ok`. Webhook: HMAC of the
body in X-Sluice-Signature, X-Sluice-Timestamp within 5 minutes; can fail on demand.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from tests.peers.base import Answer, LoopbackServer, Request


class ScriptedFailures(LoopbackServer):
    """`fail_next(...)` queues answers given before the normal handling resumes."""

    def __init__(self) -> None:
        self.failures: list[Answer] = []
        self.accepted: list[Any] = []  # bodies of messages the peer accepted
        super().__init__()

    def fail_next(self, *answers: Answer) -> None:
        self.failures.extend(answers)

    def handle(self, request: Request) -> Answer:
        if self.failures:
            return self.failures.pop(0)
        return self.check(request)

    def check(self, request: Request) -> Answer:
        raise NotImplementedError


class DingTalkPeer(ScriptedFailures):
    def __init__(self, token: str = "ding-token", secret: str | None = "SECdingsecret") -> None:
        self.token, self.secret = token, secret
        super().__init__()

    @property
    def webhook(self) -> str:
        return f"{self.url}/robot/send?access_token={self.token}"

    def channel(self, name: str = "ops-ding") -> dict[str, object]:
        """A `POST /channels` body for a DingTalk channel that sends to this peer."""
        return {
            "name": name,
            "type": "dingtalk",
            "config": {"at_mobiles": ["138"]},
            "secrets": {"url": self.webhook, "secret": self.secret},
        }

    def errcode(self, code: int, message: str) -> Answer:
        return Answer(200, {"errcode": code, "errmsg": message})

    def check(self, request: Request) -> Answer:
        if request.path != "/robot/send" or request.query.get("access_token") != self.token:
            return self.errcode(300001, "token is not exist")
        if self.secret:
            timestamp = request.query.get("timestamp", "")
            if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600_000:
                return self.errcode(310000, "invalid timestamp")
            digest = hmac.new(
                self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256
            ).digest()
            # the query string was URL-decoded by the parser, as DingTalk does
            if request.query.get("sign") != base64.b64encode(digest).decode():
                return self.errcode(310000, "sign not match")
        body = request.json()
        if body.get("msgtype") != "markdown" or not {"title", "text"} <= set(
            body.get("markdown", {})
        ):
            return self.errcode(40035, "missing markdown title or text")
        if not isinstance(body.get("at", {}).get("atMobiles", []), list):
            return self.errcode(40035, "bad at")
        self.accepted.append(body)
        return self.errcode(0, "ok")


class WeComPeer(ScriptedFailures):
    def __init__(self, key: str = "wecom-key") -> None:
        self.key = key
        super().__init__()

    @property
    def webhook(self) -> str:
        return f"{self.url}/cgi-bin/webhook/send?key={self.key}"

    def check(self, request: Request) -> Answer:
        if request.path != "/cgi-bin/webhook/send" or request.query.get("key") != self.key:
            return Answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
        body = request.json()
        content = body.get("markdown", {}).get("content")
        if body.get("msgtype") != "markdown" or not content:
            return Answer(200, {"errcode": 40008, "errmsg": "invalid message type"})
        if len(content.encode()) > 4096:
            return Answer(200, {"errcode": 40058, "errmsg": "content exceed max length"})
        self.accepted.append(body)
        return Answer(200, {"errcode": 0, "errmsg": "ok"})


class SlackPeer(ScriptedFailures):
    @property
    def webhook(self) -> str:
        return f"{self.url}/services/T000/B000/XXXX"

    def check(self, request: Request) -> Answer:
        if not request.path.startswith("/services/"):
            return Answer(404, "no_service")
        body = request.json()
        if not isinstance(body.get("text"), str) or not body["text"]:
            return Answer(400, "no_text")
        if "blocks" in body and not isinstance(body["blocks"], list):
            return Answer(400, "invalid_blocks")
        self.accepted.append(body)
        return Answer(200, "ok")


class WebhookPeer(ScriptedFailures):
    """Verifies the signature when it has a secret; `rejected` counts bad signatures."""

    def __init__(self, secret: str | None = "hook-secret") -> None:
        self.secret = secret
        self.rejected = 0
        super().__init__()

    def check(self, request: Request) -> Answer:
        timestamp = request.headers.get("X-Sluice-Timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            self.rejected += 1
            return Answer(401, {"error": "stale or missing timestamp"})
        if self.secret is not None:
            expected = hmac.new(self.secret.encode(), request.body, hashlib.sha256).hexdigest()
            given = request.headers.get("X-Sluice-Signature", "")
            if not hmac.compare_digest(given, f"sha256={expected}"):
                self.rejected += 1
                return Answer(401, {"error": "bad signature"})
        self.accepted.append(request.json() if request.body else None)
        return Answer(200, {"received": True, "n": len(self.accepted)})
