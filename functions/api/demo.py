"""The demo: which dataset the dashboard shows, and the admin's switches (start a presenter's
demo, end it, delete the demo's data; each audited). ``shared.catalogue.demo`` holds the rules."""

from __future__ import annotations

import azure.functions as func

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import json_response
from shared.catalogue import demo
from shared.live import broadcast
from shared.live.state import live


def _answer(doc: dict) -> func.HttpResponse:
    body = demo.public(doc)
    response = json_response(body)
    # The dataset the dashboard shows from now on, whatever this route ran in.
    response.headers["X-ReSight-Dataset"] = body["dataset"]
    return response


def _changed(doc: dict) -> func.HttpResponse:
    broadcast.send("demo", demo.public(doc))
    return _answer(doc)


@api_route(
    "demo_status",
    "demo",
    ["GET"],
    RouteDoc("Which dataset the dashboard shows, and the demo's state", dataset="seller"),
)
def demo_status(req: func.HttpRequest) -> func.HttpResponse:
    return _answer(demo.status(fresh=True))


@api_route(
    "demo_start",
    "demo/start",
    ["POST"],
    RouteDoc(
        "Start a presenter's demo (admin, audited): simulated shoppers in the demo's own "
        "dataset until an admin ends it; the seller's data is not touched",
        role="admin",
        dataset="seller",
    ),
)
def demo_start(req: func.HttpRequest, actor: str) -> func.HttpResponse:
    return _changed(demo.start(actor))


@api_route(
    "demo_end",
    "demo/end",
    ["POST"],
    RouteDoc(
        "End the demo (admin, audited): the dashboard shows the seller's data",
        role="admin",
        dataset="seller",
    ),
)
def demo_end(req: func.HttpRequest, actor: str) -> func.HttpResponse:
    return _changed(demo.end(actor))


@api_route(
    "demo_delete",
    "demo",
    ["DELETE"],
    RouteDoc(
        "Delete the demo's data (admin, audited): its events, products, lake and snapshots; "
        "a running demo ends",
        role="admin",
        dataset="seller",
    ),
)
def demo_delete(req: func.HttpRequest, actor: str) -> func.HttpResponse:
    doc = demo.delete(actor)
    live.cache_clear("demo")  # this instance's demo ranking and feed
    return _changed(doc)
