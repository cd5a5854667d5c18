"""The mock feed speaks each marketplace's own payload format, which normalises back exactly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from demo.mock_feed import payload
from demo.sim.simulator import SimEvent
from shared.ingest.marketplaces import NORMALISERS

pytestmark = pytest.mark.unit
AT = datetime(2026, 11, 21, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize("marketplace", ["amazon", "myntra", "meesho"])
@pytest.mark.parametrize("kind", ["view", "click", "order"])
def test_payload_round_trips(marketplace, kind):
    sim = SimEvent("SKU-ETH-0001", marketplace, kind, 2, 1299.0, "Karnataka", AT)
    (event,) = NORMALISERS[marketplace](payload(sim), datetime(2026, 11, 21, 14, 31, tzinfo=UTC))
    assert (event.item_id, event.marketplace, event.kind, event.occurred_at) == (
        "SKU-ETH-0001",
        marketplace,
        kind,
        AT,
    )
    expected = {"view": (1, 0, 0, 0.0), "click": (0, 1, 0, 0.0), "order": (0, 0, 2, 2598.0)}
    assert (event.views, event.clicks, event.units, event.revenue) == expected[kind]
    (again,) = NORMALISERS[marketplace](payload(sim), AT)
    assert again.id != event.id  # two shoppers doing the same thing are two events
