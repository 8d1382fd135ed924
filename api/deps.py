"""Annotated dependencies the routes declare: a DB session, the settings, a Temporal client."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client

from sluice.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


async def get_temporal(request: Request) -> Client:
    """The app's Temporal client, connected on first use (the API starts without Temporal)."""
    state = request.app.state
    if getattr(state, "temporal", None) is None:
        cfg = get_settings(request).temporal
        api_key = cfg.api_key.get_secret_value() if cfg.api_key else None
        state.temporal = await Client.connect(
            cfg.address, namespace=cfg.namespace, tls=cfg.tls, api_key=api_key, lazy=True
        )
    client: Client = state.temporal
    return client


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
