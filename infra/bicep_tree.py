"""Read the Bicep templates as syntax trees, so tests can hold them to the code.

The Bicep CLI is not needed: ``tree-sitter-bicep`` parses the files, ``syntax_errors`` lists
what it could not parse, and ``literal`` turns object and array literals into Python values
(anything computed stays an ``Expr`` holding its source text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import tree_sitter_bicep
from tree_sitter import Language, Node, Parser

BICEP_DIR = Path(__file__).resolve().parent / "bicep"


@dataclass(frozen=True)
class Expr:
    """A value Bicep computes at deployment time; ``text`` is its source."""

    text: str


@dataclass
class Resource:
    symbol: str
    type: str  # "Microsoft.Web/sites@2023-12-01"
    body: dict[str, Any]
    comment: str  # the comment lines directly above the declaration
    existing: bool
    loop_source: str | None = None  # "containers" in `[for c in containers: {...}]`


@dataclass
class Template:
    path: Path
    params: dict[str, Any] = field(default_factory=dict)  # name -> default (None if required)
    # name -> {"minValue": 40, "allowed": [2048, 4096], ...}: each decorator's first argument
    param_decorators: dict[str, dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    resources: list[Resource] = field(default_factory=list)
    modules: dict[str, str] = field(default_factory=dict)  # symbol -> path
    module_params: dict[str, dict[str, Any]] = field(default_factory=dict)  # symbol -> params
    outputs: dict[str, str] = field(default_factory=dict)  # name -> expression source


@cache
def _parser() -> Parser:
    return Parser(Language(tree_sitter_bicep.language()))


def parse(source: bytes) -> Node:
    return _parser().parse(source).root_node


def bicep_files() -> list[Path]:
    return sorted(BICEP_DIR.rglob("*.bicep"))


def syntax_errors(source: bytes) -> list[str]:
    """``line:column node`` for every ERROR or MISSING node; empty when the file parses."""
    found: list[str] = []

    def walk(node: Node) -> None:
        if node.is_error or node.is_missing:
            row, column = node.start_point
            found.append(f"{row + 1}:{column + 1} {'MISSING' if node.is_missing else 'ERROR'}")
        for child in node.children:
            walk(child)

    walk(parse(source))
    return found


def _text(node: Node) -> str:
    return (node.text or b"").decode()


def _string(node: Node) -> str | Expr:
    if any(child.type == "interpolation" for child in node.children):
        return Expr(_text(node))
    return "".join(_text(child) for child in node.children if child.type == "string_content")


def _key(node: Node) -> str:
    return _string(node) if node.type == "string" else _text(node)  # type: ignore[return-value]


def literal(node: Node) -> Any:
    kind = node.type
    if kind == "object":
        result: dict[str, Any] = {}
        for prop in node.named_children:
            parts = [child for child in prop.named_children if child.type != "comment"]
            # A nested child resource also sits in an object_property; it is not a value.
            if prop.type == "object_property" and len(parts) == 2:
                result[_key(parts[0])] = literal(parts[1])
        return result
    if kind == "array":
        return [literal(item) for item in node.named_children if item.type != "comment"]
    if kind == "string":
        return _string(node)
    if kind == "number":
        return int(_text(node))
    if kind == "boolean":
        return _text(node) == "true"
    if kind == "null":
        return None
    if kind == "parenthesized_expression" and len(node.named_children) == 1:
        return literal(node.named_children[0])
    return Expr(_text(node))


def _value_after(node: Node, token: str) -> Node | None:
    seen = False
    for child in node.children:
        if seen and child.is_named and child.type != "comment":
            return child
        if child.type == token:
            seen = True
    return None


def _comment_above(node: Node) -> str:
    lines: list[str] = []
    sibling = node.prev_sibling
    row = node.start_point[0]
    while sibling is not None and sibling.type in ("comment", "decorators"):
        if sibling.type == "comment":
            if sibling.end_point[0] != row - 1:
                break
            lines.insert(0, _text(sibling).removeprefix("//").strip())
        row = sibling.start_point[0]
        sibling = sibling.prev_sibling
    return " ".join(lines)


def _decorators(node: Node) -> dict[str, Any]:
    """``@name(argument)`` decorators directly above a declaration, by name."""
    found: dict[str, Any] = {}
    sibling = node.prev_named_sibling
    while sibling is not None and sibling.type == "comment":
        sibling = sibling.prev_named_sibling
    if sibling is None or sibling.type != "decorators":
        return found
    for decorator in sibling.named_children:
        call = next((c for c in decorator.named_children if c.type == "call_expression"), None)
        if call is None:
            continue
        name = next(c for c in call.named_children if c.type == "identifier")
        arguments = next((c for c in call.named_children if c.type == "arguments"), None)
        values = [a for a in arguments.named_children if a.type != "comment"] if arguments else []
        found[_text(name)] = literal(values[0]) if values else None
    return found


def load(path: Path) -> Template:
    template = Template(path)
    for node in parse(path.read_bytes()).named_children:
        name_node = next((c for c in node.named_children if c.type == "identifier"), None)
        name = _text(name_node) if name_node else ""
        if node.type == "parameter_declaration":
            default = _value_after(node, "=")
            template.params[name] = literal(default) if default is not None else None
            template.param_decorators[name] = _decorators(node)
        elif node.type == "variable_declaration":
            template.variables[name] = literal(_value_after(node, "="))  # type: ignore[arg-type]
        elif node.type == "output_declaration":
            template.outputs[name] = _text(_value_after(node, "="))  # type: ignore[arg-type]
        elif node.type == "module_declaration":
            module_path = next(c for c in node.named_children if c.type == "string")
            template.modules[name] = str(_string(module_path))
            body = _value_after(node, "=")
            if body is not None and body.type == "if_statement":  # a conditional module
                body = next(c for c in reversed(body.named_children) if c.type == "object")
            params = literal(body).get("params", {}) if body is not None else {}
            template.module_params[name] = params
        elif node.type == "resource_declaration":
            template.resources.extend(_resources(node, name))
    return template


def _resources(node: Node, symbol: str, parent_type: str = "") -> list[Resource]:
    type_node = next(c for c in node.named_children if c.type == "string")
    resource_type = str(_string(type_node))
    if parent_type and "/" not in resource_type:
        # A nested `resource blobs 'blobServices'` is a child of the enclosing type.
        parent_name, version = parent_type.split("@")
        resource_type = f"{parent_name}/{resource_type}@{version}"
    existing = any(child.type == "existing" for child in node.children)
    comment = _comment_above(node)
    value = _value_after(node, "=")
    loop_source = None
    if value is not None and value.type == "for_statement":
        in_index = next(i for i, c in enumerate(value.children) if c.type == "in")
        loop_source = _text(value.children[in_index + 1])
        value = next(c for c in reversed(value.named_children) if c.type == "object")
    elif value is not None and value.type == "if_statement":
        value = next(c for c in value.named_children if c.type == "object")
    body = literal(value) if value is not None and value.type == "object" else {}
    found = [Resource(symbol, resource_type, body, comment, existing, loop_source)]
    if value is not None and value.type == "object":
        for prop in value.named_children:
            for child in prop.named_children:
                if child.type == "resource_declaration":
                    child_name = next(c for c in child.named_children if c.type == "identifier")
                    found.extend(_resources(child, _text(child_name), resource_type))
    return found


def load_all() -> dict[str, Template]:
    """Every template, keyed by its path relative to ``infra/bicep`` ("modules/cosmos.bicep")."""
    return {path.relative_to(BICEP_DIR).as_posix(): load(path) for path in bicep_files()}
