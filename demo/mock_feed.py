"""The mock marketplace feed: simulated shoppers, sent through the real webhook path.

It runs only in the demo dataset (``shared.core.dataset``), over the demo's own catalogue,
while the demo runs (``shared.catalogue.demo``). Every tick turns simulator events into each
marketplace's own payload format, signs it with that marketplace's secret and hands it to
``shared.ingest.webhook.ingest_webhook``: the same verification, normalisation and idempotent
append as a real webhook, so nothing downstream can tell the two apart.

Orders come from simulated buyers (repeat customers with a realistic spread of recency,
frequency and spend; Myntra and Meesho send their buyer key, Amazon none), and each Myntra or
Meesho order line is later packed, shipped and delivered, or sent back (RTO), as its status
pushes arrive when they fall due.
"""

from __future__ import annotations

import heapq
import json
import logging
import threading
import uuid
from datetime import datetime
from typing import Any, cast

import numpy as np

from demo.sim import deliveries
from demo.sim.buyers import Buyer, BuyerPool
from demo.sim.simulator import SimEvent, Simulator
from shared.adapters.cosmos import Store
from shared.catalogue.connections import SecretBook
from shared.core.records import Event, Marketplace, hour_key, utcnow
from shared.core.settings import Settings
from shared.ingest.listing_ids import AsinIndex
from shared.ingest.signature import signed_headers
from shared.ingest.webhook import append, ingest_webhook

log = logging.getLogger("resight.mock")


# Status pushes waiting for their time; bounded so a long-running process stays small.
MAX_PENDING = 50_000
MYNTRA_STATUS = {
    "packed": "PACKED",
    "shipped": "SHIPPED",
    "delivered": "DELIVERED",
    "rto": "RTO",
    "returned": "RETURNED",
}


def payload(ev: SimEvent, buyer: Buyer | None = None, uid: str | None = None) -> dict[str, Any]:
    """The marketplace-native payload for one simulated shopper action."""
    uid = uid or uuid.uuid4().hex[:12]
    at = ev.occurred_at.isoformat()
    if ev.marketplace == "amazon":
        kinds = {"view": "VIEW", "click": "CLICK", "order": "ORDER_PLACED"}
        body: dict[str, Any] = {
            "eventType": kinds[ev.kind],
            "asin": ev.item_id,
            "region": ev.region,
            "timestamp": at,
            "eventId": uid,
        }
        if ev.kind == "order":
            body.update(price=ev.unit_price, quantity=ev.quantity, orderId=f"402-{uid}")
            if buyer is not None:  # where it goes, never who: Amazon shares no buyer
                body.update(city=buyer.city, state=buyer.state)
        return body
    if ev.marketplace == "myntra":
        if ev.kind == "order":
            return {
                "event": "ORDER_CREATED",
                "eventTime": at,
                "order": {
                    "orderId": f"MYN-{uid}",
                    "status": "CREATED",
                    "city": buyer.city if buyer else ev.region,
                    **({"state": buyer.state, "buyerId": buyer.key} if buyer else {}),
                    "lines": [
                        {
                            "lineId": "1",
                            "sellerSku": ev.item_id,
                            "quantity": ev.quantity,
                            "sellingPrice": ev.unit_price,
                        }
                    ],
                },
            }
        return {
            "event": "PRODUCT_VIEW" if ev.kind == "view" else "PRODUCT_CLICK",
            "eventId": uid,
            "eventTime": at,
            "product": {"sellerSku": ev.item_id},
            "city": ev.region,
        }
    if ev.kind == "order":
        return {
            "type": "order.created",
            "id": f"evt_{uid}",
            "created_at": at,
            "data": {
                "order_id": f"MSH-{uid}",
                "sub_order_id": f"MSH-{uid}-1",
                "sku": ev.item_id,
                "quantity": ev.quantity,
                "price": ev.unit_price,
                "state": ev.region,
                **({"city": buyer.city, "buyer_id": buyer.key} if buyer else {}),
            },
        }
    return {
        "type": f"catalog.{ev.kind}",
        "id": f"evt_{uid}",
        "created_at": at,
        "data": {"sku": ev.item_id, "state": ev.region},
    }


def status_payload(ev: SimEvent, uid: str, status: str, at: datetime) -> dict[str, Any]:
    """A later milestone of the order line ``payload(ev, uid=uid)`` created."""
    if ev.marketplace == "myntra":
        return {
            "event": "ORDER_STATUS_CHANGED",
            "eventTime": at.isoformat(),
            "order": {
                "orderId": f"MYN-{uid}",
                "status": MYNTRA_STATUS[status],
                "lines": [
                    {
                        "lineId": "1",
                        "sellerSku": ev.item_id,
                        "quantity": ev.quantity,
                        "sellingPrice": ev.unit_price,
                    }
                ],
            },
        }
    return {
        "type": f"order.{status}",
        "id": f"evt_{uid}_{status}",
        "created_at": at.isoformat(),
        "data": {
            "order_id": f"MSH-{uid}",
            "sub_order_id": f"MSH-{uid}-1",
            "sku": ev.item_id,
            "quantity": ev.quantity,
            "price": ev.unit_price,
            "state": ev.region,
        },
    }


class MockFeed:
    """Per-process generator state: the simulator, buyers and status pushes not yet due."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._sim: Simulator | None = None
        self._items: frozenset[str] = frozenset()
        self._marketplaces: dict[str, Any] = {}
        self._buyers = BuyerPool(seed)
        self._rng = np.random.default_rng(seed + 202)
        # (due, sequence, marketplace, payload): status pushes not yet due
        self._pending: list[tuple[datetime, int, str, dict[str, Any]]] = []
        self._sequence = 0
        self._lock = threading.Lock()

    def tick(
        self,
        store: Store,
        settings: Settings,
        catalogue: list[dict],
        *,
        listings: AsinIndex,
        secrets: SecretBook,
    ) -> int:
        """Generate one tick of events for ``catalogue`` (the demo dataset's, never a seller's);
        returns events ingested. It signs with each marketplace's active secret, as a
        marketplace would."""
        with self._lock:
            if not catalogue:
                return 0
            items = frozenset(p["item_id"] for p in catalogue)
            if self._sim is None or items != self._items:
                self._sim, self._items = Simulator(catalogue, seed=self._seed), items
                self._marketplaces = {p["item_id"]: p["marketplace"] for p in catalogue}
            for product in catalogue:
                self._sim.set_stock(product["item_id"], int(product.get("stock") or 0))
            now = utcnow()
            count = self._restock(store, now)
            outgoing: list[tuple[str, dict[str, Any]]] = []
            while self._pending and self._pending[0][0] <= now:
                _, _, marketplace, body = heapq.heappop(self._pending)
                outgoing.append((marketplace, body))
            for ev in self._sim.tick(now, settings.mock_events_per_tick):
                buyer = self._buyers.pick(ev.region) if ev.kind == "order" else None
                uid = uuid.uuid4().hex[:12]
                outgoing.append((ev.marketplace, payload(ev, buyer, uid)))
                if ev.kind == "order" and ev.marketplace != "amazon":
                    self._schedule(ev, uid)
            for name, body in outgoing:
                raw = json.dumps(body).encode()
                secret = secrets.active(name, settings)
                if secret is None:
                    continue
                marketplace = cast(Marketplace, name)  # the simulator's are known
                result = ingest_webhook(
                    marketplace,
                    raw,
                    signed_headers(secret, raw),
                    settings,
                    store,
                    listings=listings,
                    secrets=secrets,
                    source="mock",
                )
                count += len(result.recorded)
            return count

    def _schedule(self, ev: SimEvent, uid: str) -> None:
        for status, at in deliveries.plan(self._rng, ev.region, ev.occurred_at):
            if len(self._pending) >= MAX_PENDING:
                return
            self._sequence += 1
            body = status_payload(ev, uid, status, at)
            heapq.heappush(self._pending, (at, self._sequence, ev.marketplace, body))

    def _restock(self, store: Store, now) -> int:
        """Deliveries that arrived: inventory counts, as a seller's inventory sync records them.

        Marketplaces push no inventory webhooks, so these go straight to the event log (the
        path bulk inventory files will take), with one id per item and hour.
        """
        assert self._sim is not None
        events = [
            Event(
                id=f"mock:stock:{item_id}:{hour_key(now)}",
                item_id=item_id,
                marketplace=self._marketplaces[item_id],
                kind="stock",
                raw_type="InventorySync",
                occurred_at=now,
                received_at=now,
                stock_set=level,
                source="mock",
            )
            for item_id, level in self._sim.due_restocks(now)
        ]
        return len(append(store, events, source="mock").recorded) if events else 0
