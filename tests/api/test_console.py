"""Serving the web console: client-side routes get index.html, hashed assets are cached for a
year and index.html never, a strict CSP, the API's own paths untouched, a 503 naming the
build command while the build is missing; and the typed client's schema is current."""

import re
import runpy
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import ui
from api.app import create_app
from api.routes.console import IMMUTABLE
from sluice.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-1a2b3c.js"></script>'


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A console build as Vite lays it out."""
    (tmp_path / "dist" / "assets").mkdir(parents=True)
    (tmp_path / "dist" / "index.html").write_text(INDEX)
    (tmp_path / "dist" / "assets" / "app-1a2b3c.js").write_text("console.log('sluice')")
    return tmp_path / "dist"


def console_client(tmp_path: Path, dist: Path) -> TestClient:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}")
    return TestClient(create_app(settings, console_dist=dist))


@pytest.fixture
def client(tmp_path: Path, dist: Path) -> Iterator[TestClient]:
    with console_client(tmp_path, dist) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "path", ["/", "/tasks", "/tasks/file-3f2a:9c?status=failed", "/rules", "/agents/web-01"]
)
def test_client_routes_get_the_page_without_a_token(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert page.text == INDEX
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp


def test_hashed_assets_are_cached_for_a_year(client: TestClient) -> None:
    asset = client.get("/assets/app-1a2b3c.js")
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert "javascript" in asset.headers["content-type"]


def test_text_assets_go_gzipped_to_browsers_that_accept_it(client: TestClient) -> None:
    plain = client.get("/assets/app-1a2b3c.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == b"console.log('sluice')"
    for accept in ("gzip, deflate, br", "br;q=1.0, gzip;q=0.8"):
        raw = client.get("/assets/app-1a2b3c.js", headers={"Accept-Encoding": accept})
        assert raw.headers["content-encoding"] == "gzip"
        assert raw.headers["vary"] == "Accept-Encoding"
        assert raw.headers["cache-control"] == IMMUTABLE
        assert "javascript" in raw.headers["content-type"]
        assert raw.content == b"console.log('sluice')"  # httpx decoded the gzip body
    refused = client.get("/assets/app-1a2b3c.js", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    missing = client.get("/assets/none-0000.js", headers={"Accept-Encoding": "gzip"})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/nothing-here"),
        ("GET", "/api"),
        ("GET", "/assets/missing-0000.js"),
        ("GET", "/docs/nothing"),
        ("POST", "/tasks"),
        ("DELETE", "/"),
    ],
)
def test_the_servers_own_paths_are_not_the_console(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"


def test_the_api_docs_and_metrics_are_still_theirs(client: TestClient) -> None:
    assert "swagger-ui" in client.get("/docs").text
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")
    assert client.get("/openapi.json").json()["info"]["title"] == "Sluice"


def test_a_missing_build_names_the_command_that_makes_it(tmp_path: Path) -> None:
    with console_client(tmp_path, tmp_path / "not-built") as client:
        for path in ("/", "/tasks/t-1", "/assets/app-1a2b3c.js"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert response.headers["content-type"].startswith("text/plain")
            assert f"\n    {ui.BUILD_COMMAND}\n" in response.text
        assert client.get("/healthz").status_code == 200
    assert Path(ui.BUILD_COMMAND).is_file()  # the command exists, so pasting it works


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_script = ""
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline_script += data.strip()


def test_the_build_loads_only_its_own_hashed_files(tmp_path: Path) -> None:
    if not (ui.DIST_DIR / "index.html").is_file():
        pytest.fail(f"the console is not built: run {ui.BUILD_COMMAND}", pytrace=False)
    parser = _Tags()
    parser.feed((ui.DIST_DIR / "index.html").read_text())
    assert parser.inline_script == ""  # the CSP would block it
    urls = [
        attrs.get("src") or attrs.get("href")
        for tag, attrs in parser.tags
        if tag in ("script", "link")
    ]
    assert any(url and url.endswith(".js") for url in urls)
    with console_client(tmp_path, ui.DIST_DIR) as client:
        for url in urls:
            assert url and re.fullmatch(r"/assets/[\w.-]+-[\w-]{8}\.\w+", url), url
            response = client.get(url)
            assert response.status_code == 200 and response.headers["cache-control"] == IMMUTABLE
    for stylesheet in (ui.DIST_DIR / "assets").glob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import", stylesheet.read_text())


def test_the_console_types_come_from_the_current_api_schema() -> None:
    # ui/openapi.json is what `npm run gen` makes the typed client from.
    schema = runpy.run_path(str(ROOT / "scripts" / "openapi.py"))
    assert (ROOT / "ui" / "openapi.json").read_text() == schema["schema_text"](), (
        "ui/openapi.json is stale: run .venv/bin/python scripts/openapi.py, then "
        "scripts/build-ui.sh"
    )
