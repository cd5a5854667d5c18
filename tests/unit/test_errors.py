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


def test_invalid_value_is_still_caught_as_a_value_error():
    """Call sites that catch ``ValueError`` (amount parsing, pydantic validators) keep
    catching what became an ``InvalidValue``."""
    from shared.ingest.bulk.indian_formats import parse_amount

    with pytest.raises(ValueError, match="not an amount") as exc:
        parse_amount("twelve rupees")
    assert isinstance(exc.value, errors.InvalidValue)
