"""RuleError: every problem in a rule document, each named by its path (`pipeline[1].upload`)."""

from __future__ import annotations

import difflib
import typing
from collections.abc import Sequence

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

Loc = Sequence[int | str]


class RuleError(ValueError):
    """A rule document that cannot be used; `problems` are (path, message) pairs."""

    def __init__(self, rule: str, problems: Sequence[tuple[str, str]]) -> None:
        self.rule = rule
        self.problems = list(problems)
        details = "; ".join(f"{path}: {message}" if path else message for path, message in problems)
        super().__init__(f'rule "{rule}": {details}')


def format_loc(loc: Loc) -> str:
    """`("pipeline", 1, "upload", "part_size")` -> `pipeline[1].upload.part_size`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def problems_from(
    exc: ValidationError, model: type[BaseModel], prefix: Loc = (), *, also_allowed: Loc = ()
) -> list[tuple[str, str]]:
    """The errors of validating `model` as (path, message), paths under `prefix`.

    `also_allowed` are keys accepted beside the model's own fields at its top level, named
    in the hint for an unknown key.
    """
    return [
        (format_loc([*prefix, *error["loc"]]), _message(error, model, also_allowed))
        for error in exc.errors()
    ]


def unknown_key(key: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f'did you mean "{close[0]}"?' if close else f"expected one of: {', '.join(allowed)}"
    return f"unknown key ({hint})"


def _message(error: ErrorDetails, model: type[BaseModel], also_allowed: Loc) -> str:
    kind, message = error["type"], error["msg"]
    if kind == "extra_forbidden":
        parent = error["loc"][:-1]
        owner = _model_at(model, parent)
        allowed = [f.alias or name for name, f in owner.model_fields.items()] if owner else []
        if not parent:
            allowed += [str(key) for key in also_allowed]
        return unknown_key(str(error["loc"][-1]), allowed)
    if kind == "missing":
        return "is required"
    if kind in ("value_error", "assertion_error"):
        return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return message


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class that validated the mapping at `loc` (list indexes are skipped)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if current else None
        if field is None:
            return None
        current = _find_model(field.annotation)
    return current


def _find_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _find_model(arg)
        if found is not None:
            return found
    return None
