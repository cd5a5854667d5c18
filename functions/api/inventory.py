"""Inventory intelligence: store danger summary, search, item detail, decisions and the
one-click clearance (admin), risk scores and the risk model's prediction for a description,
and a price set by hand (admin)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import (
    READ_ROLES,
    WRITE_ROLES,
    json_response,
    parse_model,
    read_json,
    require_role,
)
from shared.adapters.blob import model_store
from shared.adapters.cosmos import get_store
from shared.catalogue import demo
from shared.core.errors import ValidationFailed
from shared.core.records import utcnow
from shared.inventory import actions, queries
from shared.inventory.risk import Scorer
from shared.inventory.snapshot import IST
from shared.live import triggers
from shared.live.state import live
from shared.ml.registry import ModelRegistry
from shared.ml.risk.model import RiskModel
from shared.ml.risk.train import registry


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


def _int(req: func.HttpRequest, name: str, default: int) -> int:
    try:
        return int(req.params.get(name, str(default)))
    except ValueError as exc:
        raise ValidationFailed(f"'{name}' must be a whole number", field=name) from exc


def _list(req: func.HttpRequest, name: str) -> list[str] | None:
    raw = req.params.get(name)
    values = [v.strip() for v in raw.split(",") if v.strip()] if raw else []
    return values or None


def _bool(req: func.HttpRequest, name: str) -> bool:
    raw = (req.params.get(name) or "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise ValidationFailed(f"'{name}' must be true or false", field=name)
    return raw in ("true", "1")


@api_route(
    "inventory_store_danger_summary",
    "inventory/store-danger-summary",
    ["GET"],
    RouteDoc(
        "Capital at risk by store and danger level, item counts, change since yesterday",
        query=("day",),
    ),
)
def store_danger_summary(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    store = get_store()
    return json_response(
        queries.store_danger_summary(store, queries.resolve_day(store, req.params.get("day")))
    )


@api_route(
    "inventory_search",
    "inventory/search",
    ["GET"],
    RouteDoc(
        "Search the day's inventory by text, department, store and danger, paged",
        query=(
            "query",
            "department",
            "store_id",
            "danger",
            "alert_only",
            "page",
            "page_size",
            "day",
        ),
    ),
)
def search(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    store = get_store()
    return json_response(
        queries.search(
            store,
            queries.resolve_day(store, req.params.get("day")),
            query=(req.params.get("query") or "").strip() or None,
            departments=_list(req, "department"),
            store_id=req.params.get("store_id") or None,
            danger=[d.upper() for d in _list(req, "danger") or []] or None,
            alert_only=_bool(req, "alert_only"),
            page=_int(req, "page", 1),
            page_size=_int(req, "page_size", 50),
        )
    )


@api_route(
    "inventory_item",
    "inventory/items/{id}",
    ["GET"],
    RouteDoc(
        "One product: current price, days active, price history, each store's snapshot",
        query=("day",),
    ),
)
def item(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    store = get_store()
    day = queries.resolve_day(store, req.params.get("day"))
    return json_response(queries.item_detail(store, req.route_params["id"], day))


@api_route(
    "inventory_decisions",
    "inventory/decisions",
    ["GET"],
    RouteDoc(
        "Recommended actions for items in danger, by expected capital recovered",
        query=("store_id", "action", "limit", "day"),
    ),
)
def decisions(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    store = get_store()
    return json_response(
        queries.decisions(
            store,
            queries.resolve_day(store, req.params.get("day")),
            store_id=req.params.get("store_id") or None,
            action=req.params.get("action") or None,
            limit=_int(req, "limit", 100),
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
def clearance(req: func.HttpRequest) -> func.HttpResponse:
    actor = require_role(req, WRITE_ROLES)
    body = parse_model(actions.ClearanceRequest, read_json(req))
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
def predict(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    body = parse_model(PredictRequest, read_json(req))
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
        query=("store_id", "product_id", "category", "min_risk", "limit", "day"),
    ),
)
def ml_inventory(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    raw = req.params.get("min_risk")
    try:
        min_risk = None if raw in (None, "") else float(raw)
    except ValueError as exc:
        raise ValidationFailed("'min_risk' must be a number 0-1", field="min_risk") from exc
    store = get_store()
    return json_response(
        queries.risk_scores(
            store,
            queries.resolve_day(store, req.params.get("day")),
            store_id=req.params.get("store_id") or None,
            product_id=req.params.get("product_id") or None,
            category=req.params.get("category") or None,
            min_risk=min_risk,
            limit=_int(req, "limit", 100),
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
def product_price(req: func.HttpRequest) -> func.HttpResponse:
    actor = require_role(req, WRITE_ROLES)
    body = parse_model(actions.PriceUpdate, read_json(req))
    result = actions.set_price(get_store(), body, actor)
    demo.real_data(f"a price set by {actor}")
    return json_response(result, 201 if result["created"] else 200)
