"""The daily rollup (``days``) and the channel rollup (``channel_days``) of the projection:
sums per UTC day, idempotent, the same in any delivery order, pruned to the newest days, and
their day windows as ``shared.projection.windows`` defines them."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta

import pytest

from shared.projection import fold, windows

pytestmark = pytest.mark.unit

PRODUCT = {
    "item_id": "SKU-R",
    "title": "Saree",
    "category": "ethnic wear",
    "marketplace": "amazon",
    "price": 1000.0,
    "mrp": 1500.0,
    "stock": 50,
}
T0 = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def _order(i: int, at: datetime, units: int = 1, revenue: float = 1000.0) -> dict:
    return {
        "id": f"o{i}",
        "item_id": "SKU-R",
        "_ts": 100 + i,
        "kind": "order",
        "occurred_at": at.isoformat(),
        "orders": 1,
        "units": units,
        "revenue": revenue,
        "stock_delta": -units,
    }


def _file_day(i: int, day: datetime, channels: dict[str, tuple[int, float]]) -> dict:
    """An imported sales day as the import plans it: totals, hours and channels."""
    units = sum(u for u, _ in channels.values())
    revenue = round(sum(r for _, r in channels.values()), 2)
    hour = day.replace(hour=10, minute=0, second=0, microsecond=0)
    return {
        "id": f"import:sales:SKU-R:{day:%Y%m%d}:{i}",
        "item_id": "SKU-R",
        "_ts": 100 + i,
        "kind": "sales",
        "occurred_at": hour.isoformat(),
        "orders": len(channels),
        "units": units,
        "revenue": revenue,
        "channels": {c: {"units": u, "revenue": r} for c, (u, r) in channels.items()},
        "hourly": {hour.strftime("%Y%m%d%H"): [len(channels), units, revenue]},
    }


def _feed() -> list[dict]:
    """45 days of orders, imported sales days, views and a cancellation-like correction."""
    rng = random.Random(5)
    docs: list[dict] = []
    for i in range(140):
        at = T0 - timedelta(days=44) + timedelta(hours=rng.randrange(45 * 24))
        kind = rng.choice(["order", "file", "view", "correction"])
        if kind == "order":
            docs.append(_order(i, at, rng.randint(1, 3), rng.choice([999.5, 1000.0])))
        elif kind == "file":
            docs.append(
                _file_day(i, at, {"pos": (rng.randint(1, 4), 900.25), "online": (1, 1000.0)})
            )
        elif kind == "view":
            docs.append({**_order(i, at), "kind": "view", "units": 0, "revenue": 0.0,
                         "orders": 0, "stock_delta": 0, "views": 3})  # fmt: skip
        else:
            docs.append({**_order(i, at, -1, -1000.0), "kind": "sales", "stock_delta": 0})
    return docs


def _applied_in(order: list[dict]) -> dict:
    state = fold.new_state(PRODUCT)
    for doc in order:
        fold.apply_batch(state, [doc])
    return state


def test_each_day_sums_units_and_revenue_of_every_source():
    state = fold.new_state(PRODUCT)
    fold.apply_batch(
        state,
        [
            _order(1, T0, 2, 1999.99),
            _order(2, T0 + timedelta(hours=3), 1, 0.02),
            _file_day(3, T0, {"pos": (3, 2700.0), "wholesale": (10, 7500.0)}),
            {**_order(4, T0 + timedelta(days=1)), "kind": "view", "units": 0, "revenue": 0.0},
        ],
    )
    # Orders and the file day add into the same UTC day; a view adds no day at all.
    assert state["days"] == {"20261120": [16, 12200.01]}
    # Only a file's channels fill the channel rollup: webhook orders are the marketplace rest.
    assert state["channel_days"] == {
        "20261120|pos": [3, 2700.0],
        "20261120|wholesale": [10, 7500.0],
    }


def test_redelivery_changes_nothing_and_any_order_gives_the_same_rollups():
    docs = _feed()
    reference = _applied_in(sorted(docs, key=lambda d: d["_ts"]))
    assert len(reference["days"]) == windows.DAYS_KEPT  # 45 days of history, the newest kept
    assert min(reference["days"]) > "20261001"
    assert reference["channel_days"]
    for seed in range(4):
        shuffled = copy.deepcopy(docs)
        random.Random(seed).shuffle(shuffled)
        state = fold.new_state(PRODUCT)
        for doc in shuffled:  # each its own batch, so the watermark never skips one
            doc["_ts"] = 0
            fold.apply_batch(state, [doc])
            fold.apply_batch(state, [doc])  # redelivered at once: a no-op
        assert state["days"] == reference["days"], seed
        assert state["channel_days"] == reference["channel_days"], seed
    # A rebuild from the log agrees.
    rebuilt = fold.rebuild(reference, docs)
    assert rebuilt["days"] == reference["days"]
    assert rebuilt["channel_days"] == reference["channel_days"]


def test_a_late_event_older_than_the_kept_days_is_pruned_at_once():
    state = fold.new_state(PRODUCT)
    fold.apply_batch(state, [_order(i, T0 - timedelta(days=i)) for i in range(windows.DAYS_KEPT)])
    kept = dict(state["days"])
    fold.apply_batch(state, [_order(99, T0 - timedelta(days=60))])
    assert state["days"] == kept
    late = {**_file_day(98, T0 - timedelta(days=60), {"pos": (1, 1.0)}), "_ts": 300}
    fold.apply_batch(state, [late])
    assert "20260921|pos" in state["channel_days"]  # fewer days than kept: nothing to prune


def test_day_windows_follow_their_definition():
    now = datetime(2026, 11, 20, 23, 59, tzinfo=UTC)
    doc = {
        "days": {
            "20261120": [1, 10.0],  # today: in 7, 14 and 30
            "20261114": [2, 20.0],  # 6 days ago: still in 7
            "20261113": [4, 40.0],  # 7 days ago: 14 and 30
            "20261107": [8, 80.0],  # 13 days ago: 14 and 30
            "20261106": [16, 160.0],  # 14 days ago: 30 only
            "20261022": [32, 320.0],  # 29 days ago: 30 only
            "20261021": [64, 640.0],  # 30 days ago: outside
        }
    }
    counts = windows.day_window_counts([doc, {}], now)
    assert counts[0, :, 0].tolist() == [3, 15, 63]
    assert counts[0, :, 1].tolist() == [30, 150, 630]
    assert counts[1].sum() == 0
    channels = windows.channel_counts(
        [{"channel_days": {"20261120|pos": [2, 5.0], "20261021|pos": [9, 9.0], "x|pos": [1, 1]}}],
        now,
    )
    assert channels[0, windows.CHANNELS.index("pos")].tolist() == [2, 5.0]
    assert channels.sum() == 7.0


def test_a_new_utc_day_moves_the_day_windows_so_cached_rows_are_rebuilt():
    """The ranker's row cache keeps a row while ``band_changes`` names none of its keys: on
    another UTC day the day windows move, so everything counts as changed."""
    evening = datetime(2026, 11, 20, 22, 10, tzinfo=UTC)
    assert windows.band_changes(evening, evening + timedelta(minutes=40)) == frozenset()
    assert windows.band_changes(evening, evening + timedelta(hours=1)) is not None
    assert windows.band_changes(evening, evening + timedelta(hours=2)) is None
