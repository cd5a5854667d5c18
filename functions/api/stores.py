"""Marketplace store connections (admin writes)."""

from __future__ import annotations

import azure.functions as func

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import READ_ROLES, WRITE_ROLES, json_response, require_role
from shared.adapters.cosmos import get_store
from shared.catalogue import connections
from shared.live import broadcast


@api_route("stores_list", "stores", ["GET"], RouteDoc("Marketplace connections and mode"))
def list_stores(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    return json_response(connections.payload(get_store()))


def _set(req: func.HttpRequest, connected: bool) -> func.HttpResponse:
    actor = require_role(req, WRITE_ROLES)
    body = connections.set_connected(get_store(), req.route_params["marketplace"], connected, actor)
    broadcast.send("stores", body)
    return json_response(body)


@api_route(
    "stores_connect",
    "stores/{marketplace}/connect",
    ["POST"],
    RouteDoc("Connect a marketplace (pauses the mock feed)", role="admin"),
)
def connect(req: func.HttpRequest) -> func.HttpResponse:
    return _set(req, True)


@api_route(
    "stores_disconnect",
    "stores/{marketplace}/disconnect",
    ["POST"],
    RouteDoc("Disconnect a marketplace", role="admin"),
)
def disconnect(req: func.HttpRequest) -> func.HttpResponse:
    return _set(req, False)
