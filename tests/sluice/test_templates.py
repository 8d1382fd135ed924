"""Hostile templates: `{field}` templates reach no Python object, rule Jinja2 runs no code.

Each template is refused when the rule is saved (parse_rule names the field's path) and again
when it is rendered, as a rule stored before these checks would be.
"""

import os
from typing import Any

import pytest
from pydantic import ValidationError

from activities.notify.templates import render_message
from sluice.actions import FileContext
from sluice.contracts import DetectedFile
from sluice.keys import render_key
from sluice.message_templates import (
    MAX_LOOP_ITERATIONS,
    TEXT_MAX_CHARS,
    TITLE_MAX_CHARS,
    MessageTemplateError,
    check_message_template,
)
from sluice.parameter_templates import check_template, render_template, render_tree
from sluice.placeholders import PlaceholderError
from sluice.rules import RuleError, parse_rule
from sluice.settings import StorageSettings

FILE = DetectedFile("web-01", "web-01", "/logs", "app/b.log", 42, 1, "2026-11-20T10:00:00Z")
VALUES = FileContext("task-1", FILE, "logs", "sluice", "web-01/app/b.log").values({"env": "prod"})
PID = str(os.getpid())

# Each would reach a Python object or grow without bound under str.format_map.
PARAM_ATTACKS = [
    "{name.__class__}",
    "{labels.__class__.__missing__.__globals__}",
    "{labels[env].__class__.__mro__}",
    "{name:>99999999}",
    "{size:099999999}",
    "{name!r}",
    "{size[0]}",
    "{labels}",
    "x{0}",
]
MESSAGE_ATTACKS = [
    "{{ cycler.__init__.__globals__.os.getpid() }}",
    "{{ lipsum.__globals__['os'].getpid() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ joiner.__init__.__globals__.os.environ }}",
    "{{ file|attr('__class__') }}",
    "{{ [file]|map(attribute='__class__')|list }}",
    "{{ [file]|selectattr('__class__')|list }}",
    "{{ range(3) }}",
    "{% set x = 1 %}{{ x }}",
    "{% macro m() %}{% endmacro %}",
    "{% include 'task_failed.md.j2' %}",
    "{{ task.id|format }}",
]


def rule_with(step: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"name": "r", "pipeline": [{"upload": {}}, step], **top}


def refusal(document: dict[str, Any]) -> str:
    with pytest.raises(RuleError) as caught:
        parse_rule(document)
    return str(caught.value)


# --- `{field}` templates -------------------------------------------------------------------


def test_fields_labels_and_brace_escapes_render() -> None:
    template = "{{literal}} {{{name}}} {labels[env]}/{labels[missing]}/{size}"
    assert render_template(template, VALUES) == "{literal} {b.log} prod//42"
    assert render_tree({"a": ["{host}:{relpath}", 3]}, VALUES) == {"a": ["web-01:app/b.log", 3]}


@pytest.mark.parametrize("template", PARAM_ATTACKS)
def test_parameter_attacks_are_refused_when_checked_and_when_rendered(template: str) -> None:
    with pytest.raises(PlaceholderError, match="unknown template field"):
        check_template(template)
    with pytest.raises(PlaceholderError, match="unknown template field"):
        render_template(template, VALUES)  # a rule stored before the check


def test_the_refusal_names_the_field_and_lists_the_allowed_ones() -> None:
    with pytest.raises(PlaceholderError) as caught:
        check_template("https://h/{name.__class__}/{name:>9}")
    assert str(caught.value) == (
        "unknown template field(s) {name.__class__}, {name:>9}; use {task_id} {rule} {host} "
        "{agent} {root} {relpath} {name} {stem} {ext} {date} {sha256} {size} {bucket} {key} "
        "{object_url} {presigned_url} {path} {labels[<name>]} (no attributes, indexes, format "
        "specs or conversions)"
    )


@pytest.mark.parametrize("template", ["a}b", "{name", "x{}"])
def test_unbalanced_or_empty_braces_are_refused(template: str) -> None:
    with pytest.raises(PlaceholderError, match=r"single|empty field"):
        render_template(template, VALUES)


@pytest.mark.parametrize("template", ["{name:>99999999}", "{name!r}", "{name.__class__}"])
def test_key_templates_take_no_specs_conversions_or_attributes(template: str) -> None:
    with pytest.raises(ValueError, match="unknown key template field"):
        render_key(template, FILE)
    assert render_key("{{x}}/{name}", FILE) == "{x}/b.log"


@pytest.mark.parametrize(
    ("step", "path"),
    [
        ({"webhook": {"url": "https://h/{name.__class__}"}}, "pipeline[1].webhook.url"),
        (
            {"webhook": {"url": "https://h", "headers": {"X-Token": "{labels.__class__}"}}},
            "pipeline[1].webhook.headers.X-Token",
        ),
        (
            {"webhook": {"url": "https://h", "body": {"meta": [{"f": "{name:>99999999}"}]}}},
            "pipeline[1].webhook.body: at meta[0].f",
        ),
        ({"jenkins": {"job": "j", "params": {"F": "{name!r}"}}}, "pipeline[1].jenkins.params.F"),
        ({"script": {"command": ["/bin/echo", "{size[0]}"]}}, "pipeline[1].script.command[1]"),
        ({"script": {"command": ["/bin/echo"], "env": {"E": "{labels}"}}}, "script.env.E"),
    ],
)
def test_rules_with_parameter_attacks_are_refused_naming_the_field(
    step: dict[str, Any], path: str
) -> None:
    message = refusal(rule_with(step))
    assert path in message and "unknown template field" in message


def test_upload_key_attack_is_refused_naming_the_field() -> None:
    message = refusal({"name": "r", "pipeline": [{"upload": {"key": "{name:>99999999}"}}]})
    assert "pipeline[0].upload.key: unknown key template field(s) {name:>99999999}" in message


# --- Jinja2 message templates --------------------------------------------------------------


def message(title: str = "", text: str = "", **values: Any) -> str:
    file = {"name": "b.log", "path": "/logs/app/" + "p" * 4000}
    all_values = {"event": "task_failed", "task": {"id": "t-1"}, "file": file, **values}
    rendered = render_message("task_failed", all_values, title=title, text=text)
    return rendered.title + rendered.text + rendered.html


@pytest.mark.parametrize("template", MESSAGE_ATTACKS)
def test_message_attacks_are_refused_at_save_and_at_render(template: str) -> None:
    with pytest.raises(MessageTemplateError):
        check_message_template(template)
    for title, text in ((template, ""), ("", template)):
        with pytest.raises(MessageTemplateError):
            print(message(title, text))  # shows what rendered if it did not raise
    assert PID not in message("{{ file.name }}", "{{ task.id }}")


@pytest.mark.parametrize(
    "template",
    [
        "{{ file|attr(task.key) }}",  # names the static check cannot see
        "{{ file[task.key] }}",
        "{{ task.key|attr(task.key) }}",
        "{{ file.items|attr(task.self) }}",
    ],
)
def test_the_sandbox_refuses_private_attributes_named_at_run_time(template: str) -> None:
    task = {"id": "t-1", "key": "__class__", "self": "__self__"}
    check_message_template(template)  # legal to save: only the values are hostile
    with pytest.raises(MessageTemplateError, match="not allowed"):
        message(template, task=task)


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{{ 'x' * 10**7 }}", "repeated value"),
        ("{{ file.name|center(10**7) }}", "too much output"),
        ("{{ file.path|replace('', file.path) }}", "too much output"),
        ("{{ '%0999999d' % 1 }}", "%-formatting"),
        ("{{ '{:>9999999}'.format(1) }}", "calling 'format'"),
        ("{{ 7 ** (10 ** 6) }}", "exponent"),
        (
            "{% for a in file.path %}{% for b in file.path %}{% for c in file.path %}"
            "{% endfor %}{% endfor %}{% endfor %}",
            f"more than {MAX_LOOP_ITERATIONS} loop iterations",
        ),
        (  # each call is allowed; together they would keep a worker busy for seconds
            "{% if ('x' * 60000)|wordwrap(3)|length %}{% endif %}" * 80,
            "filters working on more than 4000000 characters",
        ),
    ],
)
def test_templates_cannot_grow_values_or_loop_without_bound(template: str, reason: str) -> None:
    check_message_template(template)
    with pytest.raises(MessageTemplateError, match=reason):
        message(text=template)


def test_rendered_output_is_capped() -> None:
    assert len(message(text="{{ 'x' * 30000 }}")) > 30000  # within the cap
    with pytest.raises(MessageTemplateError, match=f"longer than {TEXT_MAX_CHARS} characters"):
        message(text="{% for c in file.path %}{{ file.path }}{% endfor %}")
    with pytest.raises(MessageTemplateError, match=f"longer than {TITLE_MAX_CHARS} characters"):
        message(title="{{ file.path }}")


def test_ordinary_templates_still_render() -> None:
    text = (
        "{% for k, v in task|dictsort %}{{ loop.index }}.{{ k|upper }}={{ v }} {% endfor %}"
        "{{ file.name.upper() }} {{ task.get('id') }} {{ 90|duration }} {{ 0.25|percent }}"
        "{{ file.missing.deeper }}{{ analysis.severity|default('none') }}"
        "{{ 'a_b'|replace('_', '-') }}"
    )
    assert message(text=text).startswith("[Sluice] task failed: b.log")
    assert "1.ID=t-1 B.LOG t-1 90 s 25%nonea-b" in message(text=text)


def test_unknown_variables_and_filters_are_named_with_what_is_allowed() -> None:
    with pytest.raises(MessageTemplateError) as caught:
        check_message_template("{{ files.name }} {{ lipsum() }}")
    assert str(caught.value) == "unknown variable(s) files, lipsum; use event task file analysis"
    with pytest.raises(MessageTemplateError, match="unknown filter 'shout'; use abs, attr"):
        check_message_template("{{ file.name|shout }}")


@pytest.mark.parametrize(
    ("document", "path"),
    [
        (rule_with({"notify": {"channels": ["c"], "title": MESSAGE_ATTACKS[0]}}), "notify.title"),
        (rule_with({"notify": {"channels": ["c"], "text": MESSAGE_ATTACKS[1]}}), "notify.text"),
        (
            rule_with({"approve": {"notify": {"channels": ["c"], "text": MESSAGE_ATTACKS[2]}}}),
            "pipeline[1].approve.notify.text",
        ),
        (
            rule_with(
                {"verify": {}}, on_failure={"notify": {"channels": ["c"], "title": "{{ x }}"}}
            ),
            "on_failure.notify.title",
        ),
    ],
)
def test_rules_with_message_attacks_are_refused_naming_the_field(
    document: dict[str, Any], path: str
) -> None:
    assert path in refusal(document)


def test_the_default_key_template_setting_is_checked_at_start() -> None:
    with pytest.raises(ValidationError, match=r"key_template\n.*\{name:>9\}"):
        StorageSettings(key_template="{name:>9}")
    assert StorageSettings(key_template="{{x}}/{host}").key_template == "{{x}}/{host}"


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("{% for loop in file %}{% endfor %}", "Can't assign to special loop variable"),
        ("{{ file.name|default(a=1, a=2) }}", "keyword argument repeated"),
        ("{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}", "nests too deeply"),
        ("{{ 1" + "+1" * 5000 + " }}", "nests too deeply"),
    ],
)
def test_mistakes_found_late_or_deep_are_refused_at_save(template: str, says: str) -> None:
    with pytest.raises(MessageTemplateError, match=says):
        check_message_template(template)
