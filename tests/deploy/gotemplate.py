"""A small subset of Go's text/template with Helm's functions, to render deploy/helm here.

`helm` is not installed on the machines that run the tests, so this renders exactly the
constructs the chart uses: actions with `{{-`/`-}}` trimming, comments, `if`/`else`,
`range` (with `$i, $x :=`), `define`/`include`, `$`, fields, parentheses, pipelines and
the functions in FUNCTIONS. Anything else raises TemplateError, so a template that drifts
outside the subset fails the test rather than rendering wrongly. Printing a missing value
raises too (Helm would print `<no value>`), which catches misspelt `.Values` paths.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.DOTALL)
TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+)|(?P<op>:=|[|(),])'
    r"|(?P<var>\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)|(?P<field>(?:\.[A-Za-z0-9_]+)+|\.)"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_]*))"
)


class TemplateError(Exception):
    """The template uses something outside the subset, or prints a missing value."""


@dataclass
class Node:
    kind: str  # text | action | if | range | define
    text: str = ""
    body: list[Node] = field(default_factory=list)
    orelse: list[Node] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # range variables


def _tokens(source: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    source = source.strip()
    while pos < len(source):
        match = TOKEN.match(source, pos)
        if not match or match.end() == pos:
            raise TemplateError(f"cannot read {source[pos:]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def parse(source: str) -> tuple[list[Node], dict[str, list[Node]]]:
    """The template's nodes and the named templates it defines."""
    pieces: list[tuple[str, str]] = []
    pos = 0
    for match in ACTION.finditer(source):
        text = source[pos : match.start()]
        if match.group(1):
            text = text.rstrip()
        if pieces and pieces[-1][0] == "trim":
            text = text.lstrip()
            pieces.pop()
        pieces.append(("text", text))
        pieces.append(("action", match.group(2).strip()))
        if match.group(3):
            pieces.append(("trim", ""))
        pos = match.end()
    tail = source[pos:]
    if pieces and pieces[-1][0] == "trim":
        tail = tail.lstrip()
        pieces.pop()
    pieces.append(("text", tail))

    defines: dict[str, list[Node]] = {}
    root: list[Node] = []
    stack: list[tuple[Node | None, list[Node]]] = [(None, root)]
    for kind, text in pieces:
        target = stack[-1][1]
        if kind == "text":
            if text:
                target.append(Node("text", text))
            continue
        if text.startswith("/*"):
            continue
        word = text.split(None, 1)[0] if text else ""
        rest = text[len(word) :].strip()
        if word == "if":
            node = Node("if", rest)
            target.append(node)
            stack.append((node, node.body))
        elif word == "range":
            node = Node("range", rest)
            if ":=" in rest:
                names, rest = rest.split(":=", 1)
                node.names = [n.strip() for n in names.split(",")]
                node.text = rest.strip()
            target.append(node)
            stack.append((node, node.body))
        elif word == "define":
            node = Node("define", json.loads(rest))
            defines[node.text] = node.body
            stack.append((node, node.body))
        elif word == "else":
            if rest:
                raise TemplateError(f"`else {rest}` is outside the subset")
            owner = stack.pop()[0]
            assert owner is not None, "else outside a block"
            stack.append((owner, owner.orelse))
        elif word == "end":
            stack.pop()
        elif word in {"with", "block", "template", "break", "continue"}:
            raise TemplateError(f"`{word}` is outside the subset")
        else:
            target.append(Node("action", text))
    if len(stack) != 1:
        raise TemplateError("a block is not closed with {{ end }}")
    return root, defines


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "") and not (isinstance(value, (list, dict)) and not value)


def to_yaml(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=True).rstrip("\n")


def _indent(width: int, text: str) -> str:
    pad = " " * width
    return "\n".join(pad + line if line else line for line in str(text).split("\n"))


FUNCTIONS: dict[str, Any] = {
    "default": lambda fallback, value=None: value if truthy(value) else fallback,
    "quote": lambda value: json.dumps(
        str(value) if not isinstance(value, bool) else str(value).lower(), ensure_ascii=False
    ),
    "toYaml": to_yaml,
    "toJson": lambda value: json.dumps(value, separators=(",", ":")),
    "indent": _indent,
    "nindent": lambda width, text: "\n" + _indent(width, text),
    "trunc": lambda width, text: str(text)[:width],
    "trimSuffix": lambda suffix, text: text[: -len(suffix)] if text.endswith(suffix) else text,
    "not": lambda value: not truthy(value),
    "and": lambda *values: next((v for v in values if not truthy(v)), values[-1]),
    "or": lambda *values: next((v for v in values if truthy(v)), values[-1]),
    "eq": lambda a, b: a == b,
}


class Renderer:
    def __init__(self, defines: dict[str, list[Node]], root: Any) -> None:
        self.defines = defines
        self.root = root

    def render(self, nodes: list[Node], dot: Any, env: dict[str, Any]) -> str:
        out: list[str] = []
        for node in nodes:
            if node.kind == "text":
                out.append(node.text)
            elif node.kind == "action":
                out.append(self.show(self.pipeline(_tokens(node.text), dot, env), node.text))
            elif node.kind == "if":
                branch = (
                    node.body
                    if truthy(self.pipeline(_tokens(node.text), dot, env))
                    else node.orelse
                )
                out.append(self.render(branch, dot, env))
            elif node.kind == "range":
                out.append(self.range(node, dot, env))
        return "".join(out)

    def range(self, node: Node, dot: Any, env: dict[str, Any]) -> str:
        items = self.pipeline(_tokens(node.text), dot, env) or []
        pairs = sorted(items.items()) if isinstance(items, dict) else list(enumerate(items))
        if not pairs:
            return self.render(node.orelse, dot, env)
        out = []
        for key, item in pairs:
            scope = dict(env)
            if len(node.names) == 2:
                scope[node.names[0]], scope[node.names[1]] = key, item
            elif len(node.names) == 1:
                scope[node.names[0]] = item
            out.append(self.render(node.body, item, scope))
        return "".join(out)

    @staticmethod
    def show(value: Any, text: str) -> str:
        if value is None:
            raise TemplateError(f"{{{{ {text} }}}} prints a missing value")
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, (dict, list)):
            raise TemplateError(f"{{{{ {text} }}}} prints a map or list: use toYaml")
        return str(value)

    def include(self, name: str, dot: Any) -> str:
        if name not in self.defines:
            raise TemplateError(f"no template named {name!r}")
        return self.render(self.defines[name], dot, {"$": dot})

    def pipeline(self, tokens: list[tuple[str, str]], dot: Any, env: dict[str, Any]) -> Any:
        commands: list[list[tuple[str, str]]] = [[]]
        depth = 0
        for token in tokens:
            if token == ("op", "|") and depth == 0:
                commands.append([])
                continue
            depth += {"(": 1, ")": -1}.get(token[1], 0) if token[0] == "op" else 0
            commands[-1].append(token)
        value: Any = _UNSET
        for command in commands:
            value = self.command(command, dot, env, value)
        return value

    def command(
        self, tokens: list[tuple[str, str]], dot: Any, env: dict[str, Any], piped: Any
    ) -> Any:
        operands = self.operands(tokens, dot, env)
        head = tokens[0]
        if head[0] == "ident" and head[1] not in {"true", "false", "nil"}:
            args = operands[1:] + ([] if piped is _UNSET else [piped])
            if head[1] == "include":
                return self.include(*args)
            if head[1] == "required":
                if not truthy(args[1]):
                    raise TemplateError(args[0])
                return args[1]
            if head[1] not in FUNCTIONS:
                raise TemplateError(f"function {head[1]!r} is outside the subset")
            return FUNCTIONS[head[1]](*args)
        if len(operands) != 1 or piped is not _UNSET:
            raise TemplateError(f"cannot evaluate {tokens}")
        return operands[0]

    def operands(self, tokens: list[tuple[str, str]], dot: Any, env: dict[str, Any]) -> list[Any]:
        out: list[Any] = []
        i = 0
        while i < len(tokens):
            kind, text = tokens[i]
            if text == "(" and kind == "op":
                depth, j = 1, i + 1
                while depth:
                    depth += {"(": 1, ")": -1}.get(tokens[j][1], 0) if tokens[j][0] == "op" else 0
                    j += 1
                out.append(self.pipeline(tokens[i + 1 : j - 1], dot, env))
                i = j
                continue
            if kind == "str":
                out.append(json.loads(text))
            elif kind == "num":
                out.append(int(text))
            elif kind == "field":
                out.append(_lookup(dot, text))
            elif kind == "var":
                name, _, path = text.partition(".")
                if name not in env:
                    raise TemplateError(f"undefined variable {name}")
                out.append(_lookup(env[name], "." + path if path else "."))
            elif kind == "ident":
                out.append({"true": True, "false": False, "nil": None}.get(text, text))
            else:
                raise TemplateError(f"unexpected {text!r}")
            i += 1
        return out


_UNSET = object()


def _lookup(value: Any, path: str) -> Any:
    for part in path.strip(".").split("."):
        if not part:
            continue
        value = value.get(part) if isinstance(value, dict) else None
    return value


def render_chart(templates: dict[str, str], context: dict[str, Any]) -> dict[str, str]:
    """Every template rendered with `context` (Values, Release, Chart), partials excluded."""
    defines: dict[str, list[Node]] = {}
    parsed: dict[str, list[Node]] = {}
    for name, source in sorted(templates.items()):
        nodes, found = parse(source)
        defines.update(found)
        if not name.startswith("_"):
            parsed[name] = nodes
    renderer = Renderer(defines, context)
    return {name: renderer.render(nodes, context, {"$": context}) for name, nodes in parsed.items()}
