"""Health, OpenAPI and SignalR negotiate."""

from __future__ import annotations

import contextlib

import azure.functions as func

from functions import openapi
from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import json_response
from functions.routes import ROUTES
from shared.adapters import health as health_check
from shared.adapters import signalr
from shared.adapters.cosmos import get_store
from shared.core.errors import ServiceUnavailable
from shared.core.settings import get_settings
from shared.projection import dead_letters


@api_route("health", "health", ["GET"], RouteDoc("Liveness and dependency check", role=None))
def health(req: func.HttpRequest) -> func.HttpResponse:
    """Each dependency, required or not, and each setting whose Key Vault reference did not
    resolve (``shared.adapters.health``): 503 when a required one (Cosmos DB, Blob) is down,
    200 otherwise. Anonymous: names and statuses only, no endpoint, key or secret."""
    result = health_check.report(get_settings(), lambda: get_store().ping())
    body = result.to_dict()
    if result.checks["cosmos"].status == "ok":
        # Items whose events could not be projected: visible, and replayable once fixed.
        with contextlib.suppress(ServiceUnavailable):
            body["dead_letters"] = dead_letters.count(get_store())
    return json_response(body, result.http_status)


@api_route(
    "deadletters",
    "deadletters",
    ["GET"],
    RouteDoc("Items whose events could not be projected, newest first"),
)
def dead_letter_list(req: func.HttpRequest) -> func.HttpResponse:
    store = get_store()
    return json_response({"count": dead_letters.count(store), "items": dead_letters.listing(store)})


@api_route("openapi", "openapi.json", ["GET"], RouteDoc("This OpenAPI document", role=None))
def openapi_document(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(openapi.document(ROUTES.values()))


@api_route("negotiate", "negotiate", ["POST"], RouteDoc("SignalR client connection info"))
def negotiate(req: func.HttpRequest, actor: str) -> func.HttpResponse:
    user = actor
    client = signalr.from_settings(get_settings())
    if client is None:
        raise ServiceUnavailable("SignalR is not configured (SignalR__connectionString)")
    return json_response(client.negotiate(user_id=user))
