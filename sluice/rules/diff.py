"""Rule documents as YAML and unified diffs between two of them (versions, `rules apply`).

Diffs are of YAML with keys sorted, so they show what changed, not how a document was
ordered when it was typed; an empty diff means the two documents are equal.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import yaml


def rule_yaml(document: Mapping[str, Any] | None, *, sort_keys: bool = True) -> str:
    """`document` as block YAML ("" for none)."""
    if document is None:
        return ""
    return yaml.safe_dump(
        dict(document), sort_keys=sort_keys, allow_unicode=True, default_flow_style=False
    )


def rule_diff(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    before_label: str = "before",
    after_label: str = "after",
) -> str:
    """A unified diff of the two documents' YAML; "" when they are equal."""
    lines = difflib.unified_diff(
        rule_yaml(before).splitlines(keepends=True),
        rule_yaml(after).splitlines(keepends=True),
        fromfile=before_label,
        tofile=after_label,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
