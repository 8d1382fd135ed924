"""promtool and amtool, when installed, run on a temporary file with a timeout (never a shell);
their complaints become problems with the line they name."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from sluice.config_sync.documents import Problem

_LINE = re.compile(r"^\S+: (\d+):\d+: |\bline (\d+)\b")
_NOISE = re.compile(r"^(Checking \S+|FAILED:|SUCCESS|Found:|\w+: error: failed to validate.*)\s*")
MAX_OUTPUT = 4000


def promtool_problems(text: str, timeout: float) -> tuple[bool, list[Problem]]:
    """(whether promtool ran, its problems with the rule file `text`)."""
    return _run("promtool", ["check", "rules"], "rules.yml", text, timeout, ())


def amtool_problems(text: str, timeout: float, hide: list[str]) -> tuple[bool, list[Problem]]:
    """(whether amtool ran, its problems with the config `text`); the values in `hide`
    (secrets) never appear in a message."""
    return _run("amtool", ["check-config"], "alertmanager.yml", text, timeout, hide)


def _run(
    tool: str, args: list[str], name: str, text: str, timeout: float, hide: list[str] | tuple[()]
) -> tuple[bool, list[Problem]]:
    binary = shutil.which(tool)
    if binary is None:
        return False, []
    with tempfile.TemporaryDirectory(prefix="sluice-check-") as tmp:
        path = Path(tmp) / name
        path.write_text(text)
        try:
            done = subprocess.run(
                [binary, *args, str(path)],
                capture_output=True, text=True, timeout=timeout, check=False, cwd=tmp,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return True, [Problem("", 0, f"{tool} did not finish within {timeout:g}s")]
    if done.returncode == 0:
        return True, []
    output = (done.stdout + "\n" + done.stderr).replace(str(path), name).replace(tmp, ".")
    for secret in hide:
        if secret:
            output = output.replace(secret, "<secret>")
    return True, _problems(tool, output[:MAX_OUTPUT])


def _problems(tool: str, output: str) -> list[Problem]:
    lines = []
    for raw in output.splitlines():
        line = raw.strip()
        while (noise := _NOISE.match(line)) and noise.end():
            line = line[noise.end() :].strip()
        if line:
            lines.append(line)
    problems = []
    for line in lines or [f"{tool} failed"]:
        match = _LINE.search(line)
        number = int(match.group(1) or match.group(2)) if match else 0
        problems.append(Problem("", number, f"{tool}: {line}"))
    return problems
