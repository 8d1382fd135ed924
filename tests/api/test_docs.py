"""/docs and /redoc work offline: every asset their pages reference is served from loopback,
and no page references another host (FastAPI's default pages load from a CDN)."""

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from sluice.settings import Settings
from store.db import migrate
from tests.api.serving import serving

PAGES = ("/docs", "/redoc", "/docs/oauth2-redirect")
# src="…", href="…", spec-url="…" attributes and Swagger UI's `url: '…'` option.
REFERENCE = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|\burl:\s*'([^']+)'""")
EXTERNAL = re.compile(r"(?:https?:)?//[\w.-]+")


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'sluice.db'}"
    migrate(url)
    with serving(create_app(Settings(database_url=url))) as base:
        yield base


def test_docs_pages_reference_only_assets_this_server_serves(base_url: str) -> None:
    referenced: set[str] = set()
    with httpx.Client(base_url=base_url) as client:
        for page in PAGES:
            response = client.get(page)
            assert response.status_code == 200, page
            assert not EXTERNAL.findall(response.text), f"{page} references another host"
            referenced |= {a or b for a, b in REFERENCE.findall(response.text)}
        assert {
            "/docs-assets/swagger-ui-bundle.js",
            "/docs-assets/redoc.standalone.js",
        } <= referenced
        assert "/openapi.json" in referenced
        for url in sorted(referenced):
            asset = client.get(url)
            assert asset.status_code == 200 and len(asset.content) > 1000, url
        bundle = client.get("/docs-assets/swagger-ui-bundle.js").text
        assert "SwaggerUIBundle" in bundle  # the script the /docs page calls
        assert "redoc" in client.get("/docs-assets/redoc.standalone.js").text.lower()
