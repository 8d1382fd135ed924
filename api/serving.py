"""Serving the API: request-header limits for uvicorn (`sluice api` and `sluice dev` serve
with this protocol), and the garbage collector kept off startup's objects.

uvicorn's httptools parser takes headers of any size and number; `HeaderLimitedProtocol`
counts them while they are parsed and answers 431 with the API's JSON error body, then
closes the connection, before the request reaches the app. Counting raw bytes while a request's
head is incomplete also bounds a single endless header, which the parser would buffer whole.
"""

from __future__ import annotations

import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# Request line plus headers. A bearer token and the usual headers take well under 2 KiB;
# nginx allows 4 buffers of 8 KiB by default.
MAX_HEADER_BYTES = 32 * 1024
MAX_HEADERS = 100
# After a refusal the rest of the request is read and dropped this long before closing:
# closing with unread input resets the connection, and the client may lose the answer.
LINGER_SECONDS = 2.0


class HeadersTooLarge(Exception):
    """Raised inside a parser callback to stop parsing; answered 431."""


class HeaderLimitedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing heads over MAX_HEADER_BYTES or MAX_HEADERS."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0  # of the request line and headers parsed so far
        self._raw_bytes = 0  # received since the request began, while its head is incomplete
        self._header_count = 0
        self._refusal = ""

    def data_received(self, data: bytes) -> None:
        if self._refusal:
            return
        if self._in_head:
            self._raw_bytes += len(data)
        super().data_received(data)
        if self._in_head and not self._refusal and self._raw_bytes > 2 * MAX_HEADER_BYTES:
            # One header still incomplete: the parser holds it until its end, however long.
            self._refusal = f"request headers over {MAX_HEADER_BYTES} bytes"
            self.send_400_response("")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_bytes = self._raw_bytes = self._header_count = 0

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > MAX_HEADERS:
            self._refuse(f"more than {MAX_HEADERS} request headers")
        self._count(len(name) + len(value) + 4)  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_HEADER_BYTES:
            self._refuse(f"request headers over {MAX_HEADER_BYTES} bytes")

    def _refuse(self, message: str) -> None:
        self._refusal = message
        raise HeadersTooLarge(message)

    def send_400_response(self, msg: str) -> None:
        """uvicorn calls this when parsing fails, which a refusal makes it do."""
        if not self._refusal:
            super().send_400_response(msg)
            return
        self.logger.warning("refused a request: %s", self._refusal)
        body = json.dumps(
            {"error": {"code": "request_header_fields_too_large", "message": self._refusal}}
        ).encode()
        head = (
            "HTTP/1.1 431 Request Header Fields Too Large\r\n"
            "content-type: application/json\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        )
        self.transport.write(head.encode() + body)
        if self.transport.can_write_eof():
            self.transport.write_eof()  # the answer is whole; data_received drops the rest
        self.loop.call_later(LINGER_SECONDS, self.transport.close)
