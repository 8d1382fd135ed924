"""Parameter templates of action steps: `{field}` over the file's context, checked and rendered.

They use the `{field}` syntax of object keys (sluice/placeholders.py) with the fields a
FileContext provides (sluice/actions.py); a template is checked when its rule or channel is
saved, and rendered by the activity that sends it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sluice import placeholders
from sluice.placeholders import LABEL_FIELD

# Fields a parameter template (`{name}`) may use; `labels` is indexed: `{labels[env]}`.
TEMPLATE_FIELDS = (
    "task_id", "rule", "host", "agent", "root", "relpath", "name", "stem", "ext", "date",
    "sha256", "size", "bucket", "key", "object_url", "presigned_url", "path", LABEL_FIELD,
)  # fmt: skip


def template_fields(template: str) -> set[str]:
    """The fields `template` uses (`labels` for any label); PlaceholderError if it may not."""
    parts = placeholders.parse(template, TEMPLATE_FIELDS)
    return {"labels" if kind == "label" else name for kind, name in parts if kind != "text"}


def check_template(template: str, allowed: tuple[str, ...] = TEMPLATE_FIELDS) -> str:
    placeholders.parse(template, allowed)
    return template


def check_template_tree(value: Any) -> Any:
    """Check every string inside a JSON value as a template; the error names its place."""
    for where, text in _strings(value, ""):
        try:
            check_template(text)
        except ValueError as exc:
            raise ValueError(f"at {where}: {exc}" if where else str(exc)) from None
    return value


def uses_field(value: Any, name: str) -> bool:
    """Whether a template inside `value` uses `name` (one that cannot be used: no)."""
    try:
        return any(name in template_fields(text) for _, text in _strings(value, ""))
    except ValueError:
        return False  # rendering refuses it


def render_template(template: str, values: Mapping[str, Any]) -> str:
    """`template` with the file context's values; a missing label renders as "".

    PlaceholderError (a ValueError) for anything but TEMPLATE_FIELDS, also for a template
    stored before the save-time check existed.
    """
    return placeholders.render(placeholders.parse(template, TEMPLATE_FIELDS), values)


def render_tree(value: Any, values: Mapping[str, Any]) -> Any:
    """Render every string inside a JSON value (dict keys stay as written)."""
    if isinstance(value, str):
        return render_template(value, values)
    if isinstance(value, list):
        return [render_tree(item, values) for item in value]
    if isinstance(value, dict):
        return {key: render_tree(item, values) for key, item in value.items()}
    return value


def _strings(value: Any, where: str) -> list[tuple[str, str]]:
    """(path inside `value`, string) for every string in a JSON value."""
    if isinstance(value, str):
        return [(where, value)]
    if isinstance(value, list):
        return [s for i, item in enumerate(value) for s in _strings(item, f"{where}[{i}]")]
    if isinstance(value, dict):
        return [
            s
            for key, item in value.items()
            for s in _strings(item, f"{where}.{key}" if where else str(key))
        ]
    return []
