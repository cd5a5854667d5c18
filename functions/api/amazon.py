"""Amazon's connection as the Stores page shows it: the three paths' health and the SP-API
figures, a "test connection" call, and an admin's request for the history backfill."""

from __future__ import annotations

import azure.functions as func
from pydantic import BaseModel, Field

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import json_response
from shared.adapters.cosmos import get_store
from shared.audit import trail
from shared.core.settings import get_settings
from shared.ingest import sp_api_history
from shared.ingest.sp_api_catchup import health

MAX_DAYS = 730


@api_route(
    "stores_amazon_sp_api",
    "stores/amazon/sp-api",
    ["GET"],
    RouteDoc(
        "Amazon's paths (notifications, catch-up, backfill): healthy or not and why; per SP-API "
        "operation the last pull, lag, waits and errors; which LWA fields are set",
        dataset="seller",
    ),
)
def amazon_sp_api(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(health.status(get_store(), get_settings()))


@api_route(
    "stores_amazon_test",
    "stores/amazon/sp-api/test",
    ["POST"],
    RouteDoc(
        "Test the SP-API credentials (getMarketplaceParticipations): ok, or why not",
        role="admin",
        dataset="seller",
    ),
)
def amazon_test(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(health.test_connection(get_settings()))


class BackfillQuery(BaseModel):
    days: int | None = Field(
        None, ge=1, le=MAX_DAYS, description="How far back; default SP_API_BACKFILL_DAYS"
    )


@api_route(
    "stores_amazon_backfill",
    "stores/amazon/sp-api/backfill",
    ["POST"],
    RouteDoc(
        "Ask for Amazon's order history (the all-orders report, in 30-day chunks) for the last "
        "?days= days (default SP_API_BACKFILL_DAYS); 202 with its progress (admin, audited)",
        role="admin",
        query=BackfillQuery,
        dataset="seller",
    ),
)
def amazon_backfill(req: func.HttpRequest, actor: str, query: BackfillQuery) -> func.HttpResponse:
    store, settings = get_store(), get_settings()
    doc = sp_api_history.request(store, settings, actor=actor, days=query.days)
    trail.record(store, "amazon.backfill", actor, details={"days": doc.get("days")})
    return json_response(sp_api_history.progress(doc, store), 202)
