"""Every exception class of the app is in ``shared.core.errors``, under ``ReSightError``."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

from shared.core import errors

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
EXCEPTIONS = {
    name
    for name, value in {**vars(builtins), **vars(errors)}.items()
    if isinstance(value, type) and issubclass(value, BaseException)
}


def _exception_classes() -> set[str]:
    found = set()
    for base in ("shared", "functions"):
        for path in (ROOT / base).rglob("*.py"):
            tree = ast.parse(path.read_text(), str(path))
            # An exception imported under another name is still one.
            local = EXCEPTIONS | {
                alias.asname
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module == "shared.core.errors"
                for alias in node.names
                if alias.asname and alias.name in EXCEPTIONS
            }
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    names = {getattr(b, "id", getattr(b, "attr", None)) for b in node.bases}
                    if names & local:
                        found.add(f"{path.relative_to(ROOT).as_posix()}:{node.name}")
    return found


def test_exception_classes_live_in_core_errors():
    outside = {c for c in _exception_classes() if not c.startswith("shared/core/errors.py:")}
    assert outside == set()


def test_every_error_is_a_resight_error():
    for name, value in vars(errors).items():
        if isinstance(value, type) and issubclass(value, BaseException):
            assert issubclass(value, errors.ReSightError), name


# Raises of a builtin exception allowed in shared/ and functions/, each with its reason, keyed
# "path:function:Exception". None: every failure there has a class of the tree.
BUILTIN_RAISES_ALLOWED: dict[str, str] = {}
BUILTIN_EXCEPTIONS = {
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}


def _builtin_raises(tree: ast.AST, where: str) -> set[str]:
    """``raise X(...)`` and ``raise X`` where X is a builtin exception, as
    ``where:function:X`` (``<module>`` outside a function)."""
    found = set()

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(raised, ast.Name) and raised.id in BUILTIN_EXCEPTIONS:
                found.add(f"{where}:{function}:{raised.id}")
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def test_nothing_in_shared_or_functions_raises_a_builtin_exception():
    found = set()
    for base in ("shared", "functions"):
        for path in (ROOT / base).rglob("*.py"):
            tree = ast.parse(path.read_text(), str(path))
            found |= _builtin_raises(tree, path.relative_to(ROOT).as_posix())
    assert found - set(BUILTIN_RAISES_ALLOWED) == set()
    assert set(BUILTIN_RAISES_ALLOWED) - found == set(), "allowed raises that are gone"


def test_the_builtin_raise_check_sees_calls_bare_names_and_nested_functions():
    source = (
        "def outer():\n"
        "    def inner():\n"
        "        raise KeyError('k')\n"
        "    raise ValueError\n"
        "def tree_error():\n"
        "    raise InvalidValue('fine')\n"
        "def reraise():\n"
        "    try:\n"
        "        pass\n"
        "    except OSError:\n"
        "        raise\n"
        "raise RuntimeError('at import')\n"
    )
    assert _builtin_raises(ast.parse(source), "m.py") == {
        "m.py:inner:KeyError",
        "m.py:outer:ValueError",
        "m.py:<module>:RuntimeError",
    }


def test_invalid_value_is_still_caught_as_a_value_error():
    """Call sites that catch ``ValueError`` (amount parsing, pydantic validators) keep
    catching what became an ``InvalidValue``."""
    from shared.ingest.bulk.indian_formats import parse_amount

    with pytest.raises(ValueError, match="not an amount") as exc:
        parse_amount("twelve rupees")
    assert isinstance(exc.value, errors.InvalidValue)
