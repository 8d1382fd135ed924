"""How deep and how large a rule document may be, checked before anything else walks it.

Validation, serialisation (pydantic stops at 255 levels, `json` at the recursion limit) and
every later reader recurse into a document; a bounded one keeps each of them cheap and
their errors clear. The walk is iterative and stops at the first limit it crosses, so a
100,000-deep document, or a YAML alias bomb, costs no more than the limits allow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sluice.rules.errors import format_loc

MAX_DEPTH = 32  # nested mappings and lists, the document itself being level 1
MAX_SIZE = 128 * 1024  # characters, about the document's length as compact JSON
_SHOWN_PARTS = 6  # of a path into a too-deep document


class ShapeError(ValueError):
    """A document over a limit: `path` is where (empty: the whole document)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


def check_shape(document: Any) -> None:
    """Raise ShapeError if `document` nests deeper than MAX_DEPTH or is larger than MAX_SIZE."""
    size = 0
    stack: list[tuple[Any, int, tuple[int | str, ...]]] = [(document, 1, ())]
    while stack:
        value, depth, loc = stack.pop()
        size += _own_size(value)
        if isinstance(value, Mapping | list | tuple):
            if depth > MAX_DEPTH:
                shown = format_loc(loc[:_SHOWN_PARTS]) + ("…" if len(loc) > _SHOWN_PARTS else "")
                raise ShapeError(
                    shown, f"nested more than {MAX_DEPTH} levels deep (the limit for a rule)"
                )
            mapping = isinstance(value, Mapping)
            entries: Iterable[tuple[Any, Any]] = (
                value.items() if isinstance(value, Mapping) else enumerate(value)
            )
            for key, item in entries:
                size += _own_size(key) + 2 if mapping else 1  # key, colon and comma
                if size > MAX_SIZE:
                    break
                stack.append((item, depth + 1, (*loc, key)))
        if size > MAX_SIZE:
            raise ShapeError(
                "", f"the document is larger than {MAX_SIZE // 1024} KiB (the limit for a rule)"
            )


def _own_size(value: Any) -> int:
    """About its length in JSON (a container's brackets; numbers counted as 8)."""
    if isinstance(value, str):
        return len(value) + 2
    return 2 if isinstance(value, Mapping | list | tuple) else 8
