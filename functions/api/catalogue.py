"""KPIs, chart series, item details, unmatched listings and their details, the audit log."""

from __future__ import annotations

import azure.functions as func

from functions.api.blueprint import RouteDoc, api_route
from functions.api.item_view import item_details
from functions.http_util import (
    READ_ROLES,
    WRITE_ROLES,
    json_response,
    parse_model,
    read_json,
    require_role,
)
from shared.adapters.cosmos import get_store
from shared.audit import trail
from shared.catalogue import demo, products
from shared.core.errors import NotFound, ValidationFailed
from shared.core.records import utcnow
from shared.ingest.catalogue_updates import update_listing
from shared.live.state import live
from shared.projection import projected_kpis


@api_route("metrics", "metrics", ["GET"], RouteDoc("KPIs over the last 24 h and all time"))
def metrics(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    state = live()
    state.sync()
    return json_response(state.kpi_snapshot(utcnow(), mode=state.mode()))


@api_route(
    "metrics_series",
    "metrics/series",
    ["GET"],
    RouteDoc("Per-minute (hour) or per-hour (day) series by marketplace", query=("range",)),
)
def metrics_series(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    range_ = req.params.get("range", "hour")
    if range_ not in ("hour", "day"):
        raise ValidationFailed("'range' must be 'hour' or 'day'", field="range")
    return json_response(projected_kpis.series(get_store(), utcnow(), range_))


@api_route("item", "item/{id}", ["GET"], RouteDoc("One product: stock, counters, score, rank"))
def item(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    item_id = req.route_params["id"]
    state = live()
    state.sync()
    product = state.cache.get(item_id)
    if product is None:
        raise NotFound(f"no item {item_id!r}")
    return json_response(item_details(state, product, utcnow()))


@api_route(
    "catalogue_unmatched",
    "catalogue/unmatched",
    ["GET"],
    RouteDoc("Listings seen in events that need catalogue details"),
)
def catalogue_unmatched(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    return json_response({"items": products.unmatched(get_store())})


@api_route(
    "catalogue_update",
    "catalogue/{id}",
    ["PUT"],
    RouteDoc(
        "Complete or correct a listing's catalogue details (admin, audited)",
        request=products.ListingDetails,
        role="admin",
        dataset="seller",
    ),
)
def catalogue_update(req: func.HttpRequest) -> func.HttpResponse:
    actor = require_role(req, WRITE_ROLES)
    details = parse_model(products.ListingDetails, read_json(req))
    result = update_listing(get_store(), req.route_params["id"], details, actor)
    demo.real_data(f"catalogue details saved by {actor}")
    return json_response(result)


@api_route(
    "audit",
    "audit",
    ["GET"],
    RouteDoc("Audit log, newest first", query=("limit", "continuation", "action", "item_id")),
)
def audit_log(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    try:
        limit = int(req.params.get("limit", "50"))
    except ValueError as exc:
        raise ValidationFailed("'limit' must be a whole number", field="limit") from exc
    if not 1 <= limit <= 200:
        raise ValidationFailed("'limit' must be between 1 and 200", field="limit")
    entries, token = trail.page(
        get_store(),
        limit=limit,
        continuation=req.params.get("continuation"),
        action=req.params.get("action"),
        item_id=req.params.get("item_id"),
    )
    return json_response({"entries": entries, "continuation": token})
