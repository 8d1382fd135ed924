"""The script activity: allow-list, templated argv without a shell, timeout, bounded output."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.script import ScriptActivities
from sluice.actions import FileContext, ScriptRequest, ScriptResult
from sluice.contracts import DetectedFile

PYTHON = sys.executable


def context(root: Path) -> FileContext:
    path = root / "in dir" / "app; rm -rf x.log"
    path.parent.mkdir(parents=True)
    path.write_text("hello\n")
    st = path.stat()
    file = DetectedFile(
        "a", "h", str(root), "in dir/app; rm -rf x.log", st.st_size, st.st_mtime_ns, "2026-11-20"
    )
    return FileContext("file-1", file, "r", "sluice", "k")


async def run(root: Path, command: list[str], **kwargs: object) -> ScriptResult:
    acts = ScriptActivities([root], [PYTHON])
    req = ScriptRequest(context(root), command, **{"timeout_s": 20.0, **kwargs})  # type: ignore[arg-type]
    result: ScriptResult = await ActivityEnvironment().run(acts.run_script, req)
    return result


async def test_arguments_are_templated_and_never_reach_a_shell(tmp_path: Path) -> None:
    code = (
        "import sys, os; print(sys.argv[1:]); "
        "print(open(sys.argv[1]).read().strip(), os.environ['SLUICE_TASK_ID'])"
    )
    result = await run(tmp_path, [PYTHON, "-c", code, "{path}", "{name}"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == repr([str(tmp_path / "in dir" / "app; rm -rf x.log"), "app; rm -rf x.log"])
    assert lines[1] == "hello file-1"


async def test_commands_off_the_allow_list_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ApplicationError) as caught:
        await run(tmp_path, ["sh", "-c", "echo hi"])
    assert (caught.value.type, caught.value.non_retryable) == ("auth", True)
    assert "allow-list" in caught.value.message


async def test_non_zero_exit_fails_with_its_output(tmp_path: Path) -> None:
    code = "import sys; print('disk full'); sys.exit(3)"
    with pytest.raises(ApplicationError) as caught:
        await run(tmp_path, [PYTHON, "-c", code])
    err = caught.value
    assert err.type == "action_failed" and err.non_retryable
    assert "exited with 3" in err.message and "disk full" in err.message
    assert err.details[0]["exit_code"] == 3


async def test_output_is_bounded_to_its_tail(tmp_path: Path) -> None:
    code = "print('a' * 100000); print('THE END')"
    result = await run(tmp_path, [PYTHON, "-c", code], max_output_bytes=1024)
    assert result.truncated and len(result.output) <= 1024 and result.output.endswith("THE END\n")


async def test_timeout_kills_the_process_group(tmp_path: Path) -> None:
    marker = tmp_path / "survived"
    code = (
        "import subprocess, time; subprocess.Popen(['sleep', '30']); time.sleep(30); "
        f"open({str(marker)!r}, 'w')"
    )
    with pytest.raises(ApplicationError) as caught:
        await run(tmp_path, [PYTHON, "-c", code], timeout_s=1.0)
    assert caught.value.type == "timeout" and not caught.value.non_retryable
    assert not marker.exists()


@pytest.mark.parametrize("field", ["command", "env"])
async def test_a_stored_hostile_template_runs_nothing(tmp_path: Path, field: str) -> None:
    """A rule saved before templates were checked: refused when rendered, nothing runs."""
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w').write('x')"
    hostile = "{name.__class__.__mro__}"
    command, env = [PYTHON, "-c", code, hostile], {}
    if field == "env":
        command, env = command[:3], {"LEAK": "{labels.__class__.__missing__.__globals__}"}
    with pytest.raises(ApplicationError) as caught:
        await run(tmp_path, command, env=env)
    assert (caught.value.type, caught.value.non_retryable) == ("invalid_input", True)
    assert "unknown template field" in caught.value.message and not marker.exists()
