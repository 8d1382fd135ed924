"""Log keyword rules at work: which lines match, and which matches become reports.

A match is keyed by its signature (rule + normalised line). The first match of a signature
is reported at once; repeats within the rule's `suppress_window` are counted, and the count
goes out with the next report: at the next match after the window, or when the window
closes (`due`), whichever comes first. `escalate_after` matches within `escalate_window`
raise one escalated report (its own alert: `escalated=true`, the escalation severity),
suppressed in its turn like any other. Time is passed in, so tests need no sleeps.

The windows outlive the process: `changed` hands over what moved since it was last called,
as plain data the spool keeps with the lines' positions, and `restore` takes it back.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import Any

from sluice.logalerts import LogAlertRule, signature
from sluice.patterns import Regex, compile_regex


@dataclass(frozen=True)
class Report:
    """One alert to send: what matched where, and how many matches it stands for."""

    rule: str
    path: str
    signature: str
    line: str
    severity: str
    labels: dict[str, str]
    title: str
    at: float  # when the first match it stands for was read (Unix seconds)
    count: int  # matches it stands for: 1 + those suppressed before it
    suppressed: int
    escalated: bool = False


class CompiledRule:
    """A rule with its regexes compiled (RE2) and its keywords folded for case."""

    def __init__(self, rule: LogAlertRule) -> None:
        self.rule = rule
        fold = (lambda s: s) if rule.match_case else str.casefold
        self._fold = fold
        self._keywords = [fold(k) for k in rule.keywords]
        self._excludes = [fold(k) for k in rule.excludes]
        self._regexes: list[Regex] = [
            compile_regex(r, case_sensitive=rule.match_case) for r in rule.regexes
        ]

    def matches(self, line: str) -> bool:
        text = self._fold(line)
        if any(word in text for word in self._excludes):
            return False
        if any(word in text for word in self._keywords):
            return True
        return any(regex.search(line) is not None for regex in self._regexes)


@dataclass
class _Window:
    """A signature's suppression window: when it opened and what it has held back since."""

    opened: float
    suppressed: int = 0
    first_suppressed: float = 0.0
    line: str = ""


@dataclass
class _Signature:
    hits: deque[float] = field(default_factory=deque)
    plain: _Window | None = None
    escalated: _Window | None = None

    def saved(self) -> dict[str, Any]:
        windows = {kind: getattr(self, kind) for kind in ("plain", "escalated")}
        return {"hits": list(self.hits)} | {k: w and asdict(w) for k, w in windows.items()}

    @classmethod
    def restored(cls, saved: dict[str, Any]) -> _Signature:
        windows = {k: saved[k] and _Window(**saved[k]) for k in ("plain", "escalated")}
        return cls(deque(saved["hits"]), **windows)


Key = tuple[str, str, str]  # rule, path, signature


class Matcher:
    """Lines in, reports out, per rule and signature."""

    def __init__(self, rules: Sequence[LogAlertRule]) -> None:
        self.rules = [CompiledRule(rule) for rule in rules]
        self._state: dict[Key, _Signature] = {}
        self._changed: set[Key] = set()

    def restore(self, saved: Iterable[tuple[Key, dict[str, Any]]]) -> None:
        """Take back windows `changed` handed over (before a restart)."""
        names = {compiled.rule.name for compiled in self.rules}
        for key, state in saved:
            if key[0] in names:
                self._state[key] = _Signature.restored(state)

    def changed(self) -> list[tuple[Key, dict[str, Any] | None]]:
        """Each signature's state that moved since the last call (None: it is gone)."""
        found = [(key, s.saved() if (s := self._state.get(key)) else None) for key in self._changed]
        self._changed.clear()
        return found

    def observe(
        self, rules: Sequence[CompiledRule], path: str, line: str, now: float
    ) -> list[Report]:
        """The reports one line read from `path` makes now (none while suppressed)."""
        reports = []
        for compiled in rules:
            if not compiled.matches(line):
                continue
            rule = compiled.rule
            sig = signature(rule.name, line)
            key = (rule.name, path, sig)
            state = self._state.setdefault(key, _Signature())
            self._changed.add(key)
            report = _Draft(rule, path, sig, line, now)
            sent = self._pass(state, "plain", rule.suppress_window, report, now)
            if sent:
                reports.append(sent)
            if rule.escalate_after is None:
                continue
            state.hits.append(now)
            while state.hits and state.hits[0] <= now - rule.escalate_window:
                state.hits.popleft()
            if len(state.hits) >= rule.escalate_after:
                sent = self._pass(state, "escalated", rule.suppress_window, report, now)
                if sent:
                    reports.append(sent)
        return reports

    def _pass(
        self, state: _Signature, kind: str, window: float, draft: _Draft, now: float
    ) -> Report | None:
        """The report for this match, or None if a window holds it back (it is counted)."""
        current: _Window | None = getattr(state, kind)
        if current is not None and now < current.opened + window:
            if current.suppressed == 0:
                current.first_suppressed = now
            current.suppressed += 1
            current.line = draft.line
            return None
        held = current.suppressed if current else 0
        setattr(state, kind, _Window(opened=now))
        at = current.first_suppressed if held and current else now
        return draft.report(count=held + 1, suppressed=held, at=at, escalated=kind == "escalated")

    def due(self, now: float) -> list[Report]:
        """Reports of counts held back by windows that have closed, without a newer match."""
        reports = []
        for (name, path, sig), state in list(self._state.items()):
            rule = next((c.rule for c in self.rules if c.rule.name == name), None)
            if rule is None:
                del self._state[(name, path, sig)]
                continue
            for kind in ("plain", "escalated"):
                current: _Window | None = getattr(state, kind)
                if current is None or now < current.opened + rule.suppress_window:
                    continue
                self._changed.add((name, path, sig))
                if current.suppressed:
                    draft = _Draft(rule, path, sig, current.line, current.first_suppressed)
                    held, at = current.suppressed, current.first_suppressed
                    escalated = kind == "escalated"
                    reports.append(
                        draft.report(count=held, suppressed=held, at=at, escalated=escalated)
                    )
                setattr(state, kind, None)  # the next match is reported at once
            while state.hits and state.hits[0] <= now - rule.escalate_window:
                state.hits.popleft()
            if state.plain is None and state.escalated is None and not state.hits:
                del self._state[(name, path, sig)]
                self._changed.add((name, path, sig))
        return reports


@dataclass(frozen=True)
class _Draft:
    rule: LogAlertRule
    path: str
    signature: str
    line: str
    at: float

    def report(self, *, count: int, suppressed: int, at: float, escalated: bool) -> Report:
        rule = self.rule
        title = rule.title or f"{rule.name}: {PurePosixPath(self.path).name}"
        return Report(
            rule=rule.name, path=self.path, signature=self.signature, line=self.line,
            severity=rule.escalate_severity if escalated else rule.severity,
            labels=dict(rule.labels), title=title, at=at, count=count,
            suppressed=suppressed, escalated=escalated,
        )  # fmt: skip
