"""KPIs, chart series, item details, unmatched listings and their details, the audit log."""

from __future__ import annotations

from typing import Literal

import azure.functions as func
from pydantic import BaseModel, Field

from functions.api.blueprint import RouteDoc, api_route
from functions.api.item_view import item_details
from functions.http_util import json_response
from shared.adapters.cosmos import get_store
from shared.audit import trail
from shared.catalogue import demo, products
from shared.core.errors import NotFound
from shared.core.records import utcnow
from shared.ingest.catalogue_updates import update_listing
from shared.live.state import live
from shared.projection import projected_kpis


class SeriesQuery(BaseModel):
    range: Literal["hour", "day"] = "hour"


class AuditQuery(BaseModel):
    limit: int = Field(50, ge=1, le=200)
    continuation: str | None = Field(None, description="The previous page's continuation")
    action: str | None = None
    item_id: str | None = None


@api_route("metrics", "metrics", ["GET"], RouteDoc("KPIs over the last 24 h and all time"))
def metrics(req: func.HttpRequest) -> func.HttpResponse:
    state = live()
    state.sync()
    return json_response(state.kpi_snapshot(utcnow(), mode=state.mode()))


@api_route(
    "metrics_series",
    "metrics/series",
    ["GET"],
    RouteDoc("Per-minute (hour) or per-hour (day) series by marketplace", query=SeriesQuery),
)
def metrics_series(req: func.HttpRequest, query: SeriesQuery) -> func.HttpResponse:
    return json_response(projected_kpis.series(get_store(), utcnow(), query.range))


@api_route("item", "item/{id}", ["GET"], RouteDoc("One product: stock, counters, score, rank"))
def item(req: func.HttpRequest) -> func.HttpResponse:
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
def catalogue_update(
    req: func.HttpRequest, actor: str, body: products.ListingDetails
) -> func.HttpResponse:
    result = update_listing(get_store(), req.route_params["id"], body, actor)
    demo.real_data(f"catalogue details saved by {actor}")
    return json_response(result)


@api_route(
    "audit",
    "audit",
    ["GET"],
    RouteDoc("Audit log, newest first", query=AuditQuery),
)
def audit_log(req: func.HttpRequest, query: AuditQuery) -> func.HttpResponse:
    entries, token = trail.page(
        get_store(),
        limit=query.limit,
        continuation=query.continuation,
        action=query.action,
        item_id=query.item_id,
    )
    return json_response({"entries": entries, "continuation": token})
