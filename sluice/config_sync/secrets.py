"""Receiver secrets in an alertmanager.yml: found by field name under `global` and
`receivers`, masked in the stored text (spliced in place, so comments and lines stay) and
spliced back when the file is rendered for the sidecar."""

from __future__ import annotations

import json

import yaml

MASK = "<secret>"
# Fields that hold a credential (or a URL carrying one, like a Slack or DingTalk webhook).
SECRET_FIELDS = frozenset(
    {
        "url", "api_url", "webhook_url", "api_secret", "api_key", "routing_key", "service_key",
        "auth_password", "auth_secret", "password", "credentials", "bearer_token", "token",
        "bot_token", "user_key", "client_secret", "slack_api_url", "smtp_auth_password",
        "smtp_auth_secret", "opsgenie_api_key", "wechat_api_secret", "victorops_api_key",
        "telegram_bot_token", "webex_api_url",
    }
)  # fmt: skip
SECTIONS = ("global", "receivers")


class MissingSecret(ValueError):
    """A masked field with no stored value to keep."""


def secret_spans(text: str) -> dict[str, tuple[int, int]]:
    """{path: (start, end) character span of its scalar} for every secret in `text`."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    spans: dict[str, tuple[int, int]] = {}
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode) and key.value in SECTIONS:
                _collect(value, key.value, spans)
    return spans


def _collect(node: yaml.Node, path: str, spans: dict[str, tuple[int, int]]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
            at = f"{path}.{name}"
            if name in SECRET_FIELDS and isinstance(value, yaml.ScalarNode) and value.value:
                spans[at] = (value.start_mark.index, value.end_mark.index)
            else:
                _collect(value, at, spans)
    elif isinstance(node, yaml.SequenceNode):
        for n, item in enumerate(node.value):
            _collect(item, f"{path}[{_key(item, n)}]", spans)


def _key(item: yaml.Node, n: int) -> str:
    """A receiver by its name (stable when receivers move), other items by position."""
    if isinstance(item, yaml.MappingNode):
        for key, value in item.value:
            if getattr(key, "value", None) == "name" and isinstance(value, yaml.ScalarNode):
                return json.dumps(value.value)
    return str(n)


def values(text: str) -> dict[str, str]:
    """{path: value} of the secrets in `text`."""
    return {path: _scalar(text[a:b]) for path, (a, b) in secret_spans(text).items()}


def mask(text: str, previous: dict[str, str], *, strict: bool = True) -> tuple[str, dict[str, str]]:
    """(`text` with every secret masked, the secrets by path). A field already masked keeps
    its `previous` value; MissingSecret if there is none (unless not `strict`: an import's
    draft, whose masked fields stay unset until a later version gives them)."""
    spans = secret_spans(text)
    found: dict[str, str] = {}
    for path, (a, b) in spans.items():
        value = _scalar(text[a:b])
        if value == MASK:
            if path not in previous:
                if strict:
                    raise MissingSecret(f"{path} is {MASK} and no value is stored for it")
                continue
            value = previous[path]
        found[path] = value
    return _splice(text, {spans[p]: MASK for p in spans}), found


def unmask(text: str, secrets: dict[str, str]) -> str:
    """The masked `text` with its secrets back (as JSON strings: valid YAML scalars)."""
    spans = secret_spans(text)
    return _splice(text, {spans[p]: json.dumps(v) for p, v in secrets.items() if p in spans})


def masked_paths(text: str) -> list[str]:
    return [p for p, v in values(text).items() if v == MASK]


def _scalar(source: str) -> str:
    loaded = yaml.safe_load(source)
    return str(loaded) if loaded is not None else ""


def _splice(text: str, replacements: dict[tuple[int, int], str]) -> str:
    out, pos = [], 0
    for (a, b), value in sorted(replacements.items()):
        keep = "\n" if text[a:b].endswith("\n") else ""  # a block scalar's line break
        out += [text[pos:a], value, keep]
        pos = b
    return "".join([*out, text[pos:]])
