"""The least any FastAPI route can spend on a task page: `bench/api.py`'s `bare` side.

One async route and nothing else: no middleware, auth, query parameters or validation, no
SQLAlchemy and no worker thread. It runs the case's raw query on the driver, on the event
loop (which a real route must not do: one slow query would stall every request), and
answers the rows as JSON. `bare` minus `raw` is what serving a page in process costs at the
least; `api` minus `bare` is what Sluice's middleware, auth, validation, ORM and thread hop
add.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Response

from bench.api_cases import LIMIT, Raw


def bare_app(raw: Raw) -> FastAPI:
    """The app; set `app.state.query` to the (sql, args) of the case being measured."""
    app = FastAPI(openapi_url=None)
    app.state.query = ("", {})

    @app.get("/page")
    async def page() -> Response:
        sql, args = app.state.query
        body: dict[str, Any] = {"items": raw.dicts(sql, args)[:LIMIT]}
        return Response(json.dumps(body, default=str), media_type="application/json")

    return app
