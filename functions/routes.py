"""The HTTP route table, recorded as routes are registered.

Every HTTP function is registered through ``http_route``, which records its route, methods, auth
level and documentation here. The OpenAPI document is generated from this table, not from
``FunctionApp.get_functions()``: the worker has already called that once in Azure, and a second
call reports every function as a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import azure.functions as func
from pydantic import BaseModel

from functions.http_util import handles


@dataclass(frozen=True)
class RouteDoc:
    summary: str
    request: type[BaseModel] | None = None
    role: str | None = "analyst"  # None: no sign-in needed; "admin": writes
    query: tuple[str, ...] = ()
    # The request body's media type (uploads are multipart/form-data).
    content: str = "application/json"


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    methods: tuple[str, ...]
    auth_level: func.AuthLevel
    doc: RouteDoc


ROUTES: dict[str, Route] = {}

Handler = Callable[[func.HttpRequest], func.HttpResponse]


def http_route(
    bp: func.Blueprint,
    name: str,
    route: str,
    methods: list[str],
    auth_level: func.AuthLevel,
    doc: RouteDoc,
) -> Callable[[Handler], object]:
    """Register an HTTP function on ``bp`` (errors mapped by ``handles``) and record it."""

    def register(fn: Handler) -> object:
        if name in ROUTES:
            raise ValueError(f"function name {name!r} is registered twice")
        ROUTES[name] = Route(name, route, tuple(methods), auth_level, doc)
        wrapped = bp.route(route=route, methods=methods, auth_level=auth_level)(handles(fn))
        return bp.function_name(name)(wrapped)

    return register
