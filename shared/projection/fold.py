"""Events -> product state. Pure functions; the store and the triggers do the I/O.

A product's projected state lives in its ``products`` document next to the catalogue fields:

- ``stock``: units on hand, derived as the latest inventory count (``stock_base``: the
  ``stock_set`` event with the newest ``occurred_at``) plus the stock moves (orders, cancellations)
  that happened after that count (``stock_moves``), never below 0. Defined by event time, not by
  arrival order, so any delivery order of the same events gives the same stock;
- ``stock_locations``: ``{location: {value, at, reserved, in_transit}}``, the newest count of
  each location from inventory files. A product's stock is the sum over its locations counted
  after the newest total count (``stock_base``), plus the moves after the newest count of any
  kind; a total count supersedes the locations counted before it. ``stock_raw`` is the same sum
  unclamped (the quality monitor reports negative ones), ``stock_reserved`` the reserved units;
- ``price_history``: ``[{price, valid_from, valid_to}]`` from price sources by event time, the
  newest open-ended (``valid_to`` None), derived from the distinct observations
  (``price_points``, the newest ``PRICE_HISTORY``);
- ``demand``: the newest demand-signal fields from imported files, with their ``at``;
- ``location_since``: ``{location: {first_at, lifecycle_start}}``, the earliest count of each
  location and the earliest lifecycle start date its counts carried; ``first_stock_at`` the
  earliest count of any kind and ``last_sale_at`` the newest order or sale with units (minima
  and maxima, so any delivery order agrees): what inventory aging reads;
- ``buckets``: ``{"YYYYMMDDHH": [views, clicks, orders, units, revenue]}`` per UTC hour for the
  last ``BUCKET_HOURS`` hours: the windowed counters (1 h / 24 h / 7 d) are sums of these at
  scoring time, so they age correctly without any event arriving;
- ``days``: ``{"YYYYMMDD": [units, revenue]}`` per UTC day for the newest ``DAYS_KEPT`` days
  with sales (any source: orders, imported sales, marketplace sales reports), for the 7 / 14 /
  30-day windows of ``shared.projection.windows``; ``channel_days``:
  ``{"YYYYMMDD|channel": [units, revenue]}`` from imported sales files (their ``channels``), the
  same newest days. Sums, pruned to the newest keys like the buckets, so any delivery order of
  the same events gives the same rollup;
- ``sale_days``: ``{"YYYYMMDD|source": [units, revenue]}`` per IST day and source of sale, the
  newest ``DAYS_KEPT`` days (``sale_days_pruned``: the newest day dropped, so the days after it
  are whole): the Overview's day figures and the live side of the reconciliation;
  ``amazon_hours``: ``{"YYYYMMDDHH": [notifications, line units, line revenue, notified units,
  notified revenue]}`` per UTC hour of Amazon sales, the newest ``BUCKET_HOURS``: an hour with a
  sales notification counts the notification, not the order lines (``shared.core.sales``);
- ``totals``: all-time sums of the same counters;
- ``price``/``competitor_price``: the prices observed at the newest ``occurred_at`` of each
  (``price_at``, ``competitor_at``), the listing price from price sources only
  (``PRICE_SOURCES``: offers and the catalogue editor); an order's unit price is kept as
  ``last_order_price`` (the newest order's, ``last_order_at``) and never moves the listing price;
- ``applied``: the change-feed watermark ``{"ts": _ts, "ids": [...]}`` that makes a
  redelivered batch a no-op.

Why a watermark and not a list of applied ids: within one partition (one item) the change feed
delivers documents in write order and ``_ts`` never decreases along it, so "newer than the
watermark, or at the watermark second and not yet seen" identifies exactly the unapplied
events with a bounded document size.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.core import sales
from shared.core.records import COUNTERS, PRICE_SOURCES, hour_key
from shared.projection.windows import DAYS_KEPT, day_key

BUCKET_HOURS = 8 * 24
# Stock moves older than this (against the newest move) fold into the base count, which keeps
# the document bounded when no inventory count arrives for a long time.
MOVE_HORIZON = timedelta(days=7)
PRICE_HISTORY = 50
_N = len(COUNTERS)


def new_state(product: Mapping[str, Any]) -> dict[str, Any]:
    """A fresh projected document for a catalogue product (no events applied)."""
    doc = dict(product)
    doc["id"] = doc["item_id"]
    doc.setdefault("initial_stock", int(doc.get("stock", 0) or 0))
    doc["stock_base"] = {"value": doc["initial_stock"], "at": ""}
    doc["stock_moves"] = []
    doc["stock"] = doc["initial_stock"]
    doc["stock_locations"] = {}
    doc["stock_raw"] = doc["initial_stock"]
    doc["stock_reserved"] = 0
    doc["price_history"] = []
    doc["price_points"] = []
    doc["price_at"] = ""
    doc["buckets"] = {}
    doc["days"] = {}
    doc["channel_days"] = {}
    doc["sale_days"] = {}
    doc["amazon_hours"] = {}
    doc["totals"] = dict.fromkeys(COUNTERS, 0)
    doc["totals"]["revenue"] = 0.0
    doc.setdefault("competitor_price", None)
    doc["last_event_at"] = None
    doc["applied"] = {"ts": 0, "ids": []}
    return doc


def apply_event(state: dict[str, Any], event: Mapping[str, Any]) -> None:
    """Add one event's deltas to ``state`` in place. Not idempotent by itself: see apply_batch."""
    occurred = as_datetime(event["occurred_at"])
    source = sales.source_of(event)
    if event.get("hourly"):
        # An imported day: each hour's orders, units and revenue go to that hour's bucket.
        for key, (orders, units, revenue) in event["hourly"].items():
            _add(state, key, {"orders": orders, "units": units, "revenue": revenue})
            _add_day(state, "days", key[:8], units, revenue)
            _add_sale_day(state, sales.hour_start(key), source, units, revenue)
    else:
        units, revenue = _sale_delta(state, event, occurred)
        _add(state, hour_key(occurred), {**event, "units": units, "revenue": revenue})
        _add_day(state, "days", day_key(occurred), units, revenue)
        if sales.is_sale(event):
            _add_sale_day(state, occurred, source, units, revenue)
    for channel, sold in (event.get("channels") or {}).items():
        key = f"{day_key(occurred)}|{channel}"
        _add_day(state, "channel_days", key, sold.get("units"), sold.get("revenue"))
    state["totals"]["revenue"] = round(state["totals"]["revenue"], 2)

    stamp = occurred.isoformat()
    _apply_stock(state, event, stamp)
    _record_aging(state, event, stamp)
    if event.get("price") is not None and event.get("kind") in PRICE_SOURCES:
        _record_price(state, float(event["price"]), stamp)
    demand = state.get("demand") or {}
    if event.get("kind") == "demand" and event.get("signals"):
        # Equal times keep the larger signals, so arrival order never decides.
        new = {**event["signals"], "at": stamp}
        if (stamp, json.dumps(new, sort_keys=True)) > (
            demand.get("at", ""),
            json.dumps(demand, sort_keys=True),
        ):
            state["demand"] = new
    listing = event.get("price") is not None and event.get("kind") in PRICE_SOURCES
    if listing and stamp >= state.get("price_at", ""):
        price = float(event["price"])
        # Two prices at the same moment (two stores of one file): the higher wins, so the
        # result does not depend on which arrived last.
        tie = stamp == state.get("price_at") and state.get("price") is not None
        if not tie or price > float(state["price"]):
            state["price"] = price
        state["price_at"] = stamp
    if event.get("competitor_price") is not None:
        # The competitor's own clock: a listing price observed later must not hide an older
        # competitor observation that arrived late. Equal times keep the lower (the one a
        # shopper compares with).
        competitor, seen_at = float(event["competitor_price"]), state.get("competitor_at", "")
        current = state.get("competitor_price")
        if stamp > seen_at or (stamp == seen_at and (current is None or competitor < current)):
            state["competitor_price"], state["competitor_at"] = competitor, stamp

    if state.get("last_event_at") is None or stamp > state["last_event_at"]:
        state["last_event_at"] = stamp
    if event.get("kind") == "order" and event.get("price") is not None:
        # The newest order's price by event time, not the newest event's (an older order
        # arriving after a newer view still counts); equal times keep the higher price, so
        # arrival order never decides.
        order = (stamp, float(event["price"]))
        if order > (state.get("last_order_at") or "", state.get("last_order_price") or 0.0):
            state["last_order_at"], state["last_order_price"] = order
    _prune(state)


def _sale_delta(state: dict[str, Any], event: Mapping[str, Any], occurred: datetime) -> tuple:
    """What the event adds to the item's units and revenue (``shared.core.sales``): its own,
    except for Amazon, where an hour's sales notifications stand for its order lines. Each
    Amazon (item, UTC hour) keeps ``[notifications, line units, line revenue, notified units,
    notified revenue]``; the event adds the change of what the hour counts."""
    units, revenue = int(event.get("units") or 0), float(event.get("revenue") or 0.0)
    line, notification = sales.is_amazon_line(event), sales.is_amazon_notification(event)
    if not (line or notification):
        return units, revenue
    hours = state.setdefault("amazon_hours", {})
    entry = hours.setdefault(hour_key(occurred), [0, 0, 0.0, 0, 0.0])
    before = _amazon_hour(entry)
    if line:
        entry[1], entry[2] = entry[1] + units, round(entry[2] + revenue, 2)
    else:
        entry[0] += 1
        entry[3], entry[4] = entry[3] + units, round(entry[4] + revenue, 2)
    after = _amazon_hour(entry)
    return after[0] - before[0], round(after[1] - before[1], 2)


def _amazon_hour(entry: list) -> tuple[int, float]:
    return sales.amazon_hour_rule(
        (int(entry[1]), float(entry[2])), (int(entry[3]), float(entry[4])), entry[0] > 0
    )


def _add_sale_day(
    state: dict[str, Any], moment: datetime, source: str, units: Any, revenue: Any
) -> None:
    """The IST-day rollup by source (``sale_days``, ``YYYYMMDD|source``): what the live side
    of the reconciliation and the Overview's day figures read."""
    units, revenue = int(units or 0), float(revenue or 0.0)
    if not units and not revenue:
        return
    key = f"{sales.ist_day(moment):%Y%m%d}|{source}"
    entry = state.setdefault("sale_days", {}).setdefault(key, [0, 0.0])
    entry[0] += units
    entry[1] = round(entry[1] + revenue, 2)


def _add(state: dict[str, Any], key: str, deltas: Mapping[str, Any]) -> None:
    bucket = state["buckets"].setdefault(key, [0, 0, 0, 0, 0.0])
    for i, name in enumerate(COUNTERS):
        delta = deltas.get(name, 0) or 0
        if delta:
            if i < 4:
                delta = int(delta)
            bucket[i] += delta
            state["totals"][name] += delta
    bucket[4] = round(bucket[4], 2)


def _add_day(state: dict[str, Any], rollup: str, key: str, units: Any, revenue: Any) -> None:
    """Add units and revenue to one entry of a daily rollup; nothing for an event without
    them (views, stock), so the rollup holds only days with sales."""
    units, revenue = int(units or 0), float(revenue or 0.0)
    if not units and not revenue:
        return
    entries = state.setdefault(rollup, {})
    entry = entries.setdefault(key, [0, 0.0])
    entry[0] += units
    entry[1] = round(entry[1] + revenue, 2)


def _apply_stock(state: dict[str, Any], event: Mapping[str, Any], stamp: str) -> None:
    base, moves = state["stock_base"], state["stock_moves"]
    located = state.setdefault("stock_locations", {})
    location = event.get("location_id")
    if event.get("stock_set") is not None and location:
        current = located.get(location)
        count = {
            "value": int(event["stock_set"]),
            "at": stamp,
            "reserved": int(event.get("stock_reserved") or 0),
            "in_transit": int(event.get("stock_in_transit") or 0),
        }
        # Two counts of one moment: the larger wins, so arrival order never decides.
        if stamp > base["at"] and (current is None or _newer(count, current)):
            located[location] = count
    elif event.get("stock_set") is not None and _newer(
        {"at": stamp, "value": int(event["stock_set"])}, base
    ):
        base["value"], base["at"] = int(event["stock_set"]), stamp
        # A total count supersedes every location counted before it or at the same moment.
        for name in [n for n, c in located.items() if c["at"] <= stamp]:
            del located[name]
    newest = max([base["at"], *(c["at"] for c in located.values())])
    moves[:] = [m for m in moves if m[0] > newest]
    if event.get("stock_delta") and stamp > newest:
        moves.append([stamp, int(event["stock_delta"])])
        moves.sort()
        # Folding old moves into the total count would supersede the location counts, so it
        # only happens without them; with them the moves end at each new inventory count.
        horizon = (as_datetime(moves[-1][0]) - MOVE_HORIZON).isoformat()
        while not located and moves and moves[0][0] < horizon:
            at, delta = moves.pop(0)
            base["value"], base["at"] = base["value"] + delta, at
    counted = sum(c["value"] for c in located.values()) if located else base["value"]
    state["stock_raw"] = counted + sum(m[1] for m in moves)
    state["stock"] = max(0, state["stock_raw"])
    state["stock_reserved"] = sum(c["reserved"] for c in located.values())


def _record_aging(state: dict[str, Any], event: Mapping[str, Any], stamp: str) -> None:
    sold = event.get("kind") in ("order", "sales") and int(event.get("units") or 0) > 0
    if sold and stamp > (state.get("last_sale_at") or ""):
        state["last_sale_at"] = stamp
    if event.get("stock_set") is None:
        return
    if not state.get("first_stock_at") or stamp < state["first_stock_at"]:
        state["first_stock_at"] = stamp
    location = event.get("location_id")
    if not location:
        return
    since = state.setdefault("location_since", {}).setdefault(
        location, {"first_at": stamp, "lifecycle_start": None}
    )
    since["first_at"] = min(since["first_at"], stamp)
    start = event.get("lifecycle_start")
    if start and (since["lifecycle_start"] is None or start < since["lifecycle_start"]):
        since["lifecycle_start"] = start


def _newer(count: Mapping[str, Any], than: Mapping[str, Any]) -> bool:
    """Is ``count`` a later inventory count than ``than`` (at one moment: the larger)?"""
    keys = ("at", "value", "reserved", "in_transit")
    return tuple(count.get(k, 0) for k in keys) > tuple(than.get(k, 0) for k in keys)


def _record_price(state: dict[str, Any], price: float, stamp: str) -> None:
    """Keep each distinct price observation by event time (so any arrival order gives the same
    history) and derive the periods: equal consecutive prices are one period, each period ends
    where the next begins."""
    points = state.setdefault("price_points", [])
    if [stamp, price] in points:
        return
    points.append([stamp, price])
    points.sort()
    del points[: max(0, len(points) - PRICE_HISTORY)]
    periods: list[list[Any]] = []
    for at, value in points:
        if not periods or periods[-1][1] != value:
            periods.append([at, value])
    state["price_history"] = [
        {
            "price": value,
            "valid_from": at,
            "valid_to": periods[i + 1][0] if i + 1 < len(periods) else None,
        }
        for i, (at, value) in enumerate(periods)
    ]


def apply_batch(state: dict[str, Any], docs: Iterable[Mapping[str, Any]]) -> list[str]:
    """Apply change-feed documents of one item in feed order, skipping what was applied.

    Returns the ids applied now; an empty list means the batch was a redelivery.
    """
    mark = state.setdefault("applied", {"ts": 0, "ids": []})
    applied: list[str] = []
    for doc in docs:
        ts = int(doc.get("_ts", 0))
        if ts < mark["ts"] or (ts == mark["ts"] and doc["id"] in mark["ids"]):
            continue
        apply_event(state, doc)
        if ts > mark["ts"]:
            mark["ts"], mark["ids"] = ts, []
        mark["ids"].append(doc["id"])
        applied.append(doc["id"])
    return applied


def unknown_listing(item_id: str, docs: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Catalogue fields of a listing known only from its events: shown as "needs catalogue
    details", counted in KPIs, not ranked until completed (``catalogued`` False). It has no
    listing price until a price source (an offer, the catalogue editor) gives one."""
    docs = list(docs)
    return {
        "item_id": item_id,
        "title": item_id,
        "category": "uncatalogued",
        "brand": "",
        "marketplace": docs[0]["marketplace"] if docs else "amazon",
        "price": None,
        "mrp": None,
        "rating": None,
        "review_count": 0,
        "catalogued": False,
        "first_seen_at": min((str(d.get("occurred_at", "")) for d in docs), default=None),
    }


def rebuild(product: Mapping[str, Any], docs: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The full recompute: a fresh state with every event of the item in log order."""
    state = new_state(_catalogue_fields(product))
    ordered = sorted(docs, key=lambda d: int(d.get("_ts", 0)))
    apply_batch(state, ordered)
    return state


# Fields that are projections, not catalogue: dropped before a rebuild.
_PROJECTED = {
    "buckets",
    "days",
    "channel_days",
    "amazon_hours",
    "sale_days",
    "sale_days_pruned",
    "last_order_price",
    "last_order_at",
    "totals",
    "last_event_at",
    "applied",
    "competitor_price",
    "stock",
    "stock_base",
    "stock_moves",
    "stock_locations",
    "stock_raw",
    "stock_reserved",
    "price_history",
    "price_points",
    "demand",
    "price_at",
    "last_sale_at",
    "first_stock_at",
    "location_since",
    "competitor_at",
}
# Written by the ranker and system; never catalogue.
_SYSTEM = {
    "score",
    "rank",
    "model_version",
    "scored_at",
    "_rid",
    "_self",
    "_etag",
    "_attachments",
    "_ts",
}


def _catalogue_fields(product: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in product.items() if k not in _PROJECTED | _SYSTEM}


def _prune(state: dict[str, Any]) -> None:
    """Keep the newest keys of each rollup. An entry pruned once is older than all it keeps,
    so a late event for it is pruned at once: the result does not depend on arrival order."""
    buckets = state["buckets"]
    if len(buckets) > BUCKET_HOURS:
        for key in sorted(buckets)[: len(buckets) - BUCKET_HOURS]:
            del buckets[key]
    days = state.get("days") or {}
    if len(days) > DAYS_KEPT:
        for key in sorted(days)[: len(days) - DAYS_KEPT]:
            del days[key]
    hours = state.get("amazon_hours") or {}
    if len(hours) > BUCKET_HOURS:
        for key in sorted(hours)[: len(hours) - BUCKET_HOURS]:
            del hours[key]
    sold = state.get("sale_days") or {}
    if len(sold) > DAYS_KEPT:
        seen = sorted({key[:8] for key in sold})
        if len(seen) > DAYS_KEPT:
            for key in [k for k in sold if k[:8] < seen[-DAYS_KEPT]]:
                del sold[key]
            # The days before this one are no longer all here: live figures start after it.
            pruned = seen[-DAYS_KEPT - 1]
            state["sale_days_pruned"] = max(state.get("sale_days_pruned") or "", pruned)
    channels = state.get("channel_days") or {}
    if len(channels) > DAYS_KEPT:  # fewer keys cannot span more days
        seen = sorted({key[:8] for key in channels})
        if len(seen) > DAYS_KEPT:
            for key in [k for k in channels if k[:8] < seen[-DAYS_KEPT]]:
                del channels[key]


def as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
