"""AlertWriter on SQLite and PostgreSQL: deliveries that wait while another is written share
one transaction, each keeping its own outcome; a delivery the write refuses fails alone."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError

from api.alert_auth import AlertSourceToken
from api.auth import hash_token
from api.errors import ApiError
from api.services.alert_writer import AlertWriter
from api.services.alerts_ingest import Delivery, Rejected, Taken, parse_postable, parsed
from sluice.alerts import fingerprint
from sluice.cli.servers import free_port
from store.alert_outbox import OutboxRow
from store.db import make_engine
from store.models import Alert, AlertEvent, Role, utcnow
from tests.api.tokens import issue_token


def body(*instances: str) -> bytes:
    return json.dumps(
        [{"labels": {"alertname": "Down", "instance": i}} for i in instances]
    ).encode()


def read(raw: bytes) -> Delivery | Rejected:
    return parsed(parse_postable, raw, utcnow())


def token(clear: str) -> AlertSourceToken:
    return AlertSourceToken(hash_token(clear), "POST /api/v2/alerts")


@pytest.fixture
async def writer(db_engine: Engine) -> AsyncIterator[tuple[AlertWriter, list[OutboxRow]]]:
    offered: list[OutboxRow] = []
    alert_writer = AlertWriter(db_engine, offered.extend)
    alert_writer.start()
    yield alert_writer, offered
    await alert_writer.stop()


@contextmanager
def alerts_held(engine: Engine) -> Iterator[None]:
    """Another transaction that keeps the writer from inserting alerts until it ends."""
    with engine.connect() as conn, conn.begin() as transaction:
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE alerts IN SHARE ROW EXCLUSIVE MODE"))
        else:  # SQLite has one writer at a time
            conn.execute(text("UPDATE api_tokens SET name = name"))
        yield
        transaction.rollback()


def count(engine: Engine, model: type[Alert] | type[AlertEvent]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


async def test_deliveries_that_wait_together_share_a_transaction_and_keep_their_outcomes(
    db_url: str, db_engine: Engine, writer: tuple[AlertWriter, list[OutboxRow]]
) -> None:
    alert_writer, offered = writer
    source = token(issue_token(db_url, Role.alert_source, "prom"))
    viewer = token(issue_token(db_url, Role.viewer))
    with alerts_held(db_engine):  # the first delivery waits on the lock, the rest queue
        first = asyncio.create_task(alert_writer.take(source, body("a"), read(body("a"))))
        await asyncio.sleep(0)
        waiting = [
            alert_writer.take(sender, raw, read(raw))
            for sender, raw in [
                (source, body("b", "c")),
                (viewer, body("d")),  # a role that may not post
                (source, b'[{"labels": {}}]'),  # no label
                (source, body("b", "e")),  # b again: deduplicated
                (token("sluice_unknown"), b"[}"),  # unknown: 401 before its body is judged
            ]
        ]
        later = [asyncio.ensure_future(one) for one in waiting]
        await asyncio.sleep(0)
    outcomes = await asyncio.gather(first, *later, return_exceptions=True)

    assert alert_writer.transactions <= 2  # six deliveries, at most two transactions
    taken = [o for o in outcomes if isinstance(o, Taken)]
    assert [t.counts for t in taken] == [
        {"received": 1, "deduplicated": 0},
        {"received": 2, "deduplicated": 0},
        {"received": 2, "deduplicated": 1},
    ]
    assert {t.principal.name for t in taken} == {"prom"}
    refused = [o for o in outcomes if not isinstance(o, Taken)]
    assert [type(o) for o in refused] == [ApiError, Rejected, ApiError]
    assert isinstance(refused[0], ApiError) and refused[0].status_code == 403
    assert isinstance(refused[1], Rejected) and refused[1].reason == "invalid"
    assert isinstance(refused[2], ApiError) and refused[2].status_code == 401
    assert count(db_engine, Alert) == 4 and count(db_engine, AlertEvent) == 4  # a, b, c, e
    changed = sorted(fingerprint({"alertname": "Down", "instance": i}) for i in "abce")
    assert sorted(fp for row in offered for fp in row.fingerprints) == changed  # b told once


async def test_a_delivery_the_write_refuses_fails_alone(
    db_url: str, db_engine: Engine, writer: tuple[AlertWriter, list[OutboxRow]]
) -> None:
    """The shared transaction fails; each delivery is written again alone, so only the one
    that cannot be stored (here an annotation JSON cannot hold) fails."""
    alert_writer, _ = writer
    source = token(issue_token(db_url, Role.alert_source))

    good = read(body("z"))
    assert isinstance(good, Delivery)
    bad = replace(good.alerts[0], annotations={"set": {1, 2}})  # type: ignore[dict-item]
    unstorable = replace(good, alerts=[bad])
    with alerts_held(db_engine):
        first = asyncio.create_task(alert_writer.take(source, body("x"), read(body("x"))))
        await asyncio.sleep(0)
        later = [
            asyncio.ensure_future(alert_writer.take(source, raw, delivery))
            for raw, delivery in [(body("y"), read(body("y"))), (body("z"), unstorable),
                                  (body("w"), read(body("w")))]
        ]  # fmt: skip
        await asyncio.sleep(0)
    outcomes: Sequence[object] = await asyncio.gather(first, *later, return_exceptions=True)

    assert [isinstance(o, Taken) for o in outcomes] == [True, True, False, True]
    assert "set" in str(outcomes[2])  # what could not be stored, by name
    assert count(db_engine, Alert) == 3  # x, y, w


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_an_unreachable_database_fails_the_waiting_deliveries_at_once(
    backend: str, tmp_path: Path
) -> None:
    """Not written one by one against a database that is not there: one attempt, and every
    POST waiting on it answered with the error."""
    url = (
        f"sqlite:///{tmp_path}"  # a directory: SQLite cannot open it
        if backend == "sqlite"
        else f"postgresql://sluice@127.0.0.1:{free_port()}/sluice"  # nothing listens
    )
    engine = make_engine(url)
    alert_writer = AlertWriter(engine, lambda rows: None)
    alert_writer.start()
    try:
        raws = [body(instance) for instance in "abc"]
        outcomes = await asyncio.gather(
            *(alert_writer.take(token("sluice_any"), raw, read(raw)) for raw in raws),
            return_exceptions=True,
        )
    finally:
        await alert_writer.stop()
        engine.dispose()
    assert all(isinstance(outcome, OperationalError) for outcome in outcomes), outcomes
    assert alert_writer.transactions == 1
