"""Jinja2 templates from rules (notify `title`/`text`): checked at save, sandboxed, bounded.

The shipped templates (activities/notify/templates/) are trusted and use a normal environment;
these come from whoever may save a rule, so they run in an ImmutableSandboxedEnvironment with no
globals, see only the message's values, may call only a few harmless methods, and every way they
could grow a value (operators, filters, loops, output) is bounded. Each check runs at save and
again before rendering, so a rule stored before the checks existed is refused too.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.defaults import DEFAULT_FILTERS
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

# The names a rule's message template may use (activities/notify message_values()).
MESSAGE_NAMES = ("event", "task", "file", "analysis")
# The names an alert group's or escalation's template may use (activities/alert_groups).
ALERT_NAMES = (
    "group", "counts", "firing", "new", "resolved", "resolved_silenced", "expired", "escalation",
    "analysis",
)  # fmt: skip
TITLE_MAX_CHARS = 2 * 1024
TEXT_MAX_CHARS = 32 * 1024
SOURCE_MAX_CHARS = 16 * 1024
MAX_VALUE = 64 * 1024  # the longest string or list an operator may build
MAX_WORK = 4_000_000  # bound on (input size) x (argument size) of one filter call
MAX_LOOP_ITERATIONS = 10_000  # per render, all loops together
MAX_RENDER_WORK = 4_000_000  # per render: characters all filter calls together work on
CALL_WORK = 100  # what one method call counts as, in those characters

_UNITS = (("d", 86400), ("h", 3600), ("min", 60))


def duration(seconds: float | None) -> str:
    """Seconds for people: 42 s, 1.5 min, 3 h, 2 d."""
    if seconds is None:
        return "n/a"
    unit, size = next(((u, s) for u, s in _UNITS if seconds >= 2 * s), ("s", 1))
    return f"{seconds / size:.1f}".removesuffix(".0") + f" {unit}"


def percent(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio * 100:.3g}%"


# `format` (printf widths) and `random` are left out; the rest are bounded by _guarded().
FILTERS = tuple(sorted({*DEFAULT_FILTERS} - {"format", "random"} | {"duration", "percent"}))
_STR_METHODS = (
    "lower", "upper", "title", "capitalize", "casefold", "swapcase", "strip", "lstrip", "rstrip",
    "split", "rsplit", "splitlines", "partition", "rpartition", "startswith", "endswith",
    "removeprefix", "removesuffix", "count", "find", "rfind", "isdigit", "isalpha", "isalnum",
    "isspace", "islower", "isupper",
)  # fmt: skip
# The methods a template may call, by the type of their object (none may grow a value).
_METHODS: dict[type, frozenset[str]] = {
    str: frozenset(_STR_METHODS),
    dict: frozenset({"get", "items", "keys", "values"}),
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
    LoopContext: frozenset({"cycle", "changed"}),
}
_TAGS: dict[type[nodes.Node], str] = {
    nodes.Extends: "extends", nodes.Include: "include", nodes.Import: "import",
    nodes.FromImport: "from ... import", nodes.Macro: "macro", nodes.CallBlock: "call",
    nodes.Assign: "set", nodes.AssignBlock: "set", nodes.With: "with", nodes.Block: "block",
}  # fmt: skip
_ATTRIBUTE_FILTERS = frozenset({"attr", "selectattr", "rejectattr", "groupby"})  # first argument
_LOOP_FILTER = "sluice_counted_loop"


class MessageTemplateError(ValueError):
    """A message template that may not be saved or rendered; the message says why."""


class RenderBudget:
    """What several renders may spend together, beyond each one's own bounds (a routing
    document's templates are all rendered with sample values when it is saved)."""

    def __init__(self, iterations: int, work: int) -> None:
        self.iterations, self.work = iterations, work

    def spend(self, iterations: int = 0, work: int = 0) -> None:
        self.iterations -= iterations
        self.work -= work
        if self.iterations < 0 or self.work < 0:
            raise SecurityError("the templates together do too much work")


class _Budget:
    def __init__(self, shared: RenderBudget | None = None) -> None:
        self.iterations = 0
        self.work = 0
        self.shared = shared


_budget: contextvars.ContextVar[_Budget] = contextvars.ContextVar("message_template_budget")


def _size(value: Any, depth: int = 0) -> int:
    """Characters a value stands for when a filter works on it (ints count as their value)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int):
        return abs(value)
    if isinstance(value, Mapping) and depth < 8:
        return 1 + sum(_size(k, depth + 1) + _size(v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple) and depth < 8:
        return 1 + sum(_size(item, depth + 1) for item in value)
    return 1


def _guarded(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func`, refusing calls whose output could outgrow MAX_WORK (e.g. center(10**9))."""
    skip = 1 if hasattr(func, "jinja_pass_arg") else 0  # context/environment comes first

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        value, rest = args[skip], [*args[skip + 1 :], *kwargs.values()]
        own = len(str(value)) if isinstance(value, int | float) else _size(value)
        others = sum(_size(arg) for arg in rest)
        if (own + 1) * (1 + others) > MAX_WORK:
            raise SecurityError(f"filter {name!r} would produce too much output")
        _spend(work=own + others)
        return func(*args, **kwargs)

    return guarded


def _counted_loop(value: Iterable[Any]) -> Iterator[Any]:
    for item in value:
        _spend(iterations=1)
        yield item


def _spend(iterations: int = 0, work: int = 0) -> None:
    """Count a render's loop iterations and filter work against its bounds (and a shared
    budget's, if it has one)."""
    budget = _budget.get(None)
    if budget is None:  # a filter called outside a render (not by a template)
        return
    budget.iterations += iterations
    budget.work += work
    if budget.iterations > MAX_LOOP_ITERATIONS:
        raise SecurityError(f"more than {MAX_LOOP_ITERATIONS} loop iterations")
    if budget.work > MAX_RENDER_WORK:
        raise SecurityError(f"filters working on more than {MAX_RENDER_WORK} characters")
    if budget.shared is not None:
        budget.shared.spend(iterations, work)


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "+", "**", "%"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        raise SecurityError(f"attribute {attribute!r} of a {type(obj).__name__} is not allowed")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        owner, name = getattr(__obj, "__self__", None), getattr(__obj, "__name__", "")
        allowed = next((m for t, m in _METHODS.items() if isinstance(owner, t)), frozenset())
        if name not in allowed:
            raise SecurityError(f"calling {name or type(__obj).__name__!r} is not allowed")
        _spend(work=CALL_WORK)
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would outgrow MAX_VALUE (`'x' * 10**9`, `9 ** 10**9`)."""
    sizes = [len(v) for v in (left, right) if isinstance(v, str | list | tuple)]
    counts = [v for v in (left, right) if isinstance(v, int)]
    if operator == "%" and isinstance(left, str):
        raise SecurityError("%-formatting of strings is not allowed; use ~ to join text")
    if operator == "*" and sizes and counts and sizes[0] * counts[0] > MAX_VALUE:
        raise SecurityError(f"a repeated value longer than {MAX_VALUE} is not allowed")
    if operator == "+" and len(sizes) == 2 and sum(sizes) > MAX_VALUE:
        raise SecurityError(f"a joined value longer than {MAX_VALUE} is not allowed")
    if operator == "**" and len(counts) == 2 and (right > 100 or left.bit_length() * right > 10**4):
        raise SecurityError("an exponent this large is not allowed")


_env = _Sandbox(undefined=jinja2.ChainableUndefined, trim_blocks=True)
_env.globals.clear()  # no range, lipsum, cycler, joiner, namespace
_env.filters = {name: _guarded(name, _env.filters.get(name) or globals()[name]) for name in FILTERS}
_env.filters[_LOOP_FILTER] = _counted_loop


def check_message_template(source: str, names: Iterable[str] = MESSAGE_NAMES) -> str:
    """`source` if it parses and uses only `names` and FILTERS; MessageTemplateError."""
    _checked(source, tuple(names))
    return source


def render_message_template(
    source: str,
    values: Mapping[str, Any],
    max_chars: int,
    names: Iterable[str] = MESSAGE_NAMES,
    budget: RenderBudget | None = None,
) -> str:
    """Render a rule's template in the sandbox; MessageTemplateError past `max_chars` (or
    past `budget`, shared with other renders)."""
    template = _checked(source, tuple(names))
    token = _budget.set(_Budget(budget))
    out: list[str] = []
    size = 0
    try:
        for chunk in template.generate(dict(values)):
            size += len(chunk)
            if size > max_chars:
                raise MessageTemplateError(f"the message is longer than {max_chars} characters")
            out.append(chunk)
    except SecurityError as exc:
        raise MessageTemplateError(f"not allowed in a message template: {exc}") from exc
    finally:
        _budget.reset(token)
    return "".join(out)


@functools.lru_cache(maxsize=256)
def _checked(source: str, names: tuple[str, ...]) -> jinja2.Template:
    """The compiled template with its loops counted; MessageTemplateError naming each problem."""
    if len(source) > SOURCE_MAX_CHARS:
        raise MessageTemplateError(f"the template is longer than {SOURCE_MAX_CHARS} characters")
    try:
        ast = _env.parse(source)
        problems = _problems(ast)
        unknown = [] if problems else meta.find_undeclared_variables(ast) - set(names)
        if unknown:
            listed = ", ".join(sorted(unknown))
            problems.append(f"unknown variable(s) {listed}; use {' '.join(names)}")
        if problems:
            raise MessageTemplateError("; ".join(dict.fromkeys(problems)))
        for loop in ast.find_all(nodes.For):
            loop.iter = nodes.Filter(
                loop.iter, _LOOP_FILTER, [], [], None, None, lineno=loop.lineno
            )
        return _env.from_string(ast)
    except jinja2.TemplateSyntaxError as exc:  # also TemplateAssertionError
        raise MessageTemplateError(
            f"invalid Jinja2 template (line {exc.lineno}): {exc.message}"
        ) from None
    except SyntaxError as exc:  # Jinja2 passes some mistakes on to Python: f(a=1, a=2)
        raise MessageTemplateError(f"invalid Jinja2 template: {exc.msg}") from None
    except RecursionError:
        raise MessageTemplateError("the template nests too deeply") from None


def _problems(ast: nodes.Template) -> list[str]:
    problems = [f"{{% {_TAGS[type(n)]} %}} is not allowed" for n in ast.find_all(tuple(_TAGS))]
    if any(loop.recursive for loop in ast.find_all(nodes.For)):
        problems.append("recursive loops are not allowed")
    for node in ast.find_all((nodes.Filter, nodes.Test)):
        kind, known = (
            ("filter", FILTERS) if isinstance(node, nodes.Filter) else ("test", _env.tests)
        )
        if node.name not in known:
            problems.append(f"unknown {kind} {node.name!r}; use {', '.join(sorted(known))}")
    for name in _private_names(ast):
        problems.append(f"{name!r}: names starting with '_' are not allowed")
    return problems


def _private_names(ast: nodes.Template) -> Iterator[str]:
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        if isinstance(node, nodes.Getattr):
            names: list[Any] = [node.attr]
        elif isinstance(node, nodes.Getitem):
            names = [node.arg.value] if isinstance(node.arg, nodes.Const) else []
        else:  # attr('__class__'), selectattr('__class__'), map(attribute='__class__') ...
            assert isinstance(node, nodes.Filter)
            args = [kw.value for kw in node.kwargs if kw.key == "attribute"]
            args += node.args[:1] if node.name in _ATTRIBUTE_FILTERS else []
            names = [a.value for a in args if isinstance(a, nodes.Const)]
        yield from (n for n in names if isinstance(n, str) and n.startswith("_"))
