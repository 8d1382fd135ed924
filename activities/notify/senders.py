"""Deliver one message to one channel in its provider's protocol; errors are classified."""

from __future__ import annotations

import asyncio
import json
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
from temporalio.exceptions import ApplicationError

from activities.http import excerpt, response_failure, transport_failure
from activities.notify.store import LoadedChannel
from activities.signing import dingtalk_sign, webhook_headers
from sluice.channels import DingTalkConfig, EmailConfig, WebhookConfig, WeComConfig
from sluice.settings import NotificationSettings


@dataclass
class Message:
    """One rendered message: a title, Markdown text, HTML (email) and machine-readable facts."""

    title: str
    text: str
    html: str
    event: str
    facts: dict[str, Any]
    mentions: list[str]


class Senders:
    def __init__(self, settings: NotificationSettings) -> None:
        self._settings = settings

    async def send(self, channel: LoadedChannel, message: Message) -> None:
        sender = getattr(self, f"_{channel.type}")
        try:
            await sender(channel, message)
        except httpx.HTTPError as exc:
            raise transport_failure(f"{channel.type} channel {channel.name}", exc) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise _smtp_failure(channel.name, exc) from exc

    async def _post(self, channel: LoadedChannel, url: str, body: Any) -> httpx.Response:
        payload = json.dumps(body, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if channel.type == "webhook":
            headers.update(webhook_headers(channel.secrets.get("secret"), payload))
            assert isinstance(channel.config, WebhookConfig)
            headers.update(channel.config.headers)
        async with httpx.AsyncClient(timeout=self._settings.request_timeout) as http:
            response = await http.post(url, content=payload, headers=headers)
        if response.is_error:
            raise response_failure(f"{channel.type} channel {channel.name}", response)
        return response

    async def _dingtalk(self, channel: LoadedChannel, message: Message) -> None:
        config = channel.config
        assert isinstance(config, DingTalkConfig)
        url = channel.secrets["url"]
        secret = channel.secrets.get("secret")
        if secret:
            timestamp = int(time.time() * 1000)
            sep = "&" if "?" in url else "?"
            url = f"{url}{sep}timestamp={timestamp}&sign={dingtalk_sign(secret, timestamp)}"
        mobiles = list(dict.fromkeys([*config.at_mobiles, *message.mentions]))
        text = message.text + "".join(f" @{m}" for m in mobiles)
        body = {
            "msgtype": "markdown",
            "markdown": {"title": message.title, "text": text},
            "at": {"atMobiles": mobiles, "isAtAll": config.at_all},
        }
        _check_errcode(channel, await self._post(channel, url, body))

    async def _wecom(self, channel: LoadedChannel, message: Message) -> None:
        config = channel.config
        assert isinstance(config, WeComConfig)
        content = f"**{message.title}**\n{message.text}"
        mobiles = [*config.mentioned_mobiles, *message.mentions]
        content += "".join(f"\n<@{m}>" for m in mobiles)
        body = {"msgtype": "markdown", "markdown": {"content": content}}
        _check_errcode(channel, await self._post(channel, channel.secrets["url"], body))

    async def _slack(self, channel: LoadedChannel, message: Message) -> None:
        body = {
            "text": f"{message.title}\n{message.text}",
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}},
                {"type": "section", "text": {"type": "mrkdwn", "text": message.text[:3000]}},
            ],
        }
        response = await self._post(channel, channel.secrets["url"], body)
        if response.text.strip() != "ok":
            raise ApplicationError(
                f"slack channel {channel.name} answered {excerpt(response.text, 200)!r}, not ok",
                type="action_failed",
                non_retryable=True,
            )

    async def _webhook(self, channel: LoadedChannel, message: Message) -> None:
        config = channel.config
        assert isinstance(config, WebhookConfig)
        body = {
            "event": message.event,
            "title": message.title,
            "text": message.text,
            "facts": message.facts,
        }
        await self._post(channel, config.url, body)

    async def _email(self, channel: LoadedChannel, message: Message) -> None:
        await asyncio.to_thread(self._send_mail, channel, message)

    def _send_mail(self, channel: LoadedChannel, message: Message) -> None:
        config = channel.config
        assert isinstance(config, EmailConfig)
        s = self._settings
        host = config.host or s.smtp_host
        if not host:
            raise ApplicationError(
                f"email channel {channel.name}: no SMTP host (config.host or "
                "notifications.smtp_host)",
                type="invalid_input",
                non_retryable=True,
            )
        security = config.security or (
            "tls" if s.smtp_ssl else "starttls" if s.smtp_starttls else "none"
        )
        port = config.port or s.smtp_port
        user = config.user or s.smtp_user
        password = channel.secrets.get("password") or (
            s.smtp_password.get_secret_value() if s.smtp_password else None
        )
        sender = config.sender or s.smtp_from or (user if user and "@" in user else None)
        mail = EmailMessage()
        mail["Subject"] = message.title
        mail["From"] = sender or f"sluice@{host}"
        mail["To"] = ", ".join(config.to)
        if config.cc:
            mail["Cc"] = ", ".join(config.cc)
        mail.set_content(message.text)
        mail.add_alternative(message.html, subtype="html")
        context = ssl.create_default_context(cafile=config.ca_file)
        smtp: smtplib.SMTP
        if security == "tls":
            smtp = smtplib.SMTP_SSL(host, port, timeout=s.smtp_timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=s.smtp_timeout)
        with smtp:
            if security == "starttls":
                smtp.starttls(context=context)
            if user and password:
                smtp.login(user, password)
            smtp.send_message(mail, to_addrs=[*config.to, *config.cc])


def _check_errcode(channel: LoadedChannel, response: httpx.Response) -> None:
    """DingTalk and WeCom answer HTTP 200 with `errcode != 0` when they refuse a message."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("errcode") != 0:
        code = data.get("errcode") if isinstance(data, dict) else None
        text = data.get("errmsg") if isinstance(data, dict) else excerpt(response.text, 200)
        # 130101: DingTalk's "sending too fast"; 45009: WeCom's API frequency limit.
        limited = code in (130101, 45009)
        raise ApplicationError(
            f"{channel.type} channel {channel.name} refused the message: errcode {code} {text}",
            {"errcode": code},
            type="rate_limit" if limited else "action_failed",
            non_retryable=not limited,
        )


def _smtp_failure(name: str, exc: Exception) -> ApplicationError:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return ApplicationError(f"email channel {name}: {exc}", type="auth", non_retryable=True)
    if isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused):
        return ApplicationError(
            f"email channel {name}: {exc}", type="invalid_input", non_retryable=True
        )
    error_class = "timeout" if isinstance(exc, TimeoutError) else "network"
    return ApplicationError(f"email channel {name}: {type(exc).__name__}: {exc}", type=error_class)
