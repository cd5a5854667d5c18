"""Analytics KPIs over the lake's gold tables: ``/api/analytics/<kpi>``.

Dates are IST calendar days (``start``/``end``, ISO ``YYYY-MM-DD``, both included; default
the last 30 days). Every answer carries ``lake_version`` (the lake run it was computed from).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

import azure.functions as func
from pydantic import BaseModel, Field, model_validator

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import json_response
from shared.analytics.kpi_queries import Kpis
from shared.analytics.lake import lake_store
from shared.analytics.warehouse import Warehouse, WarehouseCache
from shared.core.errors import ValidationFailed
from shared.core.records import utcnow
from shared.core.settings import IST_OFFSET, get_settings

# One loaded warehouse per instance, replaced when the lake job publishes a new run.
WAREHOUSES = WarehouseCache()


def warehouse() -> Warehouse:
    settings = get_settings()
    return WAREHOUSES.get(settings, lake_store(settings))


def kpis() -> Kpis:
    settings = get_settings()
    return Kpis(
        warehouse(), timeout=settings.query_timeout_seconds, max_rows=settings.query_max_rows
    )


def _today() -> date:
    return (utcnow() + IST_OFFSET).date()


class DateRange(BaseModel):
    """IST calendar days, both included; by default the 30 days up to today."""

    # ``end`` first: the default ``start`` is counted back from it.
    end: date = Field(default_factory=_today, description="Last day (YYYY-MM-DD); default today")
    start: date = Field(
        default_factory=lambda data: data["end"] - timedelta(days=29),
        description="First day (YYYY-MM-DD); default 29 days before end",
    )

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        # ValidationFailed, not ValueError: pydantic passes it through unchanged, so the 422
        # names the parameter (a model-level error would have no field).
        if self.start > self.end:
            raise ValidationFailed("'start' must not be after 'end'", field="start")
        if (self.end - self.start).days > 3660:
            raise ValidationFailed("the range may span at most ten years", field="start")
        return self


class RevenueQuery(DateRange):
    granularity: Literal["daily", "monthly"] = "daily"


class TopProductsQuery(DateRange):
    limit: int = Field(10, ge=1, le=500)


class BasketQuery(BaseModel):
    min_support: float = Field(0.01, ge=0.001, le=1)


class ClvQuery(BaseModel):
    limit: int = Field(20, ge=1, le=500)


def answer(body: dict[str, Any], days: DateRange | None = None) -> func.HttpResponse:
    meta: dict[str, Any] = {"lake_version": warehouse().version}
    if days is not None:
        meta.update(start=days.start.isoformat(), end=days.end.isoformat())
    return json_response({**meta, **body})


@api_route(
    "analytics_revenue",
    "analytics/revenue",
    ["GET"],
    RouteDoc("Net revenue, orders and units by IST day or month", query=RevenueQuery),
)
def revenue(req: func.HttpRequest, query: RevenueQuery) -> func.HttpResponse:
    data = kpis().revenue(query.start, query.end, query.granularity)
    return answer({"granularity": query.granularity, **data}, query)


@api_route(
    "analytics_sales_by_channel",
    "analytics/sales-by-channel",
    ["GET"],
    RouteDoc(
        "Units and revenue by sales channel and source (marketplace, pos, online, ...)",
        query=DateRange,
    ),
)
def sales_by_channel(req: func.HttpRequest, query: DateRange) -> func.HttpResponse:
    return answer(kpis().by_channel(query.start, query.end), query)


@api_route(
    "analytics_sales_by_city",
    "analytics/sales-by-city",
    ["GET"],
    RouteDoc("Orders, units and revenue by buyer city", query=DateRange),
)
def sales_by_city(req: func.HttpRequest, query: DateRange) -> func.HttpResponse:
    return answer(kpis().by_place("city", query.start, query.end), query)


@api_route(
    "analytics_sales_by_state",
    "analytics/sales-by-state",
    ["GET"],
    RouteDoc("Orders, units and revenue by buyer state", query=DateRange),
)
def sales_by_state(req: func.HttpRequest, query: DateRange) -> func.HttpResponse:
    return answer(kpis().by_place("state", query.start, query.end), query)


@api_route(
    "analytics_top_products",
    "analytics/top-products",
    ["GET"],
    RouteDoc("Best-selling products by net revenue", query=TopProductsQuery),
)
def top_products(req: func.HttpRequest, query: TopProductsQuery) -> func.HttpResponse:
    return answer(kpis().top_products(query.start, query.end, query.limit), query)


@api_route(
    "analytics_inventory_turnover",
    "analytics/inventory-turnover",
    ["GET"],
    RouteDoc("Units sold over average stock, and days of inventory, per item", query=DateRange),
)
def inventory_turnover(req: func.HttpRequest, query: DateRange) -> func.HttpResponse:
    return answer(kpis().inventory_turnover(query.start, query.end), query)


@api_route(
    "analytics_delivery",
    "analytics/delivery",
    ["GET"],
    RouteDoc("Time to ship and deliver, on-time share, RTO rate by state", query=DateRange),
)
def delivery(req: func.HttpRequest, query: DateRange) -> func.HttpResponse:
    return answer(kpis().delivery(query.start, query.end), query)


@api_route(
    "analytics_seasonal",
    "analytics/seasonal",
    ["GET"],
    RouteDoc("Revenue by month, weekday and festival season against baseline", query=DateRange),
)
def seasonal(req: func.HttpRequest, query: DateRange) -> func.HttpResponse:
    return answer(kpis().seasonal(query.start, query.end), query)


@api_route(
    "analytics_customer_segments",
    "analytics/customers/segments",
    ["GET"],
    RouteDoc("RFM segments: customers, revenue share; the R x F grid"),
)
def customer_segments(req: func.HttpRequest) -> func.HttpResponse:
    return answer(kpis().segments())


@api_route(
    "analytics_basket",
    "analytics/basket",
    ["GET"],
    RouteDoc("Frequent itemsets and association rules (FP-growth)", query=BasketQuery),
)
def basket(req: func.HttpRequest, query: BasketQuery) -> func.HttpResponse:
    return answer({"min_support": query.min_support, **kpis().basket(query.min_support)})


@api_route(
    "analytics_clv",
    "analytics/clv",
    ["GET"],
    RouteDoc(
        "Expected 90-day customer value (BG/NBD with Gamma-Gamma); buyerless orders left out",
        query=ClvQuery,
    ),
)
def customer_lifetime_value(req: func.HttpRequest, query: ClvQuery) -> func.HttpResponse:
    k = kpis()
    return answer({**k.clv(90, query.limit), "without_customer": k.without_customer()})
