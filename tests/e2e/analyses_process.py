"""A fresh process that serves the worker's /metrics as `sluice worker` does (the default
registry on `pipeline.metrics_port`) and runs analyze activities when told on stdin:
`degraded N` (no LLM configured) or `llm N` (against the LLM at argv[2])."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from datetime import timedelta

from prometheus_client import start_http_server
from pydantic import SecretStr
from temporalio.testing import ActivityEnvironment

from activities.analyze.central import AnalyzeActivities
from activities.analyze.excerpt import excerpt_lines
from sluice.actions import AnalyzeRequest, ExcerptRequest
from sluice.settings import AiSettings

LOG = [
    "2026-11-20 10:03:25,871 ERROR [exec-3] c.e.ReportController - request failed",
    "java.lang.OutOfMemoryError: Java heap space",
]


async def main(port: int, llm_url: str) -> None:
    start_http_server(port, addr="127.0.0.1")
    excerpt = excerpt_lines(LOG, ExcerptRequest("/", "app.log", 0, 0))
    kinds = {
        "degraded": AnalyzeActivities(AiSettings()),
        "llm": AnalyzeActivities(AiSettings(base_url=llm_url, api_key=SecretStr("sk-test"))),
    }
    env = ActivityEnvironment()
    timeout = timedelta(seconds=60)
    env.info = replace(env.info, start_to_close_timeout=timeout, schedule_to_close_timeout=None)
    print("ready", flush=True)
    for line in sys.stdin:
        kind, count = line.split()
        for _ in range(int(count)):
            await env.run(kinds[kind].analyze_excerpt, AnalyzeRequest("app.log", excerpt))
        print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
