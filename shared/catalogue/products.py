"""Listings the catalogue does not know yet, and the details that complete them.

An event for an unknown item creates a product with ``catalogued: False`` (see
``shared.projection.fold.unknown_listing``): visible, counted in KPIs, not ranked. An admin
completes it with ``ListingDetails``; an Amazon ASIN that turns out to be a catalogued SKU is
merged into that SKU (``merged_into``), so its orders and traffic are counted once, there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.adapters.cosmos import Store
from shared.core.errors import NotFound, ValidationFailed
from shared.core.records import MAX_PRICE_INR


class ListingDetails(BaseModel):
    """What a seller fills in for a listing (``PUT /api/catalogue/{id}``)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(..., min_length=1, max_length=300)
    category: str = Field(..., min_length=1, max_length=128)
    price: float = Field(..., gt=0, le=MAX_PRICE_INR, description="Listing price, INR")
    stock: int = Field(..., ge=0, le=10_000_000, description="Units on hand now")
    mrp: float | None = Field(None, gt=0, le=MAX_PRICE_INR, description="Default: the price")
    brand: str = Field("", max_length=128)
    asin: str | None = Field(
        None,
        pattern=r"^[A-Z0-9]{10}$",
        description="Amazon ASIN; events already received under it are merged into this item",
    )

    def catalogue_fields(self) -> dict[str, Any]:
        mrp = self.mrp if self.mrp is not None else self.price
        if mrp < self.price:
            raise ValidationFailed("mrp cannot be below the price", field="mrp")
        fields = {
            "title": self.title,
            "category": self.category,
            "brand": self.brand,
            "mrp": mrp,
            "catalogued": True,
        }
        if self.asin is not None:
            fields["asin"] = self.asin
        return fields


def unmatched(store: Store, limit: int = 200) -> list[dict[str, Any]]:
    """Listings waiting for catalogue details, newest activity first."""
    rows = store.query(
        "products",
        "SELECT TOP @n c.item_id, c.marketplace, c.last_order_price, c.price, c.stock, c.totals, "
        "c.first_seen_at, c.last_event_at FROM c "
        "WHERE c.catalogued = false AND NOT IS_DEFINED(c.merged_into) "
        "ORDER BY c.last_event_at DESC",
        [("@n", limit)],
    )
    return list(rows)


def write_details(store: Store, item_id: str, fields: dict[str, Any]) -> tuple[dict, dict]:
    """Write catalogue fields on the product (ETag-guarded, ``Store.update``); returns
    (before, after)."""
    before: dict[str, Any] = {}

    def write(current: dict[str, Any] | None) -> dict[str, Any]:
        nonlocal before
        if current is None:
            raise NotFound(f"products/{item_id} not found")
        if current.get("merged_into"):
            raise NotFound(f"{item_id!r} was merged into {current['merged_into']!r}")
        before = {k: current.get(k) for k in fields}
        return {**current, **fields}

    after = store.update("products", item_id, item_id, write)
    assert after is not None  # ``write`` always returns a document
    return before, after


def forward_events(store: Store, docs: Iterable[Mapping[str, Any]], target_id: str) -> None:
    """Copy events of a merged listing into ``target_id``'s partition. A copy keeps its id
    (ids are unique per partition), so copying twice is a no-op; the change feed projects it."""
    for doc in docs:
        copy = {k: v for k, v in doc.items() if not k.startswith("_")}
        store.create("events", {**copy, "item_id": target_id, "merged_from": doc["item_id"]})


def mark_merged(store: Store, source_id: str, target_id: str) -> dict[str, Any] | None:
    """Mark the unknown listing ``source_id`` as merged into ``target_id``; None if there is
    no such unknown listing. Its later events are forwarded by the projection."""

    def merge(current: dict[str, Any] | None) -> dict[str, Any] | None:
        if current is None or current.get("catalogued", True) or current.get("merged_into"):
            return None
        return {**current, "merged_into": target_id}

    return store.update("products", source_id, source_id, merge)
