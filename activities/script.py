"""The `script` step on the host: an allow-listed command, templated argv, no shell."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import time
from collections.abc import Sequence
from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.upload import checked_file
from sluice.actions import ScriptRequest, ScriptResult
from sluice.parameter_templates import render_template

_READ = 4096


class ScriptActivities:
    def __init__(self, roots: Sequence[Path], allow: Sequence[str]) -> None:
        self._roots = list(roots)
        self._allow = list(allow)

    @activity.defn(name="run_script")
    async def run_script(self, req: ScriptRequest) -> ScriptResult:
        """Run the command; a non-zero exit fails the step with its (bounded) output."""
        argv = self._argv(req)
        file = req.context.file
        await asyncio.to_thread(
            checked_file, self._roots, file.root, file.rel_path, file.size, file.mtime_ns
        )
        started = time.monotonic()
        env = {**os.environ, **self._rendered_env(req)}
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                cwd=req.cwd or None,
                env=env,
                start_new_session=True,  # its own process group, so a timeout kills it all
            )
        except OSError as exc:
            raise ApplicationError(
                f"cannot run {argv[0]}: {exc}", type="invalid_input", non_retryable=True
            ) from exc
        output = _Tail(req.max_output_bytes)
        try:
            await asyncio.wait_for(self._pump(proc, output), timeout=req.timeout_s)
        except (TimeoutError, asyncio.CancelledError) as exc:
            _kill(proc)
            await proc.wait()
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise ApplicationError(
                f"{argv[0]} did not finish within {req.timeout_s:g}s; killed",
                {"output": output.text()},
                type="timeout",
                non_retryable=False,
            ) from None
        code = await proc.wait()
        elapsed = int((time.monotonic() - started) * 1000)
        result = ScriptResult(code, output.text(), output.truncated, elapsed)
        if code != 0:
            raise ApplicationError(
                f"{argv[0]} exited with {code}: {output.text()[-500:]}",
                {"exit_code": code, "output": result.output, "truncated": result.truncated},
                type="action_failed",
                non_retryable=True,
            )
        return result

    def _argv(self, req: ScriptRequest) -> list[str]:
        values = req.context.values()
        try:
            argv = [render_template(arg, values) for arg in req.command]
        except (KeyError, IndexError, ValueError) as exc:
            raise ApplicationError(
                f"script arguments: {exc}", type="invalid_input", non_retryable=True
            ) from exc
        program = argv[0]
        if program not in self._allow:
            raise ApplicationError(
                f"{program!r} is not on this agent's allow-list (agent.script_allow: "
                f"{self._allow or 'empty'})",
                type="auth",
                non_retryable=True,
            )
        resolved = shutil.which(program)
        if resolved is None:
            raise ApplicationError(
                f"{program!r} is allowed but not found on this host",
                type="not_found",
                non_retryable=True,
            )
        return [resolved, *argv[1:]]

    def _rendered_env(self, req: ScriptRequest) -> dict[str, str]:
        values = req.context.values()
        try:
            env = {name: render_template(text, values) for name, text in req.env.items()}
        except ValueError as exc:
            raise ApplicationError(
                f"script env: {exc}", type="invalid_input", non_retryable=True
            ) from exc
        env["SLUICE_FILE"] = str(values["path"])
        env["SLUICE_TASK_ID"] = req.context.task_id
        return env

    async def _pump(self, proc: asyncio.subprocess.Process, output: _Tail) -> None:
        assert proc.stdout is not None
        while chunk := await proc.stdout.read(_READ):
            output.add(chunk)
            activity.heartbeat(output.size)


class _Tail:
    """The last `limit` bytes of a stream, and whether more came before them."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._data = bytearray()
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self._data += chunk
        if len(self._data) > self._limit:
            del self._data[: len(self._data) - self._limit]

    @property
    def truncated(self) -> bool:
        return self.size > self._limit

    def text(self) -> str:
        return self._data.decode("utf-8", "replace")


def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
