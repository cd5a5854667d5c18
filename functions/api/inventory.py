"""Inventory intelligence: store danger summary, search, item detail, decisions and the
one-click clearance (admin), risk scores and the risk model's prediction for a description,
and a price set by hand (admin)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import CommaList, json_response
from shared.adapters.blob import model_store
from shared.adapters.cosmos import Store, get_store
from shared.catalogue import demo
from shared.core.errors import ValidationFailed
from shared.core.records import utcnow
from shared.core.settings import IST
from shared.inventory import actions, queries
from shared.inventory.risk import Scorer
from shared.live import triggers
from shared.live.state import live
from shared.ml.registry import ModelRegistry
from shared.ml.risk.model import RiskModel, registry


class PredictRequest(BaseModel):
    """``POST /api/ml/predict``: one item by its description."""

    model_config = ConfigDict(extra="forbid")

    category: str = Field(..., min_length=1, max_length=128)
    quantity: int = Field(..., ge=0, le=10_000_000)
    item_mrp: float = Field(..., gt=0, le=10_000_000)
    lifecycle_start_date: date


@lru_cache(maxsize=1)
def _risk_registry() -> ModelRegistry[RiskModel]:
    # One registry per process: it keeps the loaded model until current.json moves.
    return registry(model_store())


class DayQuery(BaseModel):
    day: date | None = Field(None, description="IST day of the snapshots; default the latest")

    def resolved(self, store: Store) -> date | None:
        return self.day or queries.latest_day(store)


class SearchQuery(DayQuery):
    query: str | None = Field(None, description="Text in the title, item id or brand")
    department: CommaList = None
    store_id: str | None = None
    danger: CommaList = Field(None, description="Danger levels, e.g. HIGH,CRITICAL")
    alert_only: bool = False
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=queries.MAX_PAGE_SIZE)


class DecisionsQuery(DayQuery):
    store_id: str | None = None
    action: str | None = None
    limit: int = Field(100, ge=1, le=1000)


class RiskQuery(DayQuery):
    store_id: str | None = None
    product_id: str | None = None
    category: str | None = None
    min_risk: float | None = Field(None, ge=0, le=1)
    limit: int = Field(100, ge=1, le=1000)


@api_route(
    "inventory_store_danger_summary",
    "inventory/store-danger-summary",
    ["GET"],
    RouteDoc(
        "Capital at risk by store and danger level, item counts, change since yesterday",
        query=DayQuery,
    ),
)
def store_danger_summary(req: func.HttpRequest, query: DayQuery) -> func.HttpResponse:
    store = get_store()
    return json_response(queries.store_danger_summary(store, query.resolved(store)))


@api_route(
    "inventory_search",
    "inventory/search",
    ["GET"],
    RouteDoc(
        "Search the day's inventory by text, department, store and danger, paged",
        query=SearchQuery,
    ),
)
def search(req: func.HttpRequest, query: SearchQuery) -> func.HttpResponse:
    store = get_store()
    return json_response(
        queries.search(
            store,
            query.resolved(store),
            query=(query.query or "").strip() or None,
            departments=query.department,
            store_id=query.store_id,
            danger=[d.upper() for d in query.danger] if query.danger else None,
            alert_only=query.alert_only,
            page=query.page,
            page_size=query.page_size,
        )
    )


@api_route(
    "inventory_item",
    "inventory/items/{id}",
    ["GET"],
    RouteDoc(
        "One product: current price, days active, price history, each store's snapshot",
        query=DayQuery,
    ),
)
def item(req: func.HttpRequest, query: DayQuery) -> func.HttpResponse:
    store = get_store()
    return json_response(queries.item_detail(store, req.route_params["id"], query.resolved(store)))


@api_route(
    "inventory_decisions",
    "inventory/decisions",
    ["GET"],
    RouteDoc(
        "Recommended actions for items in danger, by expected capital recovered",
        query=DecisionsQuery,
    ),
)
def decisions(req: func.HttpRequest, query: DecisionsQuery) -> func.HttpResponse:
    store = get_store()
    return json_response(
        queries.decisions(
            store,
            query.resolved(store),
            store_id=query.store_id,
            action=query.action,
            limit=query.limit,
        )
    )


@api_route(
    "inventory_clearance",
    "inventory/decisions/clearance",
    ["POST"],
    RouteDoc(
        "Create the boost-clearance rule a decision proposes (admin, audited)",
        request=actions.ClearanceRequest,
        role="admin",
    ),
)
def clearance(
    req: func.HttpRequest, actor: str, body: actions.ClearanceRequest
) -> func.HttpResponse:
    store = get_store()
    day = body.day or queries.latest_day(store)
    if day is None:
        raise ValidationFailed("no daily snapshot yet: run the daily job first", field="day")
    result = actions.clearance(store, body, day, actor)
    if result["created"]:
        live().sync()  # the re-rank needs this instance's ranking in place
        triggers.rules_changed()
    return json_response(result, 201 if result["created"] else 200)


@api_route(
    "ml_predict",
    "ml/predict",
    ["POST"],
    RouteDoc(
        "Risk that an item described by category, quantity, MRP and lifecycle start "
        "does not sell in 30 days",
        request=PredictRequest,
    ),
)
def predict(req: func.HttpRequest, body: PredictRequest) -> func.HttpResponse:
    today = utcnow().astimezone(IST).date()
    if body.lifecycle_start_date > today + timedelta(days=1):
        raise ValidationFailed(
            "lifecycle_start_date is in the future", field="lifecycle_start_date"
        )
    days_active = max(0, (today - body.lifecycle_start_date).days)
    scorer = Scorer.current(_risk_registry())
    answer = scorer.describe(body.category, body.quantity, body.item_mrp, days_active)
    return json_response({**answer, "days_active": days_active})


@api_route(
    "ml_inventory",
    "ml/inventory",
    ["GET"],
    RouteDoc(
        "Risk scores of the day's inventory (the rules-based level, labelled, without a model)",
        query=RiskQuery,
    ),
)
def ml_inventory(req: func.HttpRequest, query: RiskQuery) -> func.HttpResponse:
    store = get_store()
    return json_response(
        queries.risk_scores(
            store,
            query.resolved(store),
            store_id=query.store_id,
            product_id=query.product_id,
            category=query.category,
            min_risk=query.min_risk,
            limit=query.limit,
            explain=Scorer.current(_risk_registry()).explain,
        )
    )


@api_route(
    "products_price",
    "products/price",
    ["POST"],
    RouteDoc(
        "Set a product's price (a price event; creates the product if missing; admin)",
        request=actions.PriceUpdate,
        role="admin",
        dataset="seller",
    ),
)
def product_price(
    req: func.HttpRequest, actor: str, body: actions.PriceUpdate
) -> func.HttpResponse:
    result = actions.set_price(get_store(), body, actor)
    demo.real_data(f"a price set by {actor}")
    return json_response(result, 201 if result["created"] else 200)
