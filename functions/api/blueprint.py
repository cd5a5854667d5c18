"""The dashboard API blueprint and the per-route documentation the OpenAPI document reads.

Routes are registered with ``api_route``, which records the request model and summary next to
the function, so ``GET /api/openapi.json`` is generated from the same pydantic models that
validate the requests, and from the app's own route table: nothing is listed twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import azure.functions as func
from pydantic import BaseModel

from functions.http_util import handles

bp = func.Blueprint()


@dataclass(frozen=True)
class RouteDoc:
    summary: str
    request: type[BaseModel] | None = None
    role: str | None = "analyst"  # None: no sign-in needed; "admin": writes
    query: tuple[str, ...] = ()


DOCS: dict[str, RouteDoc] = {}


def api_route(
    name: str,
    route: str,
    methods: list[str],
    doc: RouteDoc,
) -> Callable[[Callable[[func.HttpRequest], func.HttpResponse]], object]:
    """Register an anonymous-level HTTP function (SWA auth + role checks guard it) with docs."""

    def register(fn: Callable[[func.HttpRequest], func.HttpResponse]) -> object:
        DOCS[name] = doc
        wrapped = handles(fn)
        wrapped = bp.route(route=route, methods=methods, auth_level=func.AuthLevel.ANONYMOUS)(
            wrapped
        )
        return bp.function_name(name)(wrapped)

    return register
