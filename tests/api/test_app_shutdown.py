"""The API's shutdown stops what it runs in the background, live follows included."""

import asyncio
from pathlib import Path
from typing import Any

from api.app import create_app
from api.services.follow_hub import FollowHub, QueueBounds
from sluice.settings import Settings


async def test_shutdown_stops_the_polls_of_live_follows(tmp_path: Path) -> None:
    reads = 0

    async def ask(agent_id: str, activity: str, arg: dict[str, Any]) -> dict[str, Any]:
        """The agent's answer to a first read, then to the shared polls: nothing new."""
        nonlocal reads
        reads += 1
        nothing = {"lines": [], "offset": 0, "inode": 1, "reset": False}
        return {"answers": [{"lines": nothing}] * len(arg["reads"])} if "reads" in arg else nothing

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/sluice.db"))
    async with app.router.lifespan_context(app):
        hub = app.state.follow_hub = FollowHub(ask, RuntimeError, 0.01, QueueBounds())
        viewer, _ = await hub.join(("web-01", "/var/log", "app.log"), 0, 1)
        async with asyncio.timeout(10):
            while reads < 3:  # the agent's poll runs
                await asyncio.sleep(0.01)
        (polls,) = hub.agents.values()
    assert polls.task is not None and polls.task.done()
    stopped_at = reads
    await asyncio.sleep(0.05)
    assert reads == stopped_at  # nothing asks the agent after shutdown
    viewer.leave()
