"""The HTTP route table, recorded as routes are registered, and the one place a route's
documentation is enforced.

Every HTTP function is registered through ``http_route``, which records its route, methods, auth
level and documentation here. The OpenAPI document is generated from this table, not from
``FunctionApp.get_functions()``: the worker has already called that once in Azure, and a second
call reports every function as a duplicate.

What ``RouteDoc`` documents is also what runs: before the handler, the caller's role is checked
(401 without a principal, 403 without the role), the query string is validated into
``RouteDoc.query`` and a JSON body into ``RouteDoc.request`` (422 naming the field). The handler
asks for what it needs by parameter name: ``actor`` (who called, for the audit log), ``query``
and ``body`` (the validated models).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import azure.functions as func
from pydantic import BaseModel

from functions.http_util import (
    READ_ROLES,
    WRITE_ROLES,
    handles,
    parse_model,
    parse_query,
    read_json,
    require_role,
)
from shared.catalogue import demo
from shared.core.dataset import Dataset, using
from shared.core.errors import RouteMisdeclared

Role = Literal["analyst", "admin"]
ALLOWED: dict[Role, frozenset[str]] = {"analyst": READ_ROLES, "admin": WRITE_ROLES}
# What a handler may ask for by parameter name, after the request itself.
INJECTED = frozenset({"actor", "query", "body"})


@dataclass(frozen=True)
class RouteDoc:
    summary: str
    # The JSON body's model (validated and passed as ``body``), or the form a multipart upload
    # documents (read by the handler itself).
    request: type[BaseModel] | None = None
    role: Role | None = "analyst"  # None: no sign-in needed; "admin": writes
    # The query string's model: validated before the handler and passed as ``query``.
    query: type[BaseModel] | None = None
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

# A handler takes the request and, by name, what ``INJECTED`` lists.
Handler = Callable[..., func.HttpResponse]


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
            raise RouteMisdeclared(f"function name {name!r} is registered twice")
        wants = _wants(fn, doc, name)
        ROUTES[name] = Route(name, route, tuple(methods), auth_level, doc)
        wrapped = bp.route(route=route, methods=methods, auth_level=auth_level)(
            handles(_calling(fn, doc, wants))
        )
        return bp.function_name(name)(wrapped)

    return register


def _wants(fn: Handler, doc: RouteDoc, name: str) -> frozenset[str]:
    """The names ``fn`` asks for, checked against its documentation when the app loads."""
    params = list(inspect.signature(fn).parameters)[1:]
    unknown = set(params) - INJECTED
    if unknown:
        raise RouteMisdeclared(
            f"{name}: a handler takes the request and {sorted(INJECTED)}: {unknown}"
        )
    if "actor" in params and doc.role is None:
        raise RouteMisdeclared(f"{name}: 'actor' needs a role: nobody signs in to this route")
    if "query" in params and doc.query is None:
        raise RouteMisdeclared(f"{name}: 'query' needs RouteDoc(query=<model>)")
    if "body" in params and (doc.request is None or doc.content != "application/json"):
        raise RouteMisdeclared(f"{name}: 'body' needs RouteDoc(request=<model>) of a JSON body")
    return frozenset(params)


DATASET_HEADER = "X-ReSight-Dataset"


def _calling(fn: Handler, doc: RouteDoc, wants: frozenset[str]):
    """The function the host calls: the role, then the query, then the body, then the handler
    in its dataset, saying which in the answer's header. Routes without sign-in (health, this
    document, webhooks) are the seller's and never read the demo's state, so they answer even
    when Cosmos does not."""

    def run(req: func.HttpRequest) -> func.HttpResponse:
        given: dict[str, Any] = {}
        if doc.role is not None:
            given["actor"] = require_role(req, ALLOWED[doc.role])
        if doc.query is not None:
            given["query"] = parse_query(doc.query, req)
        if "body" in wants and doc.request is not None:
            given["body"] = parse_model(doc.request, read_json(req))
        dataset: Dataset = "seller"
        if doc.dataset == "shown" and doc.role is not None:
            dataset = demo.shown()
        with using(dataset):
            response = fn(req, **{k: v for k, v in given.items() if k in wants})
        if DATASET_HEADER not in response.headers:  # the demo's routes name the one shown next
            response.headers[DATASET_HEADER] = dataset
        return response

    # The host reads the signature to bind ``req``: it must be this one, not the handler's
    # (which may ask for more), so the handler's name and docs are copied, never __wrapped__.
    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(run, attr, getattr(fn, attr))
    return run
