"""The seller-scale variant: each seller's counts on its own scale, per ranking."""

from __future__ import annotations

import numpy as np
import pytest

from demo.seller_scale import SCALED, rescale
from shared.ml.features import COLUMN, FEATURES, FILE_SIGNALS

pytestmark = pytest.mark.unit


def _rows(n: int, volume: float, files: bool, rng) -> np.ndarray:
    X = np.full((n, len(FEATURES)), np.nan, dtype=np.float32)
    X[:, SCALED] = rng.uniform(0, 10, (n, len(SCALED))) * volume
    X[:, COLUMN["price"]] = 500
    if files:
        X[:, COLUMN[FILE_SIGNALS["channel_days"][0]]] = 0.5
    return X


def test_a_seller_ten_times_bigger_looks_the_same_after_rescaling():
    rng = np.random.default_rng(3)
    small = _rows(20, 1.0, files=False, rng=rng)
    big = small.copy()
    big[:, SCALED] *= 10
    a, b = rescale(small, [20]), rescale(big, [20])
    assert np.allclose(a[:, SCALED], b[:, SCALED], rtol=1e-5)
    # Other columns are untouched, and the mean of each count column is 1.
    assert np.all(a[:, COLUMN["price"]] == 500)
    assert np.allclose(np.nanmean(a[:, SCALED], axis=0), 1.0, rtol=1e-5)


def test_webhook_and_file_sellers_in_one_ranking_are_scaled_apart_and_groups_apart():
    rng = np.random.default_rng(4)
    webhook, files = _rows(10, 100.0, False, rng), _rows(10, 1.0, True, rng)
    mixed = np.vstack([webhook, files, webhook * 3])
    out = rescale(mixed, [20, 10])
    units = COLUMN["units_7d"]
    assert np.mean(out[:10, units]) == pytest.approx(1.0, rel=1e-5)
    assert np.mean(out[10:20, units]) == pytest.approx(1.0, rel=1e-5)
    # The second group (the same webhook seller at three times the volume) on its own scale.
    assert np.allclose(out[20:, units], out[:10, units], rtol=1e-5)


def test_a_column_a_seller_does_not_send_stays_missing_and_zero_volume_stays_zero():
    rng = np.random.default_rng(5)
    X = _rows(5, 1.0, False, rng)
    X[:, COLUMN["views_7d"]] = np.nan
    X[:, COLUMN["orders_7d"]] = 0
    out = rescale(X, [5])
    assert np.isnan(out[:, COLUMN["views_7d"]]).all()
    assert (out[:, COLUMN["orders_7d"]] == 0).all()
