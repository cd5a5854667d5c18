"""Analytics KPIs over the lake's gold tables: ``/api/analytics/<kpi>``.

Dates are IST calendar days (``start``/``end``, ISO ``YYYY-MM-DD``, both included; default
the last 30 days). Every answer carries ``lake_version`` (the lake run it was computed from).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import azure.functions as func

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import READ_ROLES, json_response, require_role
from shared.analytics.kpi_queries import Kpis
from shared.analytics.lake import lake_store
from shared.analytics.warehouse import Warehouse, WarehouseCache
from shared.core.errors import ValidationFailed
from shared.core.records import utcnow
from shared.core.settings import get_settings

# One loaded warehouse per instance, replaced when the lake job publishes a new run.
WAREHOUSES = WarehouseCache()
IST = timedelta(hours=5, minutes=30)
RANGE = ("start", "end")


def warehouse() -> Warehouse:
    settings = get_settings()
    return WAREHOUSES.get(settings, lake_store(settings))


def kpis() -> Kpis:
    settings = get_settings()
    return Kpis(
        warehouse(), timeout=settings.query_timeout_seconds, max_rows=settings.query_max_rows
    )


def _day(req: func.HttpRequest, name: str, default: date) -> date:
    raw = req.params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed(f"'{name}' must be a date (YYYY-MM-DD)", field=name) from exc


def date_range(req: func.HttpRequest) -> tuple[date, date]:
    today = (utcnow() + IST).date()
    end = _day(req, "end", today)
    start = _day(req, "start", end - timedelta(days=29))
    if start > end:
        raise ValidationFailed("'start' must not be after 'end'", field="start")
    if (end - start).days > 3660:
        raise ValidationFailed("the range may span at most ten years", field="start")
    return start, end


def _int(req: func.HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = req.params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValidationFailed(f"'{name}' must be a whole number", field=name) from exc
    if not low <= value <= high:
        raise ValidationFailed(f"'{name}' must be between {low} and {high}", field=name)
    return value


def answer(body: dict[str, Any], start: date | None = None, end: date | None = None):
    meta: dict[str, Any] = {"lake_version": warehouse().version}
    if start is not None:
        meta.update(start=start.isoformat(), end=end.isoformat() if end else None)
    return json_response({**meta, **body})


@api_route(
    "analytics_revenue",
    "analytics/revenue",
    ["GET"],
    RouteDoc("Net revenue, orders and units by IST day or month", query=("granularity", *RANGE)),
)
def revenue(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    granularity = req.params.get("granularity", "daily")
    if granularity not in ("daily", "monthly"):
        raise ValidationFailed("'granularity' must be daily or monthly", field="granularity")
    start, end = date_range(req)
    data = kpis().revenue(start, end, granularity)  # type: ignore[arg-type]
    return answer({"granularity": granularity, **data}, start, end)


@api_route(
    "analytics_sales_by_channel",
    "analytics/sales-by-channel",
    ["GET"],
    RouteDoc("Units and revenue by sales channel and source (marketplace, pos, online, ...)"),
)
def sales_by_channel(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    start, end = date_range(req)
    return answer(kpis().by_channel(start, end), start, end)


@api_route(
    "analytics_sales_by_city",
    "analytics/sales-by-city",
    ["GET"],
    RouteDoc("Orders, units and revenue by buyer city", query=RANGE),
)
def sales_by_city(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    start, end = date_range(req)
    return answer(kpis().by_place("city", start, end), start, end)


@api_route(
    "analytics_sales_by_state",
    "analytics/sales-by-state",
    ["GET"],
    RouteDoc("Orders, units and revenue by buyer state", query=RANGE),
)
def sales_by_state(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    start, end = date_range(req)
    return answer(kpis().by_place("state", start, end), start, end)


@api_route(
    "analytics_top_products",
    "analytics/top-products",
    ["GET"],
    RouteDoc("Best-selling products by net revenue", query=("limit", *RANGE)),
)
def top_products(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    start, end = date_range(req)
    limit = _int(req, "limit", 10, 1, 500)
    return answer(kpis().top_products(start, end, limit), start, end)


@api_route(
    "analytics_inventory_turnover",
    "analytics/inventory-turnover",
    ["GET"],
    RouteDoc("Units sold over average stock, and days of inventory, per item", query=RANGE),
)
def inventory_turnover(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    start, end = date_range(req)
    return answer(kpis().inventory_turnover(start, end), start, end)


@api_route(
    "analytics_delivery",
    "analytics/delivery",
    ["GET"],
    RouteDoc("Time to ship and deliver, on-time share, RTO rate by state", query=RANGE),
)
def delivery(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    start, end = date_range(req)
    return answer(kpis().delivery(start, end), start, end)


@api_route(
    "analytics_seasonal",
    "analytics/seasonal",
    ["GET"],
    RouteDoc("Revenue by month, weekday and festival season against baseline", query=RANGE),
)
def seasonal(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    start, end = date_range(req)
    return answer(kpis().seasonal(start, end), start, end)


@api_route(
    "analytics_customer_segments",
    "analytics/customers/segments",
    ["GET"],
    RouteDoc("RFM segments: customers, revenue share; the R x F grid"),
)
def customer_segments(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    return answer(kpis().segments())


@api_route(
    "analytics_basket",
    "analytics/basket",
    ["GET"],
    RouteDoc("Frequent itemsets and association rules (FP-growth)", query=("min_support",)),
)
def basket(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    raw = req.params.get("min_support", "0.01")
    try:
        min_support = float(raw)
    except ValueError as exc:
        raise ValidationFailed("'min_support' must be a number", field="min_support") from exc
    if not 0.001 <= min_support <= 1:
        raise ValidationFailed("'min_support' must be between 0.001 and 1", field="min_support")
    return answer({"min_support": min_support, **kpis().basket(min_support)})


@api_route(
    "analytics_clv",
    "analytics/clv",
    ["GET"],
    RouteDoc(
        "Expected 90-day customer value (BG/NBD with Gamma-Gamma); buyerless orders left out",
        query=("limit",),
    ),
)
def customer_lifetime_value(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    limit = _int(req, "limit", 20, 1, 500)
    k = kpis()
    return answer({**k.clv(90, limit), "without_customer": k.without_customer()})
