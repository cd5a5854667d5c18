"""Properties of the fold: any delivery of the same events gives the same state.

The model of delivery is the real one. Webhooks arrive in any order and any number of times;
the store keeps the first of each id (an idempotent create) and stamps it with a ``_ts`` second
in write order. The change feed then delivers the log at least once: in write order, in
batches, and after a crash again from any earlier checkpoint. Whatever Hypothesis draws for
arrival order, duplication and replays, the product state must equal applying each distinct
event once, in event-time order.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.projection import fold

pytestmark = pytest.mark.unit

BASE = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)

PRODUCT = {
    "item_id": "SKU-1",
    "title": "Kurta",
    "category": "ethnic",
    "marketplace": "myntra",
    "price": 799.0,
    "mrp": 999.0,
    "stock": 12,
}

money = st.integers(1, 500_000).map(lambda paise: paise / 100)
# Event times within the move horizon of the newest move (see fold.MOVE_HORIZON); often a few
# minutes apart, so that several events share a moment and ties are exercised.
minutes = st.one_of(
    st.integers(0, 3), st.integers(0, int(fold.MOVE_HORIZON.total_seconds() // 60) - 1)
)
KINDS = ("view", "click", "traffic", "order", "cancel", "sales", "offer", "stock", "catalogue")


def _at(offset: int) -> str:
    return (BASE + timedelta(minutes=offset)).isoformat()


@st.composite
def events(draw, item_id: str = "SKU-1") -> dict[str, Any]:
    """One normalised event of any kind the fold knows, as stored (``Event.to_doc``)."""
    kind = draw(st.sampled_from((*KINDS, "import_price", "demand", "status")))
    offset = draw(minutes)
    doc: dict[str, Any] = {"item_id": item_id, "kind": kind, "occurred_at": _at(offset)}
    if kind in ("view", "click", "traffic"):
        doc["views"] = draw(st.integers(0, 50))
        doc["clicks"] = draw(st.integers(0, doc["views"]))
    elif kind == "order":
        units = draw(st.integers(1, 5))
        doc.update(orders=1, units=units, stock_delta=-units)
        doc["price"] = draw(money)
        doc["revenue"] = round(doc["price"] * units, 2)
    elif kind == "cancel":
        units = draw(st.integers(1, 5))
        doc.update(orders=-1, units=-units, stock_delta=units, revenue=-draw(money))
    elif kind == "sales":
        units = draw(st.integers(-3, 20))
        doc.update(units=units, orders=draw(st.integers(0, 5)), revenue=draw(money))
        if draw(st.booleans()):  # an imported day with its hourly split
            hours = draw(st.lists(st.integers(0, 23), min_size=1, max_size=4, unique=True))
            day = BASE + timedelta(minutes=offset)
            doc["hourly"] = {
                f"{day:%Y%m%d}{h:02d}": [1, draw(st.integers(0, 5)), draw(money)] for h in hours
            }
    elif kind in ("offer", "catalogue", "import_price"):
        doc["price"] = draw(money)
        if kind == "offer" and draw(st.booleans()):
            doc["competitor_price"] = draw(money)
    elif kind == "stock":
        doc["stock_set"] = draw(st.integers(0, 200))
        if draw(st.booleans()):
            doc["location_id"] = draw(st.sampled_from(["BLR-1", "DEL-2"]))
            doc["stock_reserved"] = draw(st.integers(0, 5))
            doc["stock_in_transit"] = draw(st.integers(0, 5))
    elif kind == "demand":
        doc["signals"] = {"external_demand": draw(st.floats(0, 2, allow_nan=False))}
        if draw(st.booleans()):
            doc["competitor_price"] = draw(money)
    return doc


@st.composite
def deliveries(draw, max_events: int = 25):
    """(distinct events, their arrivals with duplicates in any order)."""
    distinct = draw(st.lists(events(), min_size=1, max_size=max_events))
    for i, doc in enumerate(distinct):
        doc["id"] = f"e{i}"
    repeats = draw(st.lists(st.sampled_from(distinct), max_size=len(distinct)))
    arrivals = draw(st.permutations(distinct + repeats))
    return distinct, arrivals


def write_log(arrivals: list[dict[str, Any]], seconds: list[int]) -> list[dict[str, Any]]:
    """The store: the first create of an id wins; ``_ts`` counts seconds in write order."""
    log: list[dict[str, Any]] = []
    seen: set[str] = set()
    ts = 1_700_000_000
    for i, doc in enumerate(arrivals):
        if doc["id"] in seen:
            continue  # 409: answered "duplicate", nothing written
        seen.add(doc["id"])
        ts += seconds[i % len(seconds)] if seconds else 1
        log.append({**copy.deepcopy(doc), "_ts": ts})
    return log


def feed(log: list[dict[str, Any]], steps: list[tuple[int, int]]) -> list[list[dict[str, Any]]]:
    """The change feed: batches in write order; each step may first rewind to any earlier
    checkpoint (a host that crashed before checkpointing delivers again)."""
    batches, pos = [], 0
    for size, rewind in steps:
        start = max(0, pos - rewind)
        end = min(len(log), pos + size)
        if start < end:
            batches.append(log[start:end])
        pos = end
    if pos < len(log):
        batches.append(log[pos:])
    return batches


def projected(state: dict[str, Any]) -> dict[str, Any]:
    """What the state says about the product (the watermark is bookkeeping)."""
    return {k: v for k, v in state.items() if k != "applied"}


def once_in_event_time(distinct: list[dict[str, Any]]) -> dict[str, Any]:
    state = fold.new_state(PRODUCT)
    for doc in sorted(distinct, key=lambda d: (d["occurred_at"], d["id"])):
        fold.apply_event(state, doc)
    return projected(state)


steps = st.lists(st.tuples(st.integers(1, 6), st.integers(0, 30)), max_size=20)


@given(deliveries(), st.lists(st.integers(0, 1), min_size=1, max_size=8), steps)
def test_any_arrival_duplication_and_redelivery_equals_each_event_once(delivered, seconds, plan):
    distinct, arrivals = delivered
    log = write_log(arrivals, seconds)
    state = fold.new_state(PRODUCT)
    for batch in feed(log, plan):
        fold.apply_batch(state, batch)
    assert projected(state) == once_in_event_time(distinct)


@given(deliveries(), steps)
def test_a_rebuild_from_the_log_equals_the_incremental_state(delivered, plan):
    _, arrivals = delivered
    log = write_log(arrivals, [1, 0])
    state = fold.new_state(PRODUCT)
    for batch in feed(log, plan):
        fold.apply_batch(state, batch)
    assert fold.rebuild(state, log) == state


@given(deliveries(max_events=10))
def test_a_redelivered_batch_applies_nothing(delivered):
    _, arrivals = delivered
    log = write_log(arrivals, [0, 1])
    state = fold.new_state(PRODUCT)
    fold.apply_batch(state, log)
    before = copy.deepcopy(state)
    assert fold.apply_batch(state, log) == []
    assert state == before


# --- defects these properties found, kept as regression tests --------------------------------

T0, T1 = _at(0), _at(1)
REGRESSIONS = {
    # An order arriving after a newer view did not set the last order price.
    "late order": [
        {"id": "v", "kind": "view", "occurred_at": T1, "views": 1},
        {"id": "o", "kind": "order", "occurred_at": T0, "orders": 1, "units": 1, "price": 9.5},
    ],
    # A listing price observed later hid an older competitor price that arrived late.
    "late competitor": [
        {"id": "p", "kind": "offer", "occurred_at": T1, "price": 100.0},
        {"id": "d", "kind": "demand", "occurred_at": T0, "competitor_price": 90.0},
    ],
    # Two demand rows of one moment: the last to arrive won.
    "demand tie": [
        {"id": "a", "kind": "demand", "occurred_at": T0, "signals": {"external_demand": 0.0}},
        {"id": "b", "kind": "demand", "occurred_at": T0, "signals": {"external_demand": 1.0}},
    ],
    # A location count and a total count of one moment: kept or dropped by arrival order.
    "location and total tie": [
        {"id": "l", "kind": "stock", "occurred_at": T0, "stock_set": 0, "location_id": "BLR-1"},
        {"id": "t", "kind": "stock", "occurred_at": T0, "stock_set": 5},
    ],
    # Two total counts of one moment: the first to arrive won.
    "total tie": [
        {"id": "x", "kind": "stock", "occurred_at": T0, "stock_set": 3},
        {"id": "y", "kind": "stock", "occurred_at": T0, "stock_set": 7},
    ],
}


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_found_defects_stay_fixed(name):
    docs = [{"item_id": "SKU-1", **d} for d in REGRESSIONS[name]]
    expected = once_in_event_time(docs)
    for arrivals in (docs, docs[::-1]):
        state = fold.new_state(PRODUCT)
        fold.apply_batch(state, write_log(arrivals, [1]))
        assert projected(state) == expected
