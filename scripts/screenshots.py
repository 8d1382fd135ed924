"""The README's console screenshots: the Overview and a Task detail, on a seeded stack.

    PYTHONPATH=. .venv/bin/python scripts/screenshots.py [--out docs/images]

Seeds a metadata DB with the benchmark's tasks (bench/api_seed.py) over the last 30 days,
a few agents, and one heap dump's two runs with every step recorded (a failed first run, a
retry whose upload took two attempts, an analysis); serves it with `sluice api` and the built
console (`npm --prefix ui run build` first), and saves PNGs taken by Debian's chromium.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from playwright.async_api import async_playwright
from rich.progress import Progress
from sqlmodel import Session

from bench import api_seed
from bench.console_stack import ConsoleStack, launch, serving, signed_in
from store.db import make_engine, migrate
from store.models import (
    Agent,
    AgentStatus,
    FileEvent,
    StepStatus,
    Task,
    TaskAttempt,
    TaskStatus,
    TaskStep,
    utcnow,
)

TASKS = 20_000
MAX_BYTES = 300 * 1024
ANALYSIS = {
    "summary": "The JVM ran out of heap while the order cache grew without bound; "
    "the last full GCs freed under 2 % each.",
    "severity": "high",
    "key_errors": ["java.lang.OutOfMemoryError: Java heap space", "GC overhead limit exceeded"],
    "causes": ["OrderCache holds 1.9 GB of retained entries (no eviction)"],
    "suggestions": [
        "Bound OrderCache (maximumSize or expireAfterWrite)",
        "Raise -Xmx to 6g until the fix ships",
    ],
    "confidence": 0.82,
    "used_lines": 4000,
    "truncated": False,
    "elapsed_ms": 6400,
    "retries": 0,
    "degraded": False,
    "error_class": "",
    "model": "qwen2.5-32b-instruct",
}


def seed(url: str) -> str:
    """The benchmark's tasks ending now, some agents, and a rich task; returns its id."""
    api_seed.END = utcnow()
    with Progress() as progress:
        api_seed.seed_sqlite(url, TASKS, progress)
    now = utcnow()
    engine = make_engine(url)
    with Session(engine) as session:
        for i, (name, status) in enumerate(
            [
                ("web-01", "online"),
                ("web-02", "online"),
                ("db-01", "online"),
                ("batch-01", "online"),
                ("edge-01", "offline"),
            ]
        ):
            session.add(
                Agent(
                    id=name, hostname=f"{name}.example.net", version="0.9.0",
                    roots=["/srv"], status=AgentStatus(status),
                    last_heartbeat_at=now - timedelta(seconds=5 + i * (3600 if i == 4 else 1)),
                )
            )  # fmt: skip
        task_id = _rich_task(session, now)
        session.commit()
    engine.dispose()
    return task_id


def _rich_task(session: Session, now: datetime) -> str:
    event = FileEvent(
        id="4be1c0ffee", dedup_key="4be1c0ffee", agent_id="web-01", host="web-01.example.net",
        root="/srv", rel_path="dumps/HeapDumps/java_pid48213.hprof", name="java_pid48213.hprof",
        size=2_147_483_648, mtime_ns=0, sha256="9f2c" * 16, detected_at=now - timedelta(minutes=9),
    )  # fmt: skip
    session.add(event)
    session.flush()
    first, second = "file-4be1c0ffee", "file-4be1c0ffee-r2"
    key = "web-01.example.net/dumps/HeapDumps/java_pid48213.hprof"
    t0 = now - timedelta(minutes=9)
    session.add(Task(
        id=first, workflow_id=first, run_id="a1", agent_id="web-01", rule_id=4, rule_version=2,
        status=TaskStatus.failed, size=event.size, error="step upload failed: connection reset",
        error_class="network", created_at=t0, started_at=t0, finished_at=t0 + timedelta(minutes=2),
        updated_at=t0, file_event_id=event.id,
    ))  # fmt: skip
    t1 = now - timedelta(minutes=5)
    session.add(Task(
        id=second, workflow_id=second, run_id="b2", agent_id="web-01", rule_id=4, rule_version=2,
        status=TaskStatus.succeeded, size=event.size, bucket="sluice", object_key=key,
        sha256="9f2c" * 16, created_at=t1, started_at=t1, finished_at=t1 + timedelta(seconds=95),
        updated_at=t1, retry_of=first, file_event_id=event.id,
    ))  # fmt: skip
    session.flush()
    _step(
        session, first, "upload", "upload", t0, [("failed", "network", "connection reset", 61_000)]
    )
    steps: list[tuple[str, str, list[tuple[str, str, str, int]], dict[str, str]]] = [
        ("upload", "upload", [("failed", "timeout", "no heartbeat for 30s", 30_000),
                              ("succeeded", "", "", 41_000)], {"parts": "256"}),
        ("verify", "verify", [("succeeded", "", "", 2_100)], {}),
        ("explain", "analyze", [("succeeded", "", "", 6_400)],
         {"analysis": json.dumps(ANALYSIS), "severity": "high",
          "summary": str(ANALYSIS["summary"])}),
        ("notify", "notify", [("succeeded", "", "", 350)], {"sent": "ops-dingtalk"}),
    ]  # fmt: skip
    at = t1
    for name, step_type, attempts, summary in steps:
        at = _step(session, second, name, step_type, at, attempts, summary)
    return second


def _step(
    session: Session,
    task_id: str,
    name: str,
    step_type: str,
    at: datetime,
    attempts: list[tuple[str, str, str, int]],
    summary: dict[str, str] | None = None,
) -> datetime:
    status, error_class, error, _ = attempts[-1]
    total = sum(ms for *_, ms in attempts)
    step = TaskStep(
        task_id=task_id, name=name, step_type=step_type, status=StepStatus(status),
        attempts=len(attempts),
        error=error, error_class=error_class, started_at=at,
        finished_at=at + timedelta(milliseconds=total), duration_ms=total, summary=summary or {},
    )  # fmt: skip
    session.add(step)
    session.flush()
    assert step.id is not None
    for number, (a_status, a_class, a_error, ms) in enumerate(attempts, 1):
        at += timedelta(milliseconds=ms)
        session.add(TaskAttempt(
            step_id=step.id, attempt=number, status=StepStatus(a_status), error_class=a_class,
            error=a_error, duration_ms=ms, recorded_at=at,
        ))  # fmt: skip
    return at


async def shoot(stack: ConsoleStack, task_id: str, out: Path) -> list[Path]:
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        state = await signed_in(browser, stack)
        context = await browser.new_context(
            storage_state=state, viewport={"width": 1280, "height": 900}, color_scheme="light"
        )
        page = await context.new_page()
        await page.goto(f"{stack.url}/overview")
        await page.locator("canvas").first.wait_for()
        await page.wait_for_load_state("networkidle")
        await page.wait_for_timeout(1500)  # the charts' entry animation
        shots = [out / "console-overview.png", out / "console-task-detail.png"]
        await page.screenshot(path=str(shots[0]))
        await page.goto(f"{stack.url}/tasks/{task_id}")
        await page.locator("ol.timeline li").first.wait_for()
        await page.get_by_role("button", name="Get download link").wait_for()
        # The top of the page, down to the steps: all of it is over the README's 300 KB.
        clip = {"x": 0, "y": 0, "width": 1280, "height": 1700}
        await page.screenshot(path=str(shots[1]), full_page=True, clip=clip)  # type: ignore[arg-type]
        await browser.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sluice-screenshots-") as tmp:
        url = f"sqlite:///{tmp}/sluice.db"
        migrate(url)
        task_id = seed(url)
        with serving(url, Path(tmp) / "api.log") as stack:
            shots = asyncio.run(shoot(stack, task_id, args.out))
    for shot in shots:
        size = shot.stat().st_size
        print(f"{shot}: {size / 1024:.0f} KB")
        if size > MAX_BYTES:
            raise SystemExit(f"{shot} is over {MAX_BYTES // 1024} KB")


if __name__ == "__main__":
    main()
