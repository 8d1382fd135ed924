"""The least a FastAPI receiver can spend on an alert webhook it answers only once the alerts
are on disk: `bench/alerts.py`'s `bare route` side.

    python -m bench.alerts_bare PORT POSTGRESQL_DSN

One async route, served by uvicorn in its own process as `sluice api` is: no middleware, auth
or validation, no ORM and no worker thread. It parses the JSON, writes the webhook's alerts
with one `INSERT` on a pooled async connection and commits (fsync'd), then answers. Sluice
minus this is what its own work per delivery costs; this minus the durable-write floor is
what HTTP and Python's one process cost.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
import uvicorn
from fastapi import FastAPI, Request, Response

POOL = 10  # as Sluice's pool (store/db.py)


def bare_app(dsn: str) -> FastAPI:
    pool: asyncio.Queue[psycopg.AsyncConnection] = asyncio.Queue()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS bench_bare (id bigserial PRIMARY KEY, body jsonb)"
            )
        for _ in range(POOL):
            pool.put_nowait(await psycopg.AsyncConnection.connect(dsn))
        yield
        while not pool.empty():
            await pool.get_nowait().close()

    app = FastAPI(openapi_url=None, lifespan=lifespan)

    @app.get("/readyz")
    async def ready() -> Response:
        return Response("ok")

    @app.post("/alerts")
    async def alerts(request: Request) -> Response:
        received = json.loads(await request.body())["alerts"]
        conn = await pool.get()
        try:
            await conn.execute(
                "INSERT INTO bench_bare (body) SELECT value FROM jsonb_array_elements(%s)",
                (json.dumps(received),),
            )
            await conn.commit()
        finally:
            pool.put_nowait(conn)
        body = json.dumps({"received": len(received)})
        return Response(body, media_type="application/json")

    return app


if __name__ == "__main__":
    port, dsn = int(sys.argv[1]), sys.argv[2]
    uvicorn.run(bare_app(dsn), host="127.0.0.1", port=port, http="httptools", log_level="warning")
