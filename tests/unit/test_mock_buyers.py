"""The mock feed's buyers and deliveries: repeat customers, milestones that normalise, and RTO
rates that differ by state."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime

import numpy as np
import pytest

from demo.mock_feed import payload, status_payload
from demo.sim import deliveries
from demo.sim.buyers import BuyerPool
from demo.sim.simulator import SimEvent
from shared.ingest.marketplaces import NORMALISERS

pytestmark = pytest.mark.unit
AT = datetime(2026, 11, 21, 14, 30, tzinfo=UTC)


def test_buyers_repeat_with_a_long_tail():
    pool = BuyerPool(seed=7)
    orders = Counter(pool.pick("Karnataka").key for _ in range(4000))
    counts = np.array(list(orders.values()))
    repeat_share = (counts.sum() - len(counts)) / counts.sum()
    assert 0.25 < repeat_share < 0.75
    assert (counts == 1).mean() > 0.4  # most buy once
    assert counts.max() >= 10  # a few buy often


@pytest.mark.parametrize("marketplace", ["myntra", "meesho"])
def test_orders_carry_a_hashed_buyer_and_milestones_normalise(monkeypatch, marketplace):
    monkeypatch.setenv("Analytics__buyerKeySalt", "s")
    buyer = BuyerPool(seed=1).pick("Maharashtra")
    ev = SimEvent("SKU-1", marketplace, "order", 2, 500.0, "Maharashtra", AT)
    (order,) = NORMALISERS[marketplace](payload(ev, buyer, "u1"), AT)
    assert order.customer_id and buyer.key not in order.customer_id
    assert (order.city, order.state) == (buyer.city, "Maharashtra")
    line = order.id
    for status in ("packed", "shipped", "delivered", "returned"):
        (milestone,) = NORMALISERS[marketplace](status_payload(ev, "u1", status, AT), AT)
        assert milestone.kind == "status" and milestone.status == status
        assert milestone.id.replace(":status:", ":order:").rsplit(":", 1)[0] == line
    (rto,) = NORMALISERS[marketplace](status_payload(ev, "u1", "rto", AT), AT)
    assert (rto.kind, rto.status, rto.id) == ("cancel", "rto", line.replace(":order:", ":cancel:"))
    assert rto.revenue == -order.revenue


def test_rto_rates_differ_by_state():
    rng = np.random.default_rng(3)
    rates = {}
    for state in ("Karnataka", "Uttar Pradesh"):
        plans = [deliveries.plan(rng, state, AT) for _ in range(3000)]
        rates[state] = sum(p[-1][0] == "rto" for p in plans) / len(plans)
        assert all([s for s, _ in p][:2] == ["packed", "shipped"] for p in plans)
        assert all(all(a[1] < b[1] for a, b in itertools.pairwise(p)) for p in plans)
    assert rates["Karnataka"] == pytest.approx(0.08, abs=0.02)
    assert rates["Uttar Pradesh"] == pytest.approx(0.22, abs=0.03)
