"""YAML documents read with the line of every value, and the problems found in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]
MAX_NODES = 200_000  # a document larger (or aliased into more) than this is refused
MAX_TEXT = 512 * 1024  # characters of one document


@dataclass(frozen=True)
class Problem:
    path: str  # like `groups[0].rules[2].expr`; "" for the whole document
    line: int  # 1-based; 0 when unknown
    message: str


class ConfigInvalid(Exception):
    """A document that cannot be published, with each problem at its line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems[:3]) or "invalid")
        self.problems = problems


@dataclass
class Document:
    """A parsed YAML mapping and the 1-based line of each path in it."""

    text: str
    data: dict[str, Any]
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1 if not path else 0)

    def problem(self, path: Path, message: str) -> Problem:
        return Problem(show(path), self.line(path), message)


def show(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def parse(text: str) -> Document:
    """The document in `text` (a mapping); ConfigInvalid with the line of a YAML error."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        message = f"not valid YAML: {exc.problem or exc.context}"
        raise ConfigInvalid([Problem("", line, message)]) from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise ConfigInvalid([Problem("", 0, f"not valid YAML: {str(exc)[:200]}")]) from None
    if not isinstance(data, dict):
        raise ConfigInvalid([Problem("", 1, "expected a YAML mapping at the top")])
    lines: dict[Path, int] = {}
    assert node is not None  # data is a mapping
    try:
        _walk(node, (), lines, [0])
    except RecursionError:
        raise ConfigInvalid([Problem("", 0, "the document nests too deep")]) from None
    return Document(text, data, lines)


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int], count: list[int]) -> None:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise ConfigInvalid([Problem("", 0, f"the document has more than {MAX_NODES} values")])
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                _walk(value, (*path, str(key.value)), lines, count)
    elif isinstance(node, yaml.SequenceNode):
        for n, item in enumerate(node.value):
            _walk(item, (*path, n), lines, count)


def check_size(text: str) -> None:
    if len(text) > MAX_TEXT:
        raise ConfigInvalid([Problem("", 0, f"longer than {MAX_TEXT} characters")])
