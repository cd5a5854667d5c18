"""``amazon.adopt_report_lines`` and ``amazon.order_events``: the ids an order line takes
whichever of the notification, the catch-up and the all-orders report recorded it first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.ingest.marketplaces.amazon import OrderLine, adopt_report_lines, order_events

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def shipped(lines):
    return order_events(
        "171-1-1", "Shipped", lines, raw_type="ORDER_CHANGE", occurred=NOW, received_at=NOW
    )


def test_order_events_name_lines_by_order_item_id():
    events = shipped([OrderLine("OI-1", "SKU 1", 2), OrderLine("OI-2", "SKU-2", 1)])
    assert [(e.id, e.kind, e.stock_delta) for e in events] == [
        ("amazon:order:171-1-1:OI-1", "order", -2),
        ("amazon:status:171-1-1:OI-1:shipped", "status", 0),
        ("amazon:order:171-1-1:OI-2", "order", -1),
        ("amazon:status:171-1-1:OI-2:shipped", "status", 0),
    ]


def test_a_line_the_report_recorded_first_takes_its_id_with_one_read():
    reads = []
    recorded = {("amazon:order:171-1-1:SKU_1", "SKU 1")}

    def stored(event_id, item_id):
        reads.append((event_id, item_id))
        return {"id": event_id} if (event_id, item_id) in recorded else None

    events = shipped([OrderLine("OI-1", "SKU 1", 2), OrderLine("OI-2", "SKU-2", 1)])
    adopted = adopt_report_lines(events, stored)
    assert [e.id for e in adopted] == [
        "amazon:order:171-1-1:SKU_1",
        "amazon:status:171-1-1:SKU_1:shipped",
        "amazon:order:171-1-1:OI-2",
        "amazon:status:171-1-1:OI-2:shipped",
    ]
    assert reads == [
        ("amazon:order:171-1-1:SKU_1", "SKU 1"),
        ("amazon:order:171-1-1:SKU-2", "SKU-2"),
    ]


def test_a_cancellation_takes_the_reports_line_too():
    events = order_events(
        "171-1-1",
        "Canceled",
        [OrderLine("OI-1", "SKU-1", 2)],
        raw_type="getOrders",
        occurred=NOW,
        received_at=NOW,
    )
    adopted = adopt_report_lines(events, lambda i, p: {"id": i})
    assert [(e.id, e.stock_delta) for e in adopted] == [("amazon:cancel:171-1-1:SKU-1", 2)]


def test_other_ids_are_left_alone_without_a_read():
    events = shipped([OrderLine("SKU-1", "SKU-1", 1)])  # already named by its SKU

    def no_read(event_id, item_id):
        raise AssertionError("read")

    assert adopt_report_lines(events, no_read) == events
