"""The HTTP route table, recorded as routes are registered.

Every HTTP function is registered through ``http_route``, which records its route, methods, auth
level and documentation here. The OpenAPI document is generated from this table, not from
``FunctionApp.get_functions()``: the worker has already called that once in Azure, and a second
call reports every function as a duplicate.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import azure.functions as func
from pydantic import BaseModel

from functions.http_util import handles
from shared.catalogue import demo
from shared.core.dataset import Dataset, using


@dataclass(frozen=True)
class RouteDoc:
    summary: str
    request: type[BaseModel] | None = None
    role: str | None = "analyst"  # None: no sign-in needed; "admin": writes
    query: tuple[str, ...] = ()
    # The request body's media type (uploads are multipart/form-data).
    content: str = "application/json"
    # The data the route reads and writes: ``shown`` is what the dashboard shows now (the demo's
    # while a demo runs, ``shared.catalogue.demo``); ``seller`` always the seller's own (marketplace
    # connections, imports, catalogue and price writes: real data, never the demo's).
    dataset: Literal["shown", "seller"] = "shown"


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
        scoped = _in_dataset(fn, doc)
        wrapped = bp.route(route=route, methods=methods, auth_level=auth_level)(handles(scoped))
        return bp.function_name(name)(wrapped)

    return register


DATASET_HEADER = "X-ReSight-Dataset"


def _in_dataset(fn: Handler, doc: RouteDoc) -> Handler:
    """Run the handler in its dataset and say which in the answer's header. Routes without
    sign-in (health, this document) are the seller's and never read the demo's state, so they
    answer even when Cosmos does not."""

    @functools.wraps(fn)
    def run(req: func.HttpRequest) -> func.HttpResponse:
        dataset: Dataset = "seller"
        if doc.dataset == "shown" and doc.role is not None:
            dataset = demo.shown()
        with using(dataset):
            response = fn(req)
        if DATASET_HEADER not in response.headers:  # the demo's routes name the one shown next
            response.headers[DATASET_HEADER] = dataset
        return response

    return run
