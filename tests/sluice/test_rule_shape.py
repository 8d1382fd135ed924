"""Rule documents and rules files are bounded in depth and size, refused with a clear message."""

from typing import Any

import pytest

from sluice.cli.rules_file import RulesFileError, load_rules_file
from sluice.rules import RuleError, parse_rule
from sluice.rules.shape import MAX_DEPTH, MAX_SIZE


def error_of(document: dict[str, Any]) -> str:
    with pytest.raises(RuleError) as caught:
        parse_rule(document)
    return str(caught.value)


def deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = {"a": value}
    return value


def webhook(body: Any) -> dict[str, Any]:
    step = {"webhook": {"url": "https://hooks.example/x", "body": body}}
    return {"name": "deep", "pipeline": [step]}


def test_a_deeply_nested_document_is_refused_naming_where() -> None:
    assert parse_rule(webhook(deep(MAX_DEPTH - 5)))  # five levels above the body's
    assert error_of(webhook(deep(300))) == (
        f'rule "deep": pipeline[0].webhook.body.a.a…: nested more than {MAX_DEPTH} levels deep '
        "(the limit for a rule)"
    )


def test_a_large_document_is_refused() -> None:
    message = f'rule "r": the document is larger than {MAX_SIZE // 1024} KiB (the limit for a rule)'
    glob = {"name": "r", "match": {"globs": ["x" * 600_000]}, "pipeline": [{"upload": {}}]}
    assert error_of(glob) == message
    many = {"name": "r", "match": {"globs": ["*.log"] * 20_000}, "pipeline": [{"upload": {}}]}
    assert error_of(many) == message


def yaml_list(value: str) -> str:
    return f"- name: r\n  pipeline: [{{upload: {{}}}}]\n  description: {value}\n"


# "Billion laughs": nine aliases of nine aliases..., 9**8 copies of a 50-character string.
BOMB = (
    yaml_list("&a [" + ", ".join(["x" * 50] * 9) + "]")
    + "  on_failure:\n"
    + "".join(
        f"    {key}: &{key} [{', '.join([f'*{previous}'] * 9)}]\n"
        for previous, key in zip("abcdefgh", "bcdefghi", strict=True)
    )
)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("- name: r\n  pipeline: " + "[" * 3000 + "]" * 3000, "line 2: nested more than 32"),
        ('[{"name": "r", "pipeline": ' + "[" * 100_000 + "]" * 100_000 + "}]", "line 1: nested"),
        (BOMB, "rule [0]: the document is larger than 128 KiB"),
        (yaml_list("9" * 5000), "not valid YAML: Exceeds the limit (4300 digits)"),
        (yaml_list("&x [*x]"), "rule [0]: description[0][0][0][0][0]…: nested more than 32"),
    ],
)
def test_a_hostile_rules_file_is_a_one_line_error(text: str, says: str) -> None:
    with pytest.raises(RulesFileError) as caught:
        load_rules_file(text)
    assert says in str(caught.value)
    assert "\n" not in str(caught.value)
