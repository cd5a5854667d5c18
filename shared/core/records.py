"""Typed records shared by ingestion, projection, ranking and the API.

``Event`` is the one internal event every marketplace payload normalises into. Each event
carries counter *deltas* (views, clicks, orders, units, revenue, stock) so a projection is a
sum, whatever the marketplace sent: a single view, an hourly traffic aggregate, an order line or
a sales correction (negative after cancellations). Optional store/location/customer/channel
fields keep room for inventory and analytics without a rewrite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Marketplace = Literal["amazon", "myntra", "meesho"]
MARKETPLACES: tuple[Marketplace, ...] = ("amazon", "myntra", "meesho")

# view/click: shopper interactions; traffic: aggregated views (and clicks) for a window;
# order/cancel: an order line placed or cancelled (moves stock); sales: aggregated units and
# revenue for a window, may be negative; offer: a price or competitor price observation;
# stock: an absolute stock level from an inventory feed; catalogue: a price or stock level a
# person set in the catalogue editor; import_price: a price from an imported catalogue file;
# demand: external demand signals from an imported file (never counters or stock); status: an
# order line's fulfilment milestone (packed, shipped, delivered, rto, returned), never moves
# stock or counters (a cancellation does that, once).
EventKind = Literal[
    "view",
    "click",
    "traffic",
    "order",
    "cancel",
    "sales",
    "offer",
    "stock",
    "catalogue",
    "import_price",
    "demand",
    "status",
]
# Fulfilment milestones of an order line, in the order they happen (rto and returned end it).
SHIPMENT_STATUSES: tuple[str, ...] = ("packed", "shipped", "delivered", "rto", "returned")
# Where the listing price may come from: an order's unit price is revenue, never a price.
PRICE_SOURCES: frozenset[str] = frozenset({"offer", "catalogue", "import_price"})
Source = Literal["webhook", "mock", "backfill", "catalogue", "import"]

# Counter order inside an hourly bucket (see ProductState.buckets).
COUNTERS: tuple[str, ...] = ("views", "clicks", "orders", "units", "revenue")


# The highest unit price ReSight takes, INR (one crore): a listing or an order line above it is
# a mistake in the data (a price in paise, a stray exponent), and one such line would outweigh a
# seller's whole catalogue in every revenue figure.
MAX_PRICE_INR = 10_000_000


class Event(BaseModel):
    """One normalised marketplace event, stored as-is in the ``events`` container."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(..., min_length=3, max_length=255)
    item_id: str = Field(..., min_length=1, max_length=128)
    marketplace: Marketplace
    kind: EventKind
    raw_type: str = Field(..., description="The marketplace's own event type name")
    occurred_at: datetime
    received_at: datetime
    source: Source = "webhook"

    views: int = 0
    clicks: int = 0
    orders: int = 0
    units: int = 0
    revenue: float = 0.0
    stock_delta: int = 0
    stock_set: int | None = Field(None, ge=0)
    # Per-location counts from inventory files: with ``location_id`` set, ``stock_set`` is that
    # location's count and these are its reserved and in-transit units.
    stock_reserved: int | None = Field(None, ge=0)
    stock_in_transit: int | None = Field(None, ge=0)
    price: float | None = Field(None, gt=0)
    competitor_price: float | None = Field(None, gt=0)

    region: str | None = None
    order_id: str | None = None
    store_id: str | None = None
    location_id: str | None = None
    # A salted hash of the marketplace's buyer key (never a phone number or a name); Amazon
    # sends no buyer identity, so its orders have none.
    customer_id: str | None = None
    city: str | None = None
    state: str | None = None
    # The milestone of a ``status`` event (SHIPMENT_STATUSES).
    status: str | None = None
    channel: str | None = None
    # Demand-signal fields of a ``demand`` event (external_demand, market_trend, ...).
    signals: dict[str, str | float] | None = None
    # An aggregated ``sales`` event's units and revenue per sales channel (online, pos, ...).
    channels: dict[str, dict[str, float]] | None = None
    # A day's imported sales by UTC hour, {"YYYYMMDDHH": [orders, units, revenue]}: the
    # projection adds each hour to its own bucket; the counters above are the day's totals.
    hourly: dict[str, list[float]] | None = None
    # When the item's life in a store began (ISO date, from the workbook's inventory sheet):
    # the start of its aging there (shared.projection.aging).
    lifecycle_start: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")

    @field_validator("occurred_at", "received_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def to_doc(self) -> dict:
        return self.model_dump(mode="json")


class Product(BaseModel):
    """Catalogue attributes of one item (the seller's SKU)."""

    model_config = ConfigDict(extra="ignore")

    item_id: str = Field(..., min_length=1, max_length=128)
    title: str
    category: str
    brand: str = ""
    marketplace: Marketplace
    price: float = Field(..., gt=0)
    mrp: float = Field(..., gt=0)
    rating: float = Field(4.0, ge=0, le=5)
    review_count: int = Field(0, ge=0)
    stock: int = Field(0, ge=0)
    image: str | None = None
    # Amazon identifies a listing by ASIN in offer and traffic notifications, by SKU in orders.
    asin: str | None = Field(None, pattern=r"^[A-Z0-9]{10}$")


def utcnow() -> datetime:
    return datetime.now(UTC)


def hour_key(moment: datetime) -> str:
    """Bucket key of the UTC hour containing ``moment``: ``YYYYMMDDHH``."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H")
