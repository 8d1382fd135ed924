"""The `webhook` step: a templated JSON request, signed, with a bounded record of the answer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.context import ContextValues
from activities.http import excerpt, response_failure, transport_failure
from activities.notify.store import ChannelStore
from activities.signing import webhook_headers
from sluice.actions import WebhookRequest, WebhookResult
from sluice.channels import WebhookConfig
from sluice.parameter_templates import render_template, render_tree


class WebhookActivities:
    def __init__(self, channels: ChannelStore, context: ContextValues | None) -> None:
        self._channels = channels
        self._context = context

    @activity.defn(name="call_webhook")
    async def call_webhook(self, req: WebhookRequest) -> WebhookResult:
        """Send the request; 5xx, 429 and network errors retry (429 after Retry-After)."""
        url, headers, secret = await self._target(req)
        values = req.context.values()
        templates = {"url": url, "headers": headers, "body": req.body}
        if self._context is not None:
            values = await asyncio.to_thread(
                self._context.values, req.context, templates, req.presign_expiry_s
            )
        try:
            url = render_template(url, values)
            headers = {name: render_template(v, values) for name, v in headers.items()}
            body = render_tree(req.body, values)
        except (KeyError, IndexError, ValueError) as exc:
            raise ApplicationError(
                f"webhook template: {exc}", type="invalid_input", non_retryable=True
            ) from exc
        payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers.setdefault("Content-Type", "application/json")
        headers.update(webhook_headers(secret, payload))
        try:
            async with httpx.AsyncClient(timeout=req.request_timeout_s) as http:
                response = await http.request(req.method, url, content=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise transport_failure(f"webhook {req.method} {url}", exc) from exc
        if response.is_error:
            raise response_failure(f"webhook {req.method} {url}", response)
        return WebhookResult(response.status_code, excerpt(response.text))

    async def _target(self, req: WebhookRequest) -> tuple[str, dict[str, str], str | None]:
        headers = dict(req.headers)
        if not req.channel:
            return req.url, headers, None
        channel = await asyncio.to_thread(self._channels.load, req.channel, "webhook")
        config: Any = channel.config
        assert isinstance(config, WebhookConfig)
        return config.url, {**config.headers, **headers}, channel.secrets.get("secret")
