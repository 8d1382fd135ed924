"""Console load times: the task list and a task's detail in real Chromium, against the same
API calls fetched as raw JSON, on a metadata DB of 1,000,000 tasks.

    .venv/bin/python -m bench.console                    # 1,000,000 tasks, ~6 min to seed
    .venv/bin/python -m bench.console --tasks 20000 --repeats 10   # quick check

The DB is SQLite (the embedded stack's), migrated and seeded like bench/api.py's
(`bench/api_seed.py`); `sluice api` serves it with the built console (`npm --prefix ui run
build` first). Debian's `chromium` is driven by Playwright; nothing is downloaded.

Each case is loaded `--warm-up` + `--repeats` times each way, alternating which goes first,
each time in a fresh browser context (an empty HTTP cache: a cold load) holding the session
cookie of one sign-in:
- **page**: navigate to the page and wait until it is usable: the list's 50 rows with their
  links, or the detail's heading and its file's timeline; timed in the page, from navigation
  start (`performance.now()` when a MutationObserver sees the last piece appear).
- **raw**: the same API calls the page made until it was usable (recorded on its first load;
  the event stream excepted), fetched in the fewest waves the data allows (the list's all at
  once; the detail's task and session, then its file), each body read as JSON, from a page
  of the same origin (`/healthz`) in an equally fresh context.
- **next page**: on a loaded list, press Next until the new rows show, against fetching that
  page's one API call.
Reported: p50 / p95 ms per side and page p50 / raw p50 (target <= 2x), and the JavaScript the
first list load transferred, as served and gzipped (level 6; target < 300 KB gzip).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, Page, Request, async_playwright
from rich.progress import Progress
from rich.table import Table

from bench.api_report import console, progress_bar
from bench.api_seed import seed_sqlite
from bench.console_stack import ConsoleStack, launch, serving, signed_in
from store.db import migrate

TARGET_RATIO, TARGET_JS_KB = 2.0, 300.0
ROWS = 50  # the list's page size (ui/src/tasks/filters.ts PAGE_SIZE)
ROWS_SHOWN = f"document.querySelectorAll('table.tasks tbody tr a').length >= {ROWS}"
READY = {
    "list": ROWS_SHOWN,
    "detail": "!!document.querySelector('h1') && !!document.querySelector('ol.timeline li')",
}
# Records when `ready` first holds, from navigation start; runs before any page script (and
# is not subject to the console's Content-Security-Policy, which forbids eval).
OBSERVE = """new MutationObserver(() => {
  if (window.__ready === undefined && (%s)) window.__ready = performance.now();
}).observe(document, { subtree: true, childList: true });"""
WAIT_READY = "() => window.__ready !== undefined"
NAVIGATED = "performance.getEntriesByType('navigation')[0].responseEnd"
# The calls in waves as the page makes them: each wave's calls at once, after the last wave.
RAW = """async (waves) => {
  const t0 = performance.now();
  for (const wave of waves) await Promise.all(wave.map(async (url) => (await fetch(url)).json()));
  return performance.now() - t0;
}"""


@dataclass
class Case:
    name: str
    page_ms: list[float] = field(default_factory=list)
    raw_ms: list[float] = field(default_factory=list)
    nav_ms: list[float] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def row(self) -> list[str]:
        p, r = pct(self.page_ms), pct(self.raw_ms)
        ratio = p[50] / r[50]
        verdict = "ok" if ratio <= TARGET_RATIO else "over"
        floor = "-"
        if self.nav_ms:  # no page can be usable before its document arrived and its data
            floor = f"{(statistics.median(self.nav_ms) + r[50]) / r[50]:.2f}x"
        return [self.name, f"{len(self.calls)}", f"{p[50]:.0f}", f"{p[95]:.0f}", f"{r[50]:.0f}",
                f"{r[95]:.0f}", f"{ratio:.2f}x", floor, verdict]  # fmt: skip


def pct(values: list[float]) -> dict[int, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {50: statistics.median(values), 95: q[94]}


def api_calls(page: Page) -> list[str]:
    """The API calls `page` makes from now on, in order (the event stream excepted)."""
    calls: list[str] = []

    def seen(request: Request) -> None:
        if "/api/v1/" in request.url and "/api/v1/events" not in request.url:
            calls.append(request.url)

    page.on("request", seen)
    return calls


async def load(browser: Browser, state: Any, url: str, ready: str) -> tuple[float, list[str], Page]:
    context = await browser.new_context(
        storage_state=state, viewport={"width": 1280, "height": 800}
    )
    page = await context.new_page()
    await page.add_init_script(OBSERVE % ready)
    calls = api_calls(page)
    await page.goto(url, wait_until="commit")
    await page.wait_for_function(WAIT_READY, timeout=60_000)
    return float(await page.evaluate("window.__ready")), list(calls), page


def waves(name: str, calls: list[str]) -> list[list[str]]:
    """The page's waterfall at its shortest: the list asks for its rows and the session at
    once (ui/src/tasks/prefetch.ts); the detail asks for its file only once it has the task."""
    if name == "detail":
        first = [call for call in calls if "/file-events/" not in call]
        return [first, [call for call in calls if call not in first]]
    return [calls]


async def raw(
    browser: Browser, state: Any, stack: ConsoleStack, calls: list[list[str]]
) -> tuple[float, float]:
    """The calls' time, and how long the cold navigation to the blank page took until its
    document had arrived (`responseEnd`): what any page pays before it can show anything."""
    context = await browser.new_context(storage_state=state)
    page = await context.new_page()
    await page.goto(f"{stack.url}/healthz")
    nav = float(await page.evaluate(NAVIGATED))
    ms = float(await page.evaluate(RAW, calls))
    await context.close()
    return ms, nav


# From the click's dispatch in the page (not from Playwright's call, whose own checks and round
# trips are not the page's) to the new rows being shown, both seen in the page.
WATCH_NEXT = """(first) => {
  window.__clicked = window.__shown = undefined;
  document.addEventListener("click", () => { window.__clicked = performance.now(); },
                            { capture: true, once: true });
  const observer = new MutationObserver(() => {
    const row = document.querySelector("table.tasks tbody tr");
    if (row && row.innerText !== first && (SHOWN)) {
      window.__shown = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { subtree: true, childList: true, characterData: true });
}""".replace("SHOWN", ROWS_SHOWN)


async def next_page(page: Page) -> tuple[float, list[str]]:
    first = await page.locator("table.tasks tbody tr").first.inner_text()
    await page.evaluate(WATCH_NEXT, first)
    calls = api_calls(page)
    await page.get_by_role("button", name="Next").click()
    await page.wait_for_function("() => window.__shown !== undefined", timeout=60_000)
    return float(await page.evaluate("window.__shown - window.__clicked")), calls


async def js_transferred(browser: Browser, state: Any, url: str) -> tuple[int, int]:
    """Bytes of JavaScript a cold list load fetched: as served, and gzipped (level 6)."""
    context = await browser.new_context(storage_state=state)
    page = await context.new_page()
    bodies: list[Any] = []
    page.on("response", lambda r: bodies.append(r) if r.url.endswith(".js") else None)
    await page.add_init_script(OBSERVE % READY["list"])
    await page.goto(url, wait_until="commit")
    await page.wait_for_function(WAIT_READY, timeout=60_000)
    await page.wait_for_load_state("networkidle")
    served = zipped = 0
    for response in bodies:
        body = await response.body()
        served += len(body)
        zipped += len(gzip.compress(body, compresslevel=6))
    await context.close()
    return served, zipped


async def measure(stack: ConsoleStack, args: argparse.Namespace, progress: Progress) -> None:
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        state = await signed_in(browser, stack)
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {stack.token}"}) as c:
            first = (await c.get(f"{stack.url}/api/v1/tasks", params={"limit": ROWS})).json()
        task_id = first["items"][ROWS // 5]["id"]
        urls = {"list": f"{stack.url}/tasks", "detail": f"{stack.url}/tasks/{task_id}"}
        cases = {name: Case(f"{name} (cold load)") for name in urls} | {"next": Case("list: Next")}
        total = (args.warm_up + args.repeats) * len(cases)
        bar = progress.add_task("loading pages in Chromium", total=total)
        for i in range(args.warm_up + args.repeats):
            keep = i >= args.warm_up
            for name, url in urls.items():
                page_first, case = i % 2 == 0, cases[name]
                if not page_first and case.calls:
                    raw_ms, nav_ms = await raw(browser, state, stack, waves(name, case.calls))
                ms, calls, page = await load(browser, state, url, READY[name])
                case.calls = case.calls or calls
                if page_first or not case.calls:
                    raw_ms, nav_ms = await raw(browser, state, stack, waves(name, case.calls))
                if name == "list":
                    next_ms, next_calls = await next_page(page)
                    cases["next"].calls = cases["next"].calls or next_calls
                    next_raw, _ = await raw(browser, state, stack, [cases["next"].calls])
                    if keep:
                        cases["next"].page_ms.append(next_ms)
                        cases["next"].raw_ms.append(next_raw)
                    progress.advance(bar)
                await page.context.close()
                if keep:
                    cases[name].page_ms.append(ms)
                    cases[name].raw_ms.append(raw_ms)
                    cases[name].nav_ms.append(nav_ms)
                progress.advance(bar)
            if not console.is_terminal:  # the bars only show on a terminal
                console.print(f"loads: {i + 1} of {args.warm_up + args.repeats} per case")
        served, zipped = await js_transferred(browser, state, urls["list"])
        await browser.close()
    report(list(cases.values()), served, zipped, args)


def report(cases: list[Case], served: int, zipped: int, args: argparse.Namespace) -> None:
    head = ["case", "API calls", "page p50 ms", "page p95 ms", "raw p50 ms", "raw p95 ms",
            "page / raw (p50)", "floor / raw", f"target <= {TARGET_RATIO:.0f}x"]  # fmt: skip
    rows = [case.row() for case in cases]
    js = f"{served / 1024:.0f} KB as served, {zipped / 1024:.0f} KB gzip"
    js += " (ok)" if zipped / 1024 < TARGET_JS_KB else f" (over {TARGET_JS_KB:.0f} KB)"
    title = f"{args.tasks:,} tasks, {args.repeats} loads per side (+{args.warm_up} warm-up)"
    if args.markdown:
        print(f"{title}\n")
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join(" ---: " for _ in head) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        print(f"\nInitial JavaScript of the task list: {js}.")
        return
    table = Table(*head, title=title)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(f"Initial JavaScript of the task list: {js}")
    for case in cases:
        console.print(f"  {case.name}: {', '.join(u.split('/api/v1/', 1)[1] for u in case.calls)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warm-up", type=int, default=2)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sluice-bench-console-") as tmp:
        url = f"sqlite:///{tmp}/sluice.db"
        with progress_bar() as progress:
            started = time.monotonic()
            migrate(url)
            console.print(f"seeding {args.tasks:,} tasks into SQLite ...")
            seed_sqlite(url, args.tasks, progress)
            console.print(f"seeded {args.tasks:,} tasks in {time.monotonic() - started:.0f} s")
            with serving(url, Path(tmp) / "api.log") as stack:
                asyncio.run(measure(stack, args, progress))


if __name__ == "__main__":
    main()
