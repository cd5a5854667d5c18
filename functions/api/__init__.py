"""The dashboard API: every route lives in a module of this folder on one blueprint."""

from functions.api import catalogue, ranking, rules, stores, system  # noqa: F401 - registers
from functions.api.blueprint import bp

__all__ = ["bp"]
