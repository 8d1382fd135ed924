"""The web console: ui/dist's index.html for every client-side route, its hashed assets.

Assets carry a content hash in their names, so they are cached for a year; index.html is
revalidated on every load, so a new build is picked up at once. Text assets go gzipped to
browsers that accept it, compressed once per file and kept (a hashed file never changes).
The page runs under a strict Content-Security-Policy: scripts, styles and requests only from
this server, nothing inline.
While the build is missing, the console's paths answer 503 with the command that makes it.
"""

import gzip
import mimetypes
from functools import partial
from os import PathLike, stat_result
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

import ui

ASSETS_URL = "/assets"
IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSED = (".js", ".css", ".svg", ".json", ".map", ".txt")
MAX_COMPRESSED_BYTES = 8 * 1024 * 1024  # bigger files go as they are
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# The server's own paths: an unknown one under these is a 404, not the console.
SERVER_PREFIXES = (
    "/api",
    ASSETS_URL,
    "/docs",
    "/docs-assets",
    "/redoc",
    "/openapi.json",
    "/metrics",
    "/healthz",
    "/readyz",
)


def install_console(app: FastAPI, dist: Path) -> None:
    """Serve the console built into `dist`. Install it last: its route matches any path
    outside SERVER_PREFIXES."""
    app.mount(ASSETS_URL, HashedAssets(dist), name="console-assets")
    app.router.routes.append(
        ClientRoute("/{path:path}", partial(console_page, dist), name="console")
    )


def not_built(dist: Path) -> Response:
    return PlainTextResponse(
        f"The Sluice console is not built ({dist / 'index.html'} is missing).\n"
        f"Build it with:\n\n    {ui.BUILD_COMMAND}\n\n"
        "then reload. The API (/api/v1) and its docs (/docs) work without it.\n",
        status_code=503,
        headers={"Cache-Control": "no-store", "Retry-After": "60"},
    )


class HashedAssets(StaticFiles):
    """ui/dist/assets, each file cached for a year (its name changes with its content)."""

    def __init__(self, dist: Path) -> None:
        super().__init__(directory=dist / "assets", check_dir=False)
        self.dist = dist
        self._gzipped: dict[Path, bytes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (self.dist / "assets").is_dir():
            await not_built(self.dist)(scope, receive, send)
            return
        if accepts_gzip(scope) and (response := await self._gzip_response(scope)):
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def _gzip_response(self, scope: Scope) -> Response | None:
        """The asset gzipped, if it is text worth compressing; None to serve it as it is."""
        path = self.get_path(scope)
        if not path.endswith(COMPRESSED):
            return None
        full, stat = await run_in_threadpool(self.lookup_path, path)
        if stat is None or not full or stat.st_size > MAX_COMPRESSED_BYTES:
            return None
        key = Path(full)
        if key not in self._gzipped:  # a race compresses twice, harmlessly
            self._gzipped[key] = await run_in_threadpool(_gzip_file, key)
        body = self._gzipped[key] if scope["method"] != "HEAD" else b""
        media_type = mimetypes.guess_type(key.name)[0] or "application/octet-stream"
        headers = {"Cache-Control": IMMUTABLE, "Content-Encoding": "gzip",
                   "Vary": "Accept-Encoding",
                   "Content-Length": str(len(self._gzipped[key]))}  # fmt: skip
        return Response(body, media_type=media_type, headers=headers)

    def file_response(
        self,
        full_path: str | PathLike[str],
        stat: stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat, scope, status_code)
        response.headers["Cache-Control"] = IMMUTABLE
        return response


def accepts_gzip(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            for part in value.lower().split(b","):
                coding, _, params = part.partition(b";")
                if coding.strip() == b"gzip":
                    return params.replace(b" ", b"") not in (b"q=0", b"q=0.0", b"q=0.00")
    return False


def _gzip_file(path: Path) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)


async def console_page(dist: Path, _request: Request) -> Response:
    """index.html, whatever the path: the console routes on the client."""
    index = dist / "index.html"
    if not index.is_file():
        return not_built(dist)
    return FileResponse(index, media_type="text/html", headers=PAGE_HEADERS)


class ClientRoute(Route):
    """A route for GET and HEAD outside the server's own paths, so an unknown API path (or
    another method) still gets the API's 404 rather than the console or a 405."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return Match.NONE, {}
        path: str = scope["path"]
        if any(path == prefix or path.startswith(prefix + "/") for prefix in SERVER_PREFIXES):
            return Match.NONE, {}
        return super().matches(scope)
