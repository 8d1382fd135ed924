"""Process plumbing shared by the commands: logging, Temporal connection, signal handling,
the garbage collector."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import NoReturn

from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from sluice.contracts import ERROR_CLASSES
from sluice.logs import LogFormat
from sluice.logs import setup_logging as _setup_logging
from sluice.logs.temporal import LogContextInterceptor
from sluice.settings import TemporalSettings

log = logging.getLogger("sluice")


def setup_logging(level: str = "INFO", log_format: str = LogFormat.text) -> None:
    """Log lines in `log_format` with their context ids (sluice.logs)."""
    _setup_logging(level, log_format)
    activity_log = logging.getLogger("temporalio.activity")
    if _expected_failures not in activity_log.filters:
        activity_log.addFilter(_expected_failures)


def _expected_failures(record: logging.LogRecord) -> bool:
    """Drop the SDK's traceback for a step failure Sluice classified (ApplicationError with a
    known error class): FileWorkflow logs each failed attempt in one line. Tracebacks stay
    for everything else, which is a bug."""
    error = record.exc_info[1] if record.exc_info else None
    return not (
        isinstance(error, ApplicationError)
        and error.type in ERROR_CLASSES
        and error.type != "unknown"
    )


def return_big_buffers_to_the_os() -> None:
    """Make glibc hand multi-MiB upload buffers back instead of keeping them per thread.

    Uploads allocate part-sized buffers on several threads; by default glibc raises its mmap
    threshold after the first free and keeps such buffers in per-thread arenas, so the
    agent's memory only grows. A fixed threshold and two arenas keep it flat.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc: nothing to tune
    m_mmap_threshold, m_arena_max = -3, -8
    libc.mallopt(m_mmap_threshold, 1024 * 1024)
    libc.mallopt(m_arena_max, 2)


async def connect_temporal(cfg: TemporalSettings, *, attempts: int = 30) -> Client:
    """Connect, retrying for a while: Temporal may still be starting."""
    api_key = cfg.api_key.get_secret_value() if cfg.api_key else None
    delay = 0.5
    for attempt in range(1, attempts + 1):
        try:
            return await Client.connect(
                cfg.address,
                namespace=cfg.namespace,
                tls=cfg.tls,
                api_key=api_key,
                interceptors=[LogContextInterceptor()],
            )
        except RuntimeError as exc:
            if attempt == attempts:
                raise SystemExit(
                    f"cannot reach Temporal at {cfg.address} ({exc}); "
                    "check SLUICE_TEMPORAL__ADDRESS and that the server is up"
                ) from None
            log.warning("Temporal at %s not reachable yet (%s); retrying", cfg.address, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
    raise AssertionError("unreachable")


async def run_until_signal(
    main: Callable[[], Awaitable[None]],
    *,
    grace: float,
    stopping: str = "stopping (running work gets %.0fs)",
) -> None:
    """Run `main` until it ends or SIGINT/SIGTERM arrives, then cancel it and wait.

    A signal logs `stopping` (given `grace`) and arms a watchdog: if the process has not
    ended `grace` + 15 s later (a thread that never returns), it exits anyway.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(main())

    def stop() -> None:
        log.info(stopping, grace)
        task.cancel()
        timer = threading.Timer(grace + 15, _too_slow)
        timer.daemon = True
        timer.start()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        await task
    except asyncio.CancelledError:
        log.info("stopped")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def exit_process(code: int = 0) -> NoReturn:
    """End the process now, skipping the interpreter's teardown.

    That teardown garbage-collects the Temporal SDK's native runtime, whose drop can wait
    forever for a native thread that needs the GIL (a signal had cancelled an RPC in
    flight): the process logged `stopped` and never exited. Everything worth keeping is
    committed or flushed by then.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _too_slow() -> None:
    log.error("did not stop in time; exiting anyway")
    exit_process(3)


def freeze_startup_objects() -> None:
    """Keep what startup made (modules, models, routes, workflow definitions: most of the
    heap, alive as long as the process) out of the garbage collector's full collections.

    Requests and activities allocate many small containers (an alert storm's JSON bodies),
    which soon trigger a full collection; walking the whole heap took 270 ms in `sluice api`
    and 175-190 ms in `sluice worker`, a pause that everything waiting shared. Frozen objects
    are never collected, so this runs once startup is done (not in a test's process) and
    after one last collection.
    """
    gc.collect()
    gc.freeze()
