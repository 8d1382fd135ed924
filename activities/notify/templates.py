"""Messages from Jinja2 templates: one per event type, overridable per rule (title, text)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from activities.notify.senders import Message

TEMPLATE_DIR = Path(__file__).parent / "templates"
TITLES = {
    "task_succeeded": "[Sluice] {{ file.name }} processed",
    "task_failed": "[Sluice] task failed: {{ file.name }} ({{ task.error_class }})",
    "task_failed_digest": "[Sluice] {{ count }} tasks failed",
    "waiting_approval": "[Sluice] approval needed: {{ file.name }}",
    "agent_offline": "[Sluice] agent offline: {{ agent.id }}",
    "daily_report": "[Sluice] daily report {{ report.date }}",
    "test": "[Sluice] test message",
}

_files = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    undefined=jinja2.ChainableUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)
_html = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,
    undefined=jinja2.ChainableUndefined,
)
_inline = jinja2.Environment(undefined=jinja2.ChainableUndefined, trim_blocks=True)


def render_message(
    event: str,
    values: dict[str, Any],
    *,
    title: str = "",
    text: str = "",
    mentions: list[str] | None = None,
) -> Message:
    """Render `event`'s templates (or the rule's `title`/`text`) with `values`."""
    if event not in TITLES:
        raise ValueError(f"no template for event {event!r}")
    title_out = _inline.from_string(title or TITLES[event]).render(values).strip()
    if text:
        text_out = _inline.from_string(text).render(values)
    else:
        text_out = _files.get_template(f"{event}.md.j2").render(values)
    text_out = "\n".join(line.rstrip() for line in text_out.strip().splitlines())
    html = _html.get_template("email.html.j2").render(
        {**values, "title": title_out, "text": text_out}
    )
    facts = {key: values[key] for key in ("task", "file", "analysis") if values.get(key)}
    return Message(title_out, text_out, html, event, facts, list(mentions or []))
