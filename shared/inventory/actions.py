"""Admin actions of the inventory pages: a price set by hand and the one-click clearance.

- ``set_price`` upserts a product's price as a ``catalogue`` event in the log (a price
  source), so the projection stays the only writer of prices and keeps the price history; a
  product the catalogue does not know is created first (catalogued, with the MRP given or the
  price). Audited.
- ``clearance`` creates the ``boost-clearance`` rule a decision proposes, through the rules
  service (validated and audited), and remembers the rule on the snapshot document: clicking
  again while that rule exists returns it instead of a second rule.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.adapters.cosmos import Store
from shared.audit import trail
from shared.core.errors import NotFound, ValidationFailed
from shared.core.records import Event, Marketplace, utcnow
from shared.ingest.webhook import append
from shared.inventory import decisions
from shared.inventory.snapshot import snapshot_id
from shared.ranking import rules_service

CONTAINER = "inventory_snapshots"


class PriceUpdate(BaseModel):
    """``POST /api/products/price``."""

    model_config = ConfigDict(extra="forbid")

    # What Cosmos DB allows in an id: none of / \ ? # tab or line breaks, no trailing space.
    item_id: str = Field(
        ..., min_length=1, max_length=128, pattern=r"^[^/\\?#\t\r\n]*[^/\\?#\t\r\n ]$"
    )
    price: float = Field(..., gt=0, le=10_000_000, description="Selling price, INR")
    mrp: float | None = Field(None, gt=0, le=10_000_000, description="For a new product")
    title: str | None = Field(None, min_length=1, max_length=300)
    category: str | None = Field(None, min_length=1, max_length=128)
    marketplace: Marketplace = "amazon"


class ClearanceRequest(BaseModel):
    """``POST /api/inventory/decisions/clearance``."""

    model_config = ConfigDict(extra="forbid")

    item_id: str = Field(..., min_length=1, max_length=128)
    store_id: str = Field(..., min_length=1, max_length=160)
    day: date | None = Field(None, description="The snapshot day; default the newest")


def set_price(store: Store, body: PriceUpdate, actor: str) -> dict[str, Any]:
    current = store.read_or_none("products", body.item_id, body.item_id)
    mrp_known = body.mrp or (current or {}).get("mrp")
    if mrp_known and body.price > float(mrp_known):
        # The Legal Metrology (Packaged Commodities) Rules: nothing is sold above its MRP, so
        # such a price is a typo (a digit too many, the MRP in the price field), never a plan.
        raise ValidationFailed(
            f"price {body.price:g} is above the MRP {float(mrp_known):g}: a product may not be "
            "sold above its MRP",
            field="price",
            mrp=float(mrp_known),
        )
    created = False
    if current is None:
        mrp = body.mrp or body.price
        created = store.create(
            "products",
            {
                "id": body.item_id,
                "item_id": body.item_id,
                "title": body.title or body.item_id,
                "category": body.category or "uncatalogued",
                "brand": "",
                "marketplace": body.marketplace,
                "price": body.price,
                "mrp": mrp,
                "rating": None,
                "review_count": 0,
                "stock": 0,
                "catalogued": True,
            },
        )
        current = store.read("products", body.item_id, body.item_id)
    now = utcnow()
    event = Event(
        id=f"catalogue:price:{body.item_id}:{uuid.uuid4().hex}",
        item_id=body.item_id,
        marketplace=current["marketplace"],
        kind="catalogue",
        raw_type="PRICE_UPDATE",
        occurred_at=now,
        received_at=now,
        source="catalogue",
        price=body.price,
    )
    append(store, [event], source="catalogue")
    trail.record(
        store,
        "product.price",
        actor,
        item_id=body.item_id,
        before=None if created else {"price": current.get("price")},
        after={"price": body.price},
        details={"created": created, "event_id": event.id},
    )
    return {"item_id": body.item_id, "price": body.price, "created": created, "event_id": event.id}


def clearance(store: Store, request: ClearanceRequest, day: date, actor: str) -> dict[str, Any]:
    doc_id = snapshot_id(day, request.store_id, request.item_id)
    doc = store.read_or_none(CONTAINER, doc_id, day.isoformat())
    if doc is None:
        raise NotFound(
            f"no snapshot of {request.item_id!r} at {request.store_id!r} on {day.isoformat()}"
        )
    rule_id = doc.get("clearance_rule_id")
    if rule_id:
        existing = store.read_or_none("rules", rule_id, rule_id)
        if existing is not None:
            return {
                "rule": {k: v for k, v in existing.items() if not k.startswith("_")},
                "created": False,
            }
    rule = rules_service.create(store, "boost-clearance", decisions.clearance_rule(doc), actor)
    clean = {k: v for k, v in doc.items() if not k.startswith("_")}
    store.upsert(CONTAINER, {**clean, "clearance_rule_id": rule["id"]})
    return {"rule": rule, "created": True}
