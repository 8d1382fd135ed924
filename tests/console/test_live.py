"""Live updates in real Chromium: a task's status changes on screen, in its detail and in the
list, without a reload and without polling (the page's one event stream says what changed)."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Request, expect
from sqlalchemy import Engine, update
from sqlmodel import col

from api.routes import events
from store.db import make_engine
from store.models import Role, Task, TaskStatus, utcnow
from tests.api.seeding import seed_task
from tests.api.tokens import issue_token
from tests.console.conftest import NewPage


def set_status(engine: Engine, task_id: str, status: TaskStatus) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(Task).where(col(Task.id) == task_id).values(status=status, updated_at=utcnow())
        )


async def test_a_status_change_shows_without_reload_or_polling(
    api_url: str, database: str, new_page: NewPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "STREAM_SECONDS", 3.0)  # the page lives through reconnects
    engine = make_engine(database)
    task_id = seed_task(engine, utcnow(), "running")
    page = await new_page()
    fetches: list[str] = []

    def count(request: Request) -> None:
        if f"/api/v1/tasks/{task_id}" in request.url:
            fetches.append(request.url)

    page.on("request", count)
    await page.goto(f"{api_url}/tasks/{task_id}#token=" + issue_token(database, Role.viewer))
    badge = page.locator(".page-title .badge")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(task_id)
    await expect(badge).to_have_text("running")
    await expect(page.get_by_test_id("live")).to_have_text("Live")
    await page.evaluate("window.stillTheSamePage = true")
    # The stream's first look replays the last seconds' changes (this task's creation among
    # them: at least once), which may refetch it once more; so does a stream's resumption.
    await asyncio.sleep(2)

    settled = len(fetches)
    await asyncio.sleep(4)  # the old console refetched an unfinished task every 3 s
    assert len(fetches) == settled, fetches

    set_status(engine, task_id, TaskStatus.succeeded)
    await expect(badge).to_have_text("succeeded")
    assert await page.evaluate("window.stillTheSamePage") is True  # not reloaded
    assert len(fetches) == settled + 1  # one refetch, caused by the event
    set_status(engine, task_id, TaskStatus.failed)
    await expect(badge).to_have_text("failed")
    await expect(page.get_by_test_id("live")).to_have_text("Live")

    # The list follows too: a new task appears on the first page by itself.
    await page.get_by_role("navigation").get_by_role("link", name="Tasks").click()
    await expect(page.locator("table.tasks tbody tr")).to_have_count(1)
    seed_task(engine, utcnow(), "failed", error_class="network")
    await expect(page.locator("table.tasks tbody tr")).to_have_count(2)
    engine.dispose()
