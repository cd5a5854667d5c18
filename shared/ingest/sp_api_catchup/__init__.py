"""The SP-API catch-up: what Amazon's notifications missed, fetched with getOrders.

Amazon asks integrators to "build a backup mechanism" beside notifications. Every few minutes
(``SP_API_CATCHUP_SCHEDULE``) this asks getOrders for the orders last updated in a window
starting at the stored checkpoint, then getOrderItems for each, and records each order as the
ORDER_CHANGE notification would (``shared.ingest.marketplaces.amazon.order_events``: the same
events with the same ids), through the webhook path's append. Whichever of the two arrives
first counts; the other is a duplicate create and changes nothing. Cancellations and shipments
are status changes, as with the notifications.

Windows are at most ``WINDOW`` long and end ``SETTLE`` before now (Amazon asks that
LastUpdatedBefore be at least two minutes in the past). The checkpoint moves to a window's end
only after every order of the window is stored; orders stored within a window are named in the
state document, so a run cut short loses nothing and repeats little (``state``).

It runs in its own timer function: a throttled SP-API makes this function wait or stop early,
never the webhooks, which share nothing with it but the events container.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.adapters.cosmos import Store
from shared.adapters.sp_api import SpApiClient
from shared.core.errors import ReSightError
from shared.core.records import Event, utcnow
from shared.core.settings import Settings
from shared.ingest import webhook
from shared.ingest.listing_ids import AsinIndex
from shared.ingest.marketplaces.amazon import OrderLine, adopt_report_lines, order_events
from shared.ingest.sp_api_catchup import state

log = logging.getLogger("resight.sp_api")

PATH = "catchup"
RAW_TYPE = "getOrders"
WINDOW = timedelta(days=1)
SETTLE = timedelta(minutes=2)
# How far back the first run looks; older orders come from the history report.
FIRST_LOOKBACK = timedelta(days=1)
BUDGET_SECONDS = 240.0  # a run stays well inside the 5-minute schedule


@dataclass
class Outcome:
    status: str = "ok"  # ok | partial | not_configured | failed
    windows: int = 0
    orders: int = 0
    recorded: int = 0
    duplicates: int = 0
    checkpoint: str | None = None
    error: str | None = None
    events: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = dict(vars(self))
        out.pop("events")
        return out


def run(
    store: Store,
    settings: Settings,
    *,
    client: SpApiClient | None = None,
    now: Callable[[], datetime] = utcnow,
    clock: Callable[[], float] = time.monotonic,
    budget_seconds: float = BUDGET_SECONDS,
) -> Outcome:
    conn = settings.amazon_sp_api
    if not conn.configured:
        return Outcome(status="not_configured")
    started, deadline = now(), clock() + budget_seconds
    # The timer passes the client it keeps for the process (its access token and usage-plan
    # buckets outlive a run); a new one otherwise.
    client = client or SpApiClient(conn)
    # No call may wait for a usage-plan token past the run's end.
    client.max_wait = budget_seconds
    listings = AsinIndex.for_store(store)
    doc = state.read(store, PATH, conn.marketplace_id) or {}
    checkpoint = _parse(doc.get("checkpoint")) or started - FIRST_LOOKBACK
    done: dict[str, str] = dict(doc.get("window_done") or {})
    outcome = Outcome(checkpoint=_iso(checkpoint))
    try:
        while checkpoint < started - SETTLE and clock() < deadline:
            end = min(checkpoint + WINDOW, started - SETTLE)
            finished = _window(
                client, store, listings, checkpoint, end, done, outcome, clock, deadline
            )
            if not finished:
                outcome.status = "partial"
                break
            checkpoint, done = end, {}
            outcome.windows += 1
            outcome.checkpoint = _iso(checkpoint)
            _save(store, conn.marketplace_id, client, outcome, checkpoint, done, started)
        else:
            if checkpoint < started - SETTLE:
                outcome.status = "partial"
    except ReSightError as exc:
        outcome.status, outcome.error = "failed", exc.message
        log.warning("sp-api catch-up stopped: %s", exc.message)
    _save(store, conn.marketplace_id, client, outcome, checkpoint, done, started, final=True)
    return outcome


def _window(
    client: SpApiClient,
    store: Store,
    listings: AsinIndex,
    after: datetime,
    before: datetime,
    done: dict[str, str],
    outcome: Outcome,
    clock: Callable[[], float],
    deadline: float,
) -> bool:
    """Store every order of the window; False when the time ran out first."""
    for page in client.orders(last_updated_after=after, last_updated_before=before):
        for order in page.get("Orders", []):
            order_id, updated = order["AmazonOrderId"], order["LastUpdateDate"]
            if done.get(order_id) == updated:
                continue
            if clock() >= deadline:
                return False
            events = listings.resolve(_events(store, order, client.get_order_items(order_id)))
            # A line imported from Amazon's all-orders report first keeps the report's id.
            events = adopt_report_lines(events, lambda i, p: store.read_or_none("events", i, p))
            result = webhook.append(store, events)
            outcome.orders += 1
            outcome.recorded += len(result.recorded)
            outcome.duplicates += len(result.duplicates)
            outcome.events.extend(e.id for e in result.recorded)
            done[order_id] = updated  # only after its events are stored
    return True


def _events(store: Store, order: dict[str, Any], items: list[dict[str, Any]]) -> list[Event]:
    order_id, status = order["AmazonOrderId"], order["OrderStatus"]
    lines = []
    for item in items:
        sku = item.get("SellerSKU") or item["ASIN"]
        line = str(item["OrderItemId"])
        quantity = int(item.get("QuantityOrdered") or 0)
        if quantity == 0:
            # A cancelled order's items say 0 ordered: the line's own units are those its order
            # event recorded (an unrecorded one is unmatched and moves nothing anyway).
            placed = store.read_or_none("events", f"amazon:order:{order_id}:{line}", sku)
            quantity = -int((placed or {}).get("stock_delta") or 0) or 1
        lines.append(OrderLine(line, sku, quantity))
    updated = _parse(order["LastUpdateDate"])
    assert updated is not None
    return order_events(
        order_id,
        status,
        lines,
        raw_type=RAW_TYPE,
        occurred=updated,
        received_at=utcnow(),
        placed=_parse(order.get("PurchaseDate")),
    )


def _save(
    store: Store,
    marketplace_id: str,
    client: SpApiClient,
    outcome: Outcome,
    checkpoint: datetime,
    done: dict[str, str],
    started: datetime,
    *,
    final: bool = False,
) -> None:
    run_stats = client.take_stats() if final else {}

    def change(doc: dict[str, Any]) -> None:
        doc["checkpoint"] = _iso(checkpoint)
        doc["window_done"] = done
        if not final:
            return
        doc["last_run_at"] = _iso(started)
        doc["last_status"] = outcome.status
        doc["runs"] = int(doc.get("runs", 0)) + 1
        for key in ("orders", "recorded", "duplicates"):
            doc[key] = int(doc.get(key, 0)) + getattr(outcome, key)
        if outcome.status in ("ok", "partial"):
            doc["last_success_at"] = _iso(started)
        if outcome.error:
            doc["last_error"], doc["last_error_at"] = outcome.error, _iso(started)
        doc["operations"] = state.merge_operations(doc.get("operations") or {}, run_stats)

    state.update(store, PATH, marketplace_id, change)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _parse(text: Any) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
