"""Knowledge entries as documents people write and keep in git: YAML (`entries: [...]`) and
Markdown (per entry, YAML front matter between `---` lines, then `## Symptoms`, `## Cause`
and `## Resolution` sections). See docs/knowledge.md for both formats.

Parsing yields plain dicts (the entry fields); validating them is the caller's job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

MAX_DEPTH = 8  # no entry nests deeper than signature → error
SECTIONS = ("symptoms", "cause", "resolution")
# Headings accepted for each section, lowercased (English and Chinese).
_HEADINGS = {
    "symptoms": "symptoms", "symptom": "symptoms", "症状": "symptoms", "现象": "symptoms",
    "cause": "cause", "causes": "cause", "root cause": "cause", "原因": "cause",
    "根因": "cause", "resolution": "resolution", "resolve": "resolution", "fix": "resolution",
    "steps": "resolution", "解决": "resolution", "解决方法": "resolution",
    "处理": "resolution", "处理步骤": "resolution", "解决步骤": "resolution",
}  # fmt: skip
_SECTION_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")
FRONT_MATTER_KEYS = ("id", "title", "status", "tags", "matchers", "signature", "links")


class DocumentInvalid(ValueError):
    """A document that cannot be read; the message says where and why."""


def load_yaml(text: str) -> Any:
    """`text` as YAML, refusing aliases (they can expand without bound) and deep nesting."""
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise DocumentInvalid("YAML aliases (*name) are not accepted")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise DocumentInvalid(f"nested more than {MAX_DEPTH} levels deep")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f" at line {mark.line + 1}" if mark else ""
        raise DocumentInvalid(f"not valid YAML{line}: {exc.problem}") from None
    except (yaml.YAMLError, ValueError) as exc:
        if isinstance(exc, DocumentInvalid):
            raise
        raise DocumentInvalid(f"not valid YAML: {str(exc)[:200]}") from None


def parse_yaml(text: str) -> list[dict[str, Any]]:
    """The entries of a YAML document: a mapping with `entries`, or a bare list of them."""
    data = load_yaml(text)
    if isinstance(data, dict):
        data = data.get("entries")
    if not isinstance(data, list):
        raise DocumentInvalid("expected `entries:` holding a list of entries")
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise DocumentInvalid(f"entry {index + 1}: expected a mapping")
    return data


def parse_markdown(text: str) -> list[dict[str, Any]]:
    """The entries of a Markdown document: each starts with a `---` front-matter block."""
    lines = text.replace("\r\n", "\n").split("\n")
    entries: list[dict[str, Any]] = []
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    while index < len(lines):
        if lines[index].rstrip() != "---":
            raise DocumentInvalid(
                f"line {index + 1}: expected `---` opening an entry's front matter"
            )
        end = next((i for i in range(index + 1, len(lines)) if lines[i].rstrip() == "---"), -1)
        if end < 0:
            raise DocumentInvalid(f"line {index + 1}: front matter is not closed by `---`")
        front = load_yaml("\n".join(lines[index + 1 : end]))
        if not isinstance(front, dict):
            raise DocumentInvalid(f"line {index + 2}: front matter must be a mapping")
        body_end = next((i for i in range(end + 1, len(lines)) if lines[i].rstrip() == "---"), -1)
        body_end = len(lines) if body_end < 0 else body_end
        entry = dict(front)
        entry.update(_sections(lines[end + 1 : body_end], end + 2))
        entries.append(entry)
        index = body_end
    return entries


def _sections(lines: Sequence[str], first_line: int) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for offset, line in enumerate(lines):
        heading = _SECTION_HEADING.match(line)
        if heading:
            name = _HEADINGS.get(heading.group(1).strip().lower().rstrip(":\uff1a"))
            if name is None:
                raise DocumentInvalid(
                    f"line {first_line + offset}: unknown section {heading.group(1)[:60]!r}; "
                    "expected Symptoms, Cause or Resolution"
                )
            current = found.setdefault(name, [])
            continue
        if current is None:
            if line.strip() and not line.lstrip().startswith("# "):
                raise DocumentInvalid(
                    f"line {first_line + offset}: text before the first `## ` section"
                )
            continue
        current.append(line)
    return {name: "\n".join(body).strip() for name, body in found.items()}


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings as `|` blocks, so exported sections read as written."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def dump_yaml(entries: Sequence[dict[str, Any]]) -> str:
    return yaml.dump(
        {"entries": list(entries)}, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True
    )


def _section_text(text: str) -> str:
    """A section as it can sit in the document: a `---` line would end the entry and a `## `
    heading would start a section, so they become `***` and `### `."""
    lines = []
    for line in text.strip().split("\n"):
        if line.rstrip() == "---":
            line = "***"
        elif _SECTION_HEADING.match(line):
            line = "#" + line
        lines.append(line)
    return "\n".join(lines)


def dump_markdown(entries: Sequence[dict[str, Any]]) -> str:
    """Each entry as front matter (its fields but the sections) and the three sections."""
    parts = []
    for entry in entries:
        front = {key: entry[key] for key in FRONT_MATTER_KEYS if key in entry}
        body = [
            f"## {name.capitalize()}\n\n{_section_text(entry.get(name, ''))}\n"
            for name in SECTIONS
            if entry.get(name, "").strip()
        ]
        head = yaml.dump(front, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True)
        parts.append(f"---\n{head}---\n\n" + "\n".join(body))
    return "\n".join(parts)
