"""Refuse request bodies above `api.max_body_bytes` (413), nested deeper than MAX_JSON_DEPTH
(422), or requests carrying NUL characters or lone surrogates (422), before any route reads
them."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response

# No API document nests this deep; deeper ones fail later in ways that are not 4xx (the
# serialiser's recursion limit), so they are refused here whatever the route.
MAX_JSON_DEPTH = 64
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_OPENERS = frozenset(b"[{")
# NUL as a raw byte or a JSON escape (one not itself escaped). No Sluice input holds one, and
# PostgreSQL refuses it in text (a 500 from the driver), so it is refused up front.
_BODY_NUL = re.compile(rb"\x00|(?<!\\)(?:\\\\)*\\u0000")
_NUL = "NUL characters (\\u0000) are not accepted"
# A surrogate's UTF-8 bytes, which JSON's parser (and so FastAPI's) decodes as a surrogate.
_RAW_SURROGATE = re.compile(rb"\xed[\xa0-\xbf]")


def nul_in(scope: Scope) -> str:
    """Where the request's path or query holds a NUL, or "" if nowhere."""
    if "\x00" in scope["path"]:
        return "path"
    query: bytes = scope.get("query_string", b"")
    if b"\x00" in query or b"%00" in query:
        return "query"
    return ""


def lone_surrogate_in(body: bytes) -> str:
    """Where the JSON text `body` holds a string with a lone surrogate (an escape such as
    `\\ud800` without its pair, or its bytes), or "" if nowhere. UTF-8 cannot hold one, so
    neither database can store it (a 500 from the driver), and no Sluice input needs one.

    Only bodies with such an escape or bytes are parsed again (paired escapes, an emoji, pass).
    """
    if b"\\ud" not in body and b"\\uD" not in body and not _RAW_SURROGATE.search(body):
        return ""
    try:
        document = json.loads(body)
    except ValueError:
        return ""  # not JSON: the route says so
    return _surrogate_at(document, "")


def _surrogate_at(value: Any, where: str) -> str:
    if isinstance(value, str):
        return "" if _utf8(value) else where or "the document"
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return ""
    for key, item in items:
        if isinstance(key, str) and not _utf8(key):
            return f"a key in {where or 'the document'}"
        name = str(key)[:64]
        found = _surrogate_at(item, f"{where}.{name}" if where else name)
        if found:
            return found
    return ""


def _utf8(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def json_depth_over(body: bytes, limit: int) -> bool:
    """Whether the JSON text `body` nests arrays and objects deeper than `limit`."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # too few brackets to get there: the usual case, at C speed
    depth = 0
    for bracket in _outside_strings(body).translate(None, _NOT_BRACKETS):
        depth += 1 if bracket in _OPENERS else -1
        if depth > limit:
            return True
    return False


def _outside_strings(body: bytes) -> bytes:
    """`body` without its JSON strings (brackets inside them do not count), at C speed: with
    escaped backslashes and then escaped quotes gone, every other quote opens a string."""
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    return b"".join(unescaped.split(b'"')[::2])


class BodyLimit:
    """Pure ASGI middleware: bodies are read (up to the limit) and then replayed to the app.

    The API's bodies are small JSON documents, so holding one in memory is fine; anything
    larger is answered 413 whether or not it announced its length.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        where = nul_in(scope)
        if where:
            await error_response(422, "invalid_request", f"{where}: {_NUL}")(scope, receive, send)
            return
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        problem = ""
        if json_depth_over(body, MAX_JSON_DEPTH):
            problem = f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels"
        elif b"\x00" in body or (b"\\u0000" in body and _BODY_NUL.search(body)):
            problem = f"body: {_NUL}"
        elif where := lone_surrogate_in(body):
            problem = f"body: {where} is not valid Unicode text (it has a lone surrogate)"
        if problem:
            await error_response(422, "invalid_request", problem)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413,
            "payload_too_large",
            f"request body over {self.max_bytes} bytes (api.max_body_bytes)",
        )
        await response(scope, receive, send)
