"""`sluice rules apply|export`: a rules file against the live rules, through the API.

A rules file is a YAML list of rule documents, matched to rules by name. Applying it makes
each document the live version of its rule: a new rule is created and published; a rule
whose live document differs gets a new version, published, unless its newest saved version
is the document already, which is then published. Rules the file does not name, and saved
versions newer than a live one equal to the file, are left alone. Nothing changes when every
document is live already, so applying twice (or applying an export) is a no-op.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import yaml

from sluice.rules import parse_rule
from sluice.rules.diff import rule_diff
from sluice.rules.shape import MAX_DEPTH, check_shape

CREATE, UPDATE, PUBLISH, UNCHANGED = "create", "update", "publish", "unchanged"


class RulesFileError(ValueError):
    """A rules file that is not a list of valid, uniquely named rule documents."""


class RulesApiError(RuntimeError):
    """The API refused a call; the message carries its error body."""


@dataclass(frozen=True)
class RuleChange:
    name: str
    action: str  # create | update | publish | unchanged
    document: dict[str, Any]
    rule_id: int | None = None
    live_version: int | None = None
    latest_version: int | None = None
    diff: str = ""  # the live document → the file's

    def describe(self) -> str:
        live = f"v{self.live_version}" if self.live_version else "nothing live"
        if self.action == CREATE:
            return f'create rule "{self.name}"'
        if self.action == UPDATE:
            return f'update rule "{self.name}" ({live} → a new version)'
        if self.action == PUBLISH:
            return f'publish rule "{self.name}" v{self.latest_version} (saved, {live})'
        newer = (self.latest_version or 0) > (self.live_version or 0)
        saved = f", v{self.latest_version} saved and not live" if newer else ""
        return f'unchanged rule "{self.name}" (v{self.live_version} live{saved})'


def load_rules_file(text: str) -> list[dict[str, Any]]:
    """The documents of a rules file, each validated as the API would."""
    try:
        _check_nesting(text)  # before PyYAML's recursive composer can overflow the stack
        loaded = yaml.safe_load(text)
    except RulesFileError:
        raise
    except yaml.YAMLError as exc:
        raise RulesFileError(f"not valid YAML: {exc}") from None
    except ValueError as exc:  # an integer of over 4300 digits: Python's hint does not apply
        raise RulesFileError(f"not valid YAML: {str(exc).split(';')[0]}") from None
    if not isinstance(loaded, list):
        raise RulesFileError("a rules file is a YAML list of rule documents")
    documents, names, problems = [], set(), []
    for index, raw in enumerate(loaded):
        try:
            check_shape(raw)  # bounds what aliases expand to before it is copied
            document: dict[str, Any] = json.loads(json.dumps(raw))  # JSON values only
            name = parse_rule(document).name
        except (TypeError, ValueError) as exc:  # not JSON, or a RuleError naming the problems
            problems.append(f"rule [{index}]: {exc}")
            continue
        if name in names:
            problems.append(f'rule [{index}]: a second rule named "{name}"')
        names.add(name)
        documents.append(document)
    if problems:
        raise RulesFileError("; ".join(problems))
    return documents


def _check_nesting(text: str) -> None:
    """RulesFileError at the line where the file nests deeper than a rule may (iterative)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH + 1:  # the file's list holds the documents
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise RulesFileError(
                    f"line {line}: nested more than {MAX_DEPTH} levels deep (the limit for a rule)"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def plan_changes(
    documents: Sequence[dict[str, Any]],
    rules: Sequence[dict[str, Any]],
    live: dict[int, dict[str, Any]],
) -> list[RuleChange]:
    """What applying `documents` changes, given the API's rules and their live documents."""
    by_name = {rule["name"]: rule for rule in rules}
    changes = []
    for document in documents:
        rule = by_name.get(document["name"])
        if rule is None:
            changes.append(
                RuleChange(document["name"], CREATE, document, diff=_diff(None, document))
            )
            continue
        live_spec = live.get(rule["id"])
        if live_spec == document:
            action = UNCHANGED  # even if a newer version is saved: the file's is the live one
        elif rule["spec"] == document:
            action = PUBLISH  # the newest saved version is the file's, just not live
        else:
            action = UPDATE
        changes.append(
            RuleChange(
                rule["name"],
                action,
                document,
                rule_id=rule["id"],
                live_version=rule["live_version"],
                latest_version=rule["latest_version"],
                diff=_diff(live_spec, document) if action != UNCHANGED else "",
            )
        )
    return changes


def export_yaml(rules: Sequence[dict[str, Any]], live: dict[int, dict[str, Any]]) -> str:
    """The live documents of the published rules as a rules file (in the API's name order)."""
    documents = [live[rule["id"]] for rule in rules if rule["id"] in live]
    return yaml.safe_dump(documents, sort_keys=False, allow_unicode=True, default_flow_style=False)


def _diff(live: dict[str, Any] | None, document: dict[str, Any]) -> str:
    return rule_diff(live, document, before_label="live", after_label="file")


class RulesApi:
    """The few rule calls `apply` and `export` make, with a bearer token."""

    def __init__(self, api_url: str, token: str, *, timeout: float = 30.0) -> None:
        self._http = httpx.Client(
            base_url=api_url.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    def close(self) -> None:
        self._http.close()

    def rules(self) -> list[dict[str, Any]]:
        rules: list[dict[str, Any]] = self._call("GET", "/rules")
        return rules

    def live_documents(self, rules: Sequence[dict[str, Any]]) -> dict[int, dict[str, Any]]:
        """Each published rule's live document (only rules with unpublished edits cost a call)."""
        live = {}
        for rule in rules:
            if rule["live_version"] is None:
                continue
            if rule["live_version"] == rule["latest_version"]:
                live[rule["id"]] = rule["spec"]
                continue
            versions = self._call("GET", f"/rules/{rule['id']}/versions")
            live[rule["id"]] = next(v["spec"] for v in versions if v["live"])
        return live

    def apply(self, change: RuleChange) -> int | None:
        """Make the change's document live; returns the version now live."""
        if change.action == UNCHANGED:
            return change.live_version
        if change.action == CREATE:
            rule = self._call("POST", "/rules", change.document)
        elif change.action == UPDATE:
            rule = self._call("PUT", f"/rules/{change.rule_id}", change.document)
        else:
            rule = {"id": change.rule_id, "latest_version": change.latest_version}
        version = {"version": rule["latest_version"]}
        published = self._call("POST", f"/rules/{rule['id']}:publish", version)
        live: int = published["live_version"]
        return live

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise RulesApiError(f"{method} {path}: {exc}") from None
        if response.is_error:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text[:500]
            raise RulesApiError(f"{method} {path}: {response.status_code} {message}")
        return response.json() if response.content else None
