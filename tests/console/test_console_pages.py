"""The console in real Chromium against the real API: sign in, watch a dropped file succeed,
open it; filters in the URL; roles see only their buttons; a 403 is shown; sign-out and a
revoked token end the session; the language is remembered."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Page, expect
from sqlmodel import Session

from api.auth import find_token, revoke_token
from store.db import make_engine
from store.models import Role, utcnow
from tests.api.seeding import seed_task
from tests.api.tokens import issue_token
from tests.console.conftest import PHONE, NewPage
from tests.e2e.flow import publish
from watcher.agent import Agent

FILE_FLOW_S = 90


async def sign_in_by_form(page: Page, token: str) -> None:
    await page.get_by_label("API token").fill(token)
    await page.get_by_role("button", name="Sign in").click()


async def test_sign_in_by_link_watch_a_file_succeed_and_open_it(
    running: Agent, api_url: str, database: str, inbox: Path, new_page: NewPage
) -> None:
    token = issue_token(database, Role.admin, "console-admin")
    page = await new_page()
    await page.goto(f"{api_url}/#token={token}")
    await expect(page.get_by_test_id("principal")).to_contain_text("console-admin")
    await expect(page.get_by_test_id("principal")).to_contain_text("admin")
    assert page.url == f"{api_url}/tasks"  # the token left the address bar at once
    cookies = await page.evaluate("document.cookie")
    assert token not in cookies and "sluice_csrf=" in cookies  # the session cookie is HttpOnly

    (inbox / "from-the-console.log").write_text("hello from the browser test\n")
    row = page.locator("table.tasks tbody tr", has_text="from-the-console.log")
    await expect(row).to_contain_text("succeeded", timeout=FILE_FLOW_S * 1000)

    # The filter goes into the URL, and the URL alone brings the view back.
    await page.get_by_label("Status").select_option("succeeded")
    await expect(page).to_have_url(re.compile(r"/tasks\?status=succeeded$"))
    await page.reload()
    await expect(page.get_by_label("Status")).to_have_value("succeeded")
    await expect(row).to_be_visible()

    await row.get_by_role("link").click()
    await expect(page).to_have_url(re.compile(r"/tasks/[^/?]+$"))
    task_id = page.url.rsplit("/", 1)[1]
    await expect(page.get_by_role("heading", level=1)).to_contain_text("from-the-console.log")
    for step in ("upload", "verify"):
        card = page.locator(f'li.step[data-step="{step}"]')
        await expect(card).to_contain_text("succeeded")
        await expect(card.locator("table.attempts tbody tr")).to_have_count(1)
    temporal = page.get_by_role("link", name=re.compile("Open in Temporal UI"))
    assert f"/workflows/{task_id}" in (await temporal.get_attribute("href") or "")
    # Finished and succeeded: nothing to retry or cancel, even for an admin.
    await expect(page.get_by_role("button", name="Retry")).to_have_count(0)
    await expect(page.get_by_role("button", name="Cancel task")).to_have_count(0)


async def test_an_operator_rejects_a_waiting_file_with_a_comment(
    running: Agent, api_url: str, database: str, inbox: Path, new_page: NewPage
) -> None:
    pipeline = [{"upload": {}}, {"approve": {"timeout": "5m"}}]
    rule_id = publish(
        database,
        {"name": "held", "priority": 10, "match": {"suffixes": [".bin"]}, "pipeline": pipeline},
    )
    page = await new_page()
    token = issue_token(database, Role.operator, "console-op")
    await page.goto(f"{api_url}/tasks?status=waiting_approval#token={token}")
    (inbox / "held.bin").write_bytes(b"\0" * 4096)
    row = page.locator("table.tasks tbody tr", has_text="held.bin")
    await expect(row).to_contain_text("waiting for approval", timeout=FILE_FLOW_S * 1000)

    await row.get_by_role("link").click()
    await expect(page.get_by_text(f"rule {rule_id}, version 1")).to_be_visible()
    await expect(page.get_by_role("button", name="Cancel task")).to_be_visible()
    await page.get_by_label("Comment").fill("not today")
    await page.get_by_role("button", name="Reject").click()
    await expect(page.get_by_text("Decision sent: approve rejected")).to_be_visible()
    title = page.locator(".page-title")
    await expect(title).to_contain_text("failed", timeout=FILE_FLOW_S * 1000)
    await expect(page.get_by_role("button", name="Retry")).to_be_visible()  # failed: retry


async def test_buttons_follow_the_role_and_a_refusal_is_shown(
    api_url: str, database: str, new_page: NewPage
) -> None:
    engine = make_engine(database)
    failed = seed_task(engine, utcnow(), "failed", error_class="network")
    running = seed_task(engine, utcnow(), "running")
    engine.dispose()

    viewer = await new_page(viewport=PHONE, color_scheme="dark")
    await viewer.goto(f"{api_url}/tasks/{failed}")
    await sign_in_by_form(viewer, issue_token(database, Role.viewer, "console-viewer"))
    await expect(viewer.get_by_test_id("principal")).to_contain_text("viewer")
    assert viewer.url == f"{api_url}/tasks/{failed}"  # signing in kept the page asked for
    mutating = viewer.get_by_role("button").filter(has_text=re.compile("Retry|Cancel"))
    for task_id in (failed, running):
        await viewer.goto(f"{api_url}/tasks/{task_id}")
        await expect(viewer.get_by_role("heading", level=1)).to_contain_text(task_id)
        await expect(viewer.get_by_text("No steps recorded yet.")).to_be_visible()
        await expect(mutating).to_have_count(0)

    operator = await new_page()
    await operator.goto(f"{api_url}/tasks/{failed}#token=" + issue_token(database, Role.operator))
    await expect(operator.get_by_role("button", name="Retry")).to_be_visible()
    await operator.goto(f"{api_url}/tasks/{running}")
    cancel = operator.get_by_role("button", name="Cancel task")
    await expect(cancel).to_be_visible()
    # Without its CSRF cookie a mutation is refused with 403, and the page says why.
    await operator.context.clear_cookies(name="sluice_csrf")
    await cancel.click()
    await operator.get_by_role("button", name="Yes, cancel it").click()
    await expect(operator.get_by_role("alert")).to_contain_text(
        "Not allowed: the sluice_csrf cookie is missing"
    )


async def test_sign_out_and_revocation_end_the_session(
    api_url: str, database: str, new_page: NewPage
) -> None:
    page = await new_page()
    await page.goto(f"{api_url}/tasks")
    await sign_in_by_form(page, issue_token(database, Role.operator, "console-op"))
    await expect(page.get_by_test_id("principal")).to_contain_text("console-op")

    await page.get_by_label("Language").select_option("zh-CN")
    await expect(page.get_by_role("link", name="任务")).to_be_visible()
    await page.reload()  # remembered
    await expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    await page.get_by_role("button", name="退出登录").click()
    await expect(page.get_by_label("API 令牌")).to_be_visible()
    assert not [c for c in await page.context.cookies() if c["name"] == "sluice_session"]
    await page.get_by_label("语言").select_option("en")

    token = issue_token(database, Role.operator, "revoked-op")
    await sign_in_by_form(page, token)
    await expect(page.get_by_test_id("principal")).to_contain_text("revoked-op")
    engine = make_engine(database)
    with Session(engine) as session:
        row = find_token(session, token)
        assert row is not None and row.id is not None
        revoke_token(session, token_id=row.id, actor="tests")
    engine.dispose()
    # The list refetches within seconds; its 401 ends the session in the page.
    await expect(page.get_by_text("Your session has ended")).to_be_visible()
