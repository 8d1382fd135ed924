"""The console benchmark's (and the README screenshots') stack: a seeded metadata DB served by
`sluice api` as deployed, and a Chromium session signed in to it.

Only the API is started: the pages measured (task list, task detail) and the overview read
the metadata DB alone. Temporal and the object store are not asked (a finished task's detail
does not ask for progress, and a download link only when its button is pressed).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, Playwright
from sqlmodel import Session

from api.auth import create_token
from sluice.cli.servers import free_port, stop
from store.db import make_engine, migrate
from store.models import Role

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]  # fmt: skip


@dataclass(frozen=True)
class ConsoleStack:
    url: str
    token: str
    database_url: str


def admin_token(database_url: str, name: str = "bench-console") -> str:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            _, token = create_token(
                session, name=name, role=Role.admin, actor="bench", replace=True
            )
            session.commit()
            return token
    finally:
        engine.dispose()


@contextlib.contextmanager
def serving(database_url: str, log: Path) -> Iterator[ConsoleStack]:
    """`sluice api` on a free loopback port over `database_url` (migrated and seeded)."""
    migrate(database_url)
    token = admin_token(database_url)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    url = f"http://127.0.0.1:{port}"
    env |= {"SLUICE_DATABASE_URL": database_url, "SLUICE_API__HOST": "127.0.0.1",
            "SLUICE_API__PORT": str(port), "SLUICE_API__PUBLIC_URL": url}  # fmt: skip
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sluice.cli", "api"],
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=True,  # its own process group, which `stop` signals
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sluice api did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield ConsoleStack(url, token, database_url)
    finally:
        stop(proc)


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        raise SystemExit("Debian's chromium is needed: apt-get install chromium")
    return path


async def launch(playwright: Playwright) -> Browser:
    return await playwright.chromium.launch(
        executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
    )


async def signed_in(browser: Browser, stack: ConsoleStack) -> Any:
    """The session cookies of a signed-in browser, for fresh (cold-cache) contexts to reuse."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{stack.url}/#token={stack.token}")
    await page.get_by_test_id("principal").wait_for()
    state = await context.storage_state()
    await context.close()
    return state
