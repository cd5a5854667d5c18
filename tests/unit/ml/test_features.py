from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from demo.sim.simulator import Simulator, simulate_catalogue
from shared.core.records import COUNTERS, hour_key
from shared.ml.features import (
    COLUMN,
    FEATURE_VERSION,
    FEATURES,
    FeatureContext,
    build_features,
    build_raw,
)
from shared.projection.fold import apply_event, new_state

pytestmark = pytest.mark.unit

START = datetime(2026, 10, 1, tzinfo=UTC)
NOW = START + timedelta(days=8, hours=5, minutes=40)


@pytest.fixture(scope="module")
def states():
    catalogue = simulate_catalogue(60, 12)
    out = {p["item_id"]: new_state(p) for p in catalogue}
    for e in Simulator(catalogue, 12).history(START, 24 * 8 + 6):
        apply_event(out[e.item_id], e.to_doc())
    return list(out.values())


def test_shape_dtype_and_contract(states):
    X = build_features(states, NOW, FeatureContext.from_products(states))
    assert X.dtype == np.float32 and X.shape == (len(states), len(FEATURES))
    assert len(set(FEATURES)) == len(FEATURES)
    assert FEATURE_VERSION.startswith("f3-")
    # No simulator internals among the inputs or outputs.
    for hidden in ("appeal", "elasticity", "ref_price", "reference"):
        assert not any(hidden in name for name in FEATURES)


def _window_sums(buckets, now, hours):
    """The definition, written the slow way: the ``hours`` most recent UTC hours up to ``now``."""
    start = now.replace(minute=0, second=0, microsecond=0)
    keys = {hour_key(start - timedelta(hours=h)) for h in range(hours)}
    return [sum(v[i] for k, v in buckets.items() if k in keys) for i in range(len(COUNTERS))]


def test_windows_match_their_definition(states):
    X = build_raw(states, NOW)
    for row, state in enumerate(states):
        for hours, label in ((1, "1h"), (24, "24h"), (24 * 7, "7d")):
            expected = dict(zip(COUNTERS, _window_sums(state["buckets"], NOW, hours), strict=True))
            assert X[row, COLUMN[f"views_{label}"]] == pytest.approx(expected["views"])
            assert X[row, COLUMN[f"orders_{label}"]] == pytest.approx(expected["orders"])
            if label != "1h":
                assert X[row, COLUMN[f"units_{label}"]] == pytest.approx(expected["units"])
                assert X[row, COLUMN[f"revenue_{label}"]] == pytest.approx(
                    expected["revenue"], rel=1e-5
                )
    assert X[:, COLUMN["views_7d"]].sum() > 0 and X[:, COLUMN["views_1h"]].sum() > 0


def test_derived_features():
    state = new_state(
        {
            "item_id": "SKU-X-0001",
            "title": "t",
            "category": "Footwear",
            "marketplace": "myntra",
            "price": 800.0,
            "mrp": 1000.0,
            "rating": 4.2,
            "review_count": 10,
            "stock": 70,
        }
    )
    state["competitor_price"] = 1000.0
    key = NOW.strftime("%Y%m%d%H")
    state["buckets"] = {key: [100, 20, 7, 7, 5600.0]}
    other = {
        **state,
        "item_id": "SKU-X-0002",
        "price": 400.0,
        "competitor_price": None,
        "buckets": {},
        "stock": 0,
    }
    X = build_features([state, other], NOW, FeatureContext.from_products([state, other]))
    row = dict(zip(FEATURES, X[0], strict=True))
    assert row["discount"] == pytest.approx(0.2)
    assert row["price_vs_competitor"] == pytest.approx(-0.2)
    assert row["price_vs_category"] == pytest.approx(800 / 600)  # median of 800 and 400
    assert row["ctr_7d"] == pytest.approx((20 + 0.25 * 20) / (100 + 20))
    assert row["days_of_cover"] == pytest.approx(70 / 1.0)
    assert row["in_stock"] == 1 and X[1, COLUMN["in_stock"]] == 0
    assert np.isnan(X[1, COLUMN["price_vs_competitor"]])
    assert row["category"] == 1 and row["marketplace"] == 1
    # An hour later the 1h window is empty but the 7d window still holds the hour.
    later = build_raw([state], NOW + timedelta(hours=1))
    assert later[0, COLUMN["views_1h"]] == 0 and later[0, COLUMN["views_7d"]] == 100


def test_context_from_whole_catalogue_makes_subset_scoring_identical(states):
    ctx = FeatureContext.from_products(states)
    full = build_features(states, NOW, ctx)
    subset = build_features(states[5:9], NOW, ctx)
    np.testing.assert_array_equal(full[5:9], subset)
    # A context learned from the handful alone would shift price-relative features.
    alone = build_features(states[5:9], NOW, FeatureContext.from_products(states[5:9]))
    assert not np.allclose(
        alone[:, COLUMN["price_vs_category"]], subset[:, COLUMN["price_vs_category"]]
    )


def test_catalogue_fields_read_like_num_whatever_their_type():
    """The one-call conversion of plain numbers and the per-value fallback agree with _num."""
    from shared.ml.features import _num

    base = {"category": "Beauty", "marketplace": "meesho", "buckets": {}}
    odd = [
        {**base, "price": 100, "mrp": None, "stock": None, "rating": 4.5, "review_count": None},
        {**base, "price": "250.5", "mrp": "n/a", "stock": True, "rating": None},
        {**base, "price": float("nan"), "stock": 7.0, "competitor_price": 90, "review_count": 3},
        {"category": None, "marketplace": "ebay"},
    ]
    X = build_raw(odd, NOW)
    for column, key, default in (
        ("price", "price", np.nan),
        ("stock", "stock", 0.0),
        ("rating", "rating", np.nan),
        ("review_count", "review_count", 0.0),
    ):
        expected = np.array([_num(p.get(key), default) for p in odd], dtype=np.float32)
        np.testing.assert_array_equal(X[:, COLUMN[column]], expected)
    plain = odd[:1] + odd[2:]  # only plain numbers and None: the one-call path
    np.testing.assert_array_equal(build_raw(plain, NOW), X[[0, 2, 3]])
    assert X[:, COLUMN["category"]].tolist() == [4, 4, 4, 8]
    assert X[:, COLUMN["marketplace"]].tolist() == [2, 2, 2, 3]


# ------------------------------------------------------------------ missing signals
_COUNTER_COLUMNS = {
    "views": ("views_1h", "views_24h", "views_7d", "trend_views", "unit_sessions_7d"),
    "clicks": ("clicks_1h", "clicks_24h", "clicks_7d"),
    "orders": ("orders_1h", "orders_24h", "orders_7d"),
    "units": ("units_24h", "units_7d", "trend_units", "days_of_cover"),
    "revenue": ("revenue_24h", "revenue_7d"),
}


def _quiet(marketplace: str, item: str) -> dict:
    """An item with no events at all: every sent counter is zero."""
    return new_state(
        {
            "item_id": item,
            "title": "t",
            "category": "Beauty",
            "marketplace": marketplace,
            "price": 300.0,
            "mrp": 400.0,
            "rating": 4.1,
            "review_count": 5,
            "stock": 9,
        }
    )


@pytest.mark.parametrize("mode", ["live", "mock"])
def test_a_signal_not_sent_is_missing_and_one_sent_without_events_is_zero(mode):
    from shared.core import signals

    docs = [_quiet(mp, f"SKU-Q-{i}") for i, mp in enumerate(("amazon", "myntra", "meesho"))]
    X = build_raw(docs, NOW, mode)
    for row, doc in enumerate(docs):
        sent = signals.sent(doc["marketplace"], mode)
        for signal, columns in _COUNTER_COLUMNS.items():
            for column in columns:
                value = X[row, COLUMN[column]]
                if signal in sent:
                    assert not np.isnan(value), (mode, doc["marketplace"], column)
                    if column.startswith(signal):
                        assert value == 0, (mode, doc["marketplace"], column)
                else:
                    assert np.isnan(value), (mode, doc["marketplace"], column)
        rates = {"ctr_24h", "ctr_7d"} if "clicks" in sent else set()
        rates |= {"conversion_24h", "conversion_7d"} if "clicks" in sent else set()
        for column in ("ctr_24h", "ctr_7d", "conversion_24h", "conversion_7d"):
            assert np.isnan(X[row, COLUMN[column]]) == (column not in rates)
        # Catalogue fields are never blanked; no competitor offer: no competitor feature.
        assert X[row, COLUMN["price"]] == 300 and X[row, COLUMN["stock"]] == 9
        assert np.isnan(X[row, COLUMN["price_vs_competitor"]])


def test_live_mode_blanks_clicks_everywhere_and_views_where_only_orders_come(states):
    live = build_raw(states, NOW, "live")
    mock = build_raw(states, NOW, "mock")
    np.testing.assert_array_equal(mock, build_raw(states, NOW))  # the default is the demo
    assert not np.isnan(mock[:, [COLUMN[c] for c in ("clicks_7d", "ctr_7d", "views_7d")]]).any()
    amazon = np.array([s["marketplace"] == "amazon" for s in states])
    assert amazon.any() and (~amazon).any()
    for column in ("clicks_1h", "clicks_7d", "ctr_24h", "conversion_7d"):
        assert np.isnan(live[:, COLUMN[column]]).all()
    for column in ("views_24h", "trend_views"):
        assert not np.isnan(live[amazon, COLUMN[column]]).any()
        assert np.isnan(live[~amazon, COLUMN[column]]).all()
    # What is sent stays exactly as the demo computes it.
    for column in ("orders_24h", "units_7d", "revenue_7d", "price", "stock", "days_of_cover"):
        np.testing.assert_array_equal(live[:, COLUMN[column]], mock[:, COLUMN[column]])
    np.testing.assert_array_equal(
        live[amazon, COLUMN["views_7d"]], mock[amazon, COLUMN["views_7d"]]
    )


def test_the_mode_is_checked_and_feeds_the_feature_version():
    from shared.ml.features import NEEDS, unsent_columns

    with pytest.raises(ValueError, match="mode"):
        build_raw([], NOW, "demo")
    assert unsent_columns("mock") == {}
    live = unsent_columns("live")
    assert set(live) == {0, 1, 2, 3}  # three marketplaces and the unknown one
    assert COLUMN["clicks_24h"] in live[0] and COLUMN["views_24h"] not in live[0]
    assert COLUMN["views_24h"] in live[1] and COLUMN["orders_24h"] not in live[1]
    assert set(NEEDS) <= set(FEATURES)
