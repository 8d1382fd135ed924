"""Annotated dependencies the routes declare: a DB session, the settings, a Temporal client."""

from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from sluice.logs.temporal import LogContextInterceptor
from sluice.settings import Settings

T = TypeVar("T")


# Async because they do no I/O: FastAPI runs a sync dependency in a worker thread, a hop that
# costs more than these do.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


async def read_in_session(engine: Engine, work: Callable[[Session], T]) -> T:
    """`work(session)` in one worker thread, on an autocommit session opened and closed there.

    For hot read-only routes: one thread hop where a sync route with `SessionDep` takes three
    (opening the session, the route, closing it). Autocommit spares PostgreSQL's BEGIN and
    ROLLBACK round trips; each statement reads its own snapshot, as under READ COMMITTED.
    """

    def run() -> T:
        with Session(engine) as session:
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            return work(session)

    return await run_in_threadpool(run)


async def get_temporal(request: Request) -> Client:
    """The app's Temporal client, connected on first use (the API starts without Temporal)."""
    return await temporal_client(request.app.state)


async def temporal_client(state: Any) -> Client:
    """`state.temporal`, made lazily (connecting on its first call) the first time."""
    if getattr(state, "temporal", None) is None:
        settings: Settings = state.settings
        cfg = settings.temporal
        api_key = cfg.api_key.get_secret_value() if cfg.api_key else None
        state.temporal = await Client.connect(
            cfg.address,
            namespace=cfg.namespace,
            tls=cfg.tls,
            api_key=api_key,
            lazy=True,
            interceptors=[LogContextInterceptor()],
        )
    client: Client = state.temporal
    return client


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
