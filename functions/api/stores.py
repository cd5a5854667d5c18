"""Marketplace connections: health per marketplace, the manual switch and secret rotation
(admin writes, audited)."""

from __future__ import annotations

from urllib.parse import urlsplit

import azure.functions as func

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import json_response
from shared.adapters.cosmos import get_store
from shared.catalogue import connections
from shared.core.settings import get_settings
from shared.live import broadcast
from shared.live.state import live


def _with_urls(req: func.HttpRequest, body: dict) -> dict:
    # The function host's own address: marketplaces call it directly, not through the
    # Static Web App (the request reaches the API on that host).
    parts = urlsplit(req.url)
    base = f"{parts.scheme}://{parts.netloc}"
    for entry in body["stores"]:
        entry["webhook_url"] = base + entry["webhook_path"]
    return body


@api_route(
    "stores_list",
    "stores",
    ["GET"],
    RouteDoc(
        "Per marketplace: connected, last event, events per minute, rejected deliveries",
        dataset="seller",
    ),
)
def list_stores(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(_with_urls(req, connections.payload(get_store())))


def _set(req: func.HttpRequest, connected: bool, actor: str) -> func.HttpResponse:
    body = connections.set_connected(get_store(), req.route_params["marketplace"], connected, actor)
    live().stores_changed()
    broadcast.send("stores", body)
    return json_response(_with_urls(req, body))


@api_route(
    "stores_connect",
    "stores/{marketplace}/connect",
    ["POST"],
    RouteDoc(
        "Mark a marketplace connected by hand (its Live badge without a recent event)",
        role="admin",
        dataset="seller",
    ),
)
def connect(req: func.HttpRequest, actor: str) -> func.HttpResponse:
    return _set(req, True, actor)


@api_route(
    "stores_disconnect",
    "stores/{marketplace}/disconnect",
    ["POST"],
    RouteDoc("Switch the manual connection off", role="admin", dataset="seller"),
)
def disconnect(req: func.HttpRequest, actor: str) -> func.HttpResponse:
    return _set(req, False, actor)


@api_route(
    "stores_rotate_secret",
    "stores/{marketplace}/rotate-secret",
    ["POST"],
    RouteDoc(
        "A new webhook secret, shown once; the previous one stays valid for 24 h",
        role="admin",
        dataset="seller",
    ),
)
def rotate_secret(req: func.HttpRequest, actor: str) -> func.HttpResponse:
    result = connections.rotate_secret(
        get_store(), req.route_params["marketplace"], actor, get_settings()
    )
    live().stores_changed()
    broadcast.send("stores", connections.payload(get_store()))  # never the secret
    return json_response(result, headers={"cache-control": "no-store"})
