"""Host views of files against a real agent (its host worker on a real Temporal dev server)
and the API: browse, tail, follow, search, upload, analyse, and every bad input."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from temporalio.client import Client

from api.app import create_app
from api.services.host_files import FollowLimits
from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import bearer
from tests.e2e.agent_support import eventually
from tests.e2e.flow import publish, wait_for_task
from watcher.agent import Agent

pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")

RULE = {
    "name": "logs",
    "match": {"suffixes": [".log"]},
    "pipeline": [{"upload": {"key": "{agent}/{relpath}"}}],
}


@pytest.fixture
async def app(database: str, settings: Settings, temporal_client: Client) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    app.state.temporal = temporal_client
    app.state.follow_limits = FollowLimits(per_agent=2, total=3, max_seconds=3, poll_seconds=0.3)
    async with app.router.lifespan_context(app):
        yield app


def client(app: FastAPI, database: str, role: Role = Role.admin) -> httpx.AsyncClient:
    headers = bearer(database, role, f"files-{role.value}")
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://api", headers=headers)


def root_of(inbox: Path) -> str:
    """The root as the agent reports it: resolved."""
    return str(inbox.resolve())


async def register(api: httpx.AsyncClient, agent_id: str, inbox: Path) -> None:
    body = {"id": agent_id, "hostname": "test-host", "roots": [root_of(inbox)]}
    response = await api.post("/api/v1/agents/register", json=body)
    assert response.status_code == 200, response.text


def files_of(agent: str) -> str:
    return f"/api/v1/agents/{agent}/files"


def code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


async def test_browse_tail_search_upload_and_analyse_a_log(
    database: str, running: Agent, app: FastAPI, inbox: Path, settings: Settings
) -> None:
    publish(database, RULE)
    agent, root = settings.agent.id, root_of(inbox)
    log = inbox / "app" / "service.log"
    log.parent.mkdir()
    (inbox / ".hidden").mkdir()
    lines = [f"INFO step {i}" for i in range(1, 301)] + ["ERROR db password=s3cret refused"]
    log.write_text("\n".join(lines) + "\n")
    (inbox / "app" / "other.log").write_text("x\n")
    async with client(app, database) as api, client(app, database, Role.viewer) as viewer:
        await register(api, agent, inbox)
        await wait_for_task(api, "app/service.log")

        roots = (await viewer.get(files_of(agent))).json()
        assert [e["path"] for e in roots["entries"]] == [root]
        top = (await viewer.get(files_of(agent), params={"path": root})).json()
        assert [(e["name"], e["type"]) for e in top["entries"]] == [("app", "dir")]
        page = (await viewer.get(files_of(agent), params={"path": "app", "limit": 1})).json()
        assert [e["name"] for e in page["entries"]] == ["other.log"] and page["next_cursor"]
        params = {"path": "app", "limit": 1, "cursor": page["next_cursor"]}
        rest = (await viewer.get(files_of(agent), params=params)).json()
        [entry] = rest["entries"]
        assert (entry["name"], entry["shipped"], entry["task_status"]) == (
            "service.log", True, "succeeded",
        )  # fmt: skip
        assert entry["task_id"] and entry["path"] == f"{root}/app/service.log"

        tail = await viewer.get(f"{files_of(agent)}/tail", params={"path": "app/service.log",
                                                                   "lines": 2})  # fmt: skip
        assert tail.status_code == 200, tail.text
        assert tail.json()["lines"] == ["INFO step 300", "ERROR db password=*** refused"]

        params = {"path": "app/service.log", "q": r"step 2\d\d$", "regex": "true", "limit": 5}
        search = (await viewer.get(f"{files_of(agent)}/search", params=params)).json()
        assert [m["line"] for m in search["matches"]] == [200, 201, 202, 203, 204]
        assert search["stopped_by"] == "matches"
        probe = {"path": "app/service.log", "q": "password=s3"}
        assert (await viewer.get(f"{files_of(agent)}/search", params=probe)).json()["matches"] == []

        refused = await viewer.post(f"{files_of(agent)}:upload", json={"path": "app/other.log"})
        assert refused.status_code == 403, refused.text
        upload = await api.post(f"{files_of(agent)}:upload", json={"path": "app/service.log"})
        assert upload.status_code in (200, 201), upload.text
        assert upload.json()["status"] == "existing"

        analysis = await api.post(f"{files_of(agent)}:analyze", json={"path": "app/service.log"})
        assert analysis.status_code == 200, analysis.text
        body = analysis.json()
        assert body["severity"] and body["summary"] and "s3cret" not in str(body)


async def test_bad_paths_binary_files_and_patterns_get_clear_errors(
    database: str, running: Agent, app: FastAPI, inbox: Path, settings: Settings, tmp_path: Path
) -> None:
    agent = settings.agent.id
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.log").write_text("not yours\n")
    os.symlink(outside, inbox / "escape")
    (inbox / "core.bin").write_bytes(b"\x7fELF\0\0\0binary\n")
    (inbox / "wide.log").write_bytes(b"w" * 3_000_000 + b"\nlast\n")
    (inbox / "evil.log").write_text("a" * 100_000 + "!\n")
    async with client(app, database) as api:
        await register(api, agent, inbox)
        files = files_of(agent)

        listing = (await api.get(files, params={"path": root_of(inbox)})).json()
        assert {"name": "escape", "type": "link_out"}.items() <= next(
            e for e in listing["entries"] if e["name"] == "escape"
        ).items()
        for path in ("/etc", "../x", "/etc/passwd"):
            response = await api.get(f"{files}/tail", params={"path": path})
            assert (response.status_code, code(response)) == (422, "invalid_path"), path
        escape = await api.get(f"{files}/tail", params={"path": "escape/secret.log"})
        assert (escape.status_code, code(escape)) == (422, "invalid_path")
        assert str(outside) not in escape.text
        binary = await api.get(f"{files}/tail", params={"path": "core.bin"})
        assert (binary.status_code, code(binary)) == (422, "binary_file")
        missing = await api.get(f"{files}/tail", params={"path": "nope.log"})
        assert (missing.status_code, code(missing)) == (404, "not_found")
        wide = (await api.get(f"{files}/tail", params={"path": "wide.log"})).json()
        assert wide["lines"][-1] == "last" and wide["partial"]
        too_many = await api.get(f"{files}/tail", params={"lines": 99999, "path": "x"})
        assert too_many.status_code == 422

        started = time.monotonic()
        params = {"path": "evil.log", "q": "(a+)+$", "regex": "true"}
        evil = await api.get(f"{files}/search", params=params)
        assert evil.status_code == 200 and evil.json()["matches"] == []
        assert time.monotonic() - started < 10
        params = {"path": "evil.log", "q": "(a)\\1", "regex": "true"}
        backref = await api.get(f"{files}/search", params=params)
        assert (backref.status_code, code(backref)) == (422, "invalid_pattern")
        unknown = await api.get(files_of("no-such-agent"), params={"path": "x"})
        assert unknown.status_code == 404


async def test_an_offline_agent_is_a_503(
    database: str, central_worker: None, app: FastAPI, inbox: Path
) -> None:
    async with client(app, database) as api:
        await register(api, "ghost", inbox)
        response = await api.get(files_of("ghost"), params={"path": root_of(inbox)})
    assert (response.status_code, code(response)) == (503, "agent_offline")


async def test_follow_streams_new_lines_until_its_time_cap_and_limits_viewers(
    database: str, running: Agent, app: FastAPI, inbox: Path, settings: Settings
) -> None:
    agent = settings.agent.id
    log = inbox / "follow.log"
    log.write_text("old line\n")
    limits: FollowLimits = app.state.follow_limits
    async with client(app, database) as api, client(app, database, Role.viewer) as viewer:
        await register(api, agent, inbox)
        url = f"{files_of(agent)}/follow"

        async def writer() -> None:
            for i in range(5):
                await asyncio.sleep(0.3)
                with log.open("a") as handle:
                    handle.write(f"new {i} token=abc\n")

        async def follow() -> httpx.Response:
            return await viewer.get(url, params={"path": "follow.log"}, timeout=30)

        followers = [asyncio.create_task(follow()) for _ in range(2)]
        await eventually(lambda: limits.running.get(agent) == 2, 20, "two follows open")
        [polls] = app.state.follow_hub.agents.values()  # one shared poll for both
        [feed] = polls.feeds.values()
        assert len(feed.viewers) == 2
        flood = await viewer.get(url, params={"path": "follow.log"})
        assert (flood.status_code, code(flood)) == (429, "too_many_follows")
        await writer()
        answers = await asyncio.gather(*followers)
        await eventually(lambda: not limits.running, 5, "follows released")
        await eventually(lambda: not app.state.follow_hub.agents, 5, "the poll stopped")
    for answer in answers:
        assert answer.status_code == 200
        text = answer.text
        assert "event: lines" in text and "new 4 token=***" in text and "abc" not in text
        assert "old line" not in text  # a follow starts at the end
        assert text.rstrip().splitlines()[-2] == "event: end"  # the time cap
