"""Messages from Jinja2 templates: one per event type; a rule's own `title`/`text` run sandboxed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from activities.notify.senders import Message
from sluice.message_templates import (
    ALERT_NAMES,
    MESSAGE_NAMES,
    TEXT_MAX_CHARS,
    TITLE_MAX_CHARS,
    duration,
    percent,
    render_message_template,
)

TEMPLATE_DIR = Path(__file__).parent / "templates"
TITLES = {
    "task_succeeded": "[Sluice] {{ file.name }} processed",
    "task_failed": "[Sluice] task failed: {{ file.name }} ({{ task.error_class }})",
    "task_failed_digest": "[Sluice] {{ count }} tasks failed",
    "waiting_approval": "[Sluice] approval needed: {{ file.name }}",
    "agent_offline": (
        "[Sluice] {% if agents | length > 1 %}{{ agents | length }} agents offline"
        "{% else %}agent offline: {{ agents[0].id }}{% endif %}"
    ),
    "daily_report": (
        "[Sluice] daily report {{ report.date }}: {{ report.totals.files }} files, "
        "{{ report.totals.failed }} failed"
    ),
    "test": "[Sluice] test message",
    "alert_group": (
        "[Sluice] {% if counts.firing %}FIRING:{{ counts.firing }}{% else %}RESOLVED{% endif %}"
        " {{ group.title }}"
    ),
    "alert_escalation": "[Sluice] escalation {{ escalation.step }}: {{ group.title }}",
    "ticket_deadline": (
        "[Sluice] {{ ticket.id }} missed its {{ ticket.deadline }} deadline: {{ ticket.title }}"
    ),
}
TITLES_ZH = {
    "alert_group": (
        "[Sluice] {% if counts.firing %}告警中:{{ counts.firing }}{% else %}已恢复{% endif %}"
        " {{ group.title }}"
    ),
    "alert_escalation": "[Sluice] 告警升级 第 {{ escalation.step }} 步 · {{ group.title }}",
    "ticket_deadline": (
        "[Sluice] 工单 {{ ticket.id }} 已超过"
        "{% if ticket.deadline == 'response' %}响应{% else %}解决{% endif %}时限"
        " · {{ ticket.title }}"
    ),
}
ALERT_EVENTS = ("alert_group", "alert_escalation")
# What a webhook receives as `facts`, besides the text: the values of these names.
FACTS = (
    "task",
    "file",
    "analysis",
    "agents",
    "report",
    "group",
    "counts",
    "escalation",
    "ticket",
)

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

for _env in (_files, _html, _inline):
    _env.filters.update(duration=duration, percent=percent)


def render_message(
    event: str,
    values: dict[str, Any],
    *,
    title: str = "",
    text: str = "",
    mentions: list[str] | None = None,
    language: str = "en",
) -> Message:
    """Render `event`'s templates (or a rule's or route's `title`/`text`) with `values`; in
    Chinese (`language` "zh") where the event has Chinese templates."""
    if event not in TITLES:
        raise ValueError(f"no template for event {event!r}")
    zh = language == "zh" and event in TITLES_ZH
    names = ALERT_NAMES if event in ALERT_EVENTS else MESSAGE_NAMES
    if title:  # a rule's or route's own templates run sandboxed (sluice/message_templates.py)
        title_out = render_message_template(title, values, TITLE_MAX_CHARS, names).strip()
    else:
        title_out = _inline.from_string((TITLES_ZH if zh else TITLES)[event]).render(values)
        title_out = title_out.strip()
    if text:
        text_out = render_message_template(text, values, TEXT_MAX_CHARS, names)
    else:
        name = f"{event}.zh.md.j2" if zh else f"{event}.md.j2"
        text_out = _files.get_template(name).render(values)
    text_out = "\n".join(line.rstrip() for line in text_out.strip().splitlines())
    html = _html.get_template("email.html.j2").render(
        {**values, "title": title_out, "text": text_out}
    )
    facts = {key: values[key] for key in FACTS if values.get(key)}
    return Message(title_out, text_out, html, event, facts, list(mentions or []))
