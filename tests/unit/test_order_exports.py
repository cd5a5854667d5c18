"""Order exports: column guesses, the mapping, fingerprints, the shipped Amazon preset, and rows
to events (shared/ingest/bulk/mapping.py, presets.py, orders.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from shared.core import sales
from shared.core.errors import PartsOutOfOrder
from shared.ingest.bulk import orders, presets
from shared.ingest.bulk.mapping import (
    Mapping,
    fingerprint,
    guess,
    guess_status,
    header_changes,
    suggested,
)

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
CONTRACT = json.loads((ROOT / "tests/contracts/amazon_all_orders_report.json").read_text())
NOW = datetime(2026, 12, 7, tzinfo=UTC)


def table(rows: list[list[str]], header: list[str]) -> orders.Table:
    frame = pd.DataFrame(rows, columns=header, dtype="str").replace("", pd.NA)
    return orders.Table(header, [frame], [])


def events(mapping: Mapping, t: orders.Table) -> list:
    frame, errors = orders.mapped(t, mapping, "Asia/Kolkata")
    good, failed = orders.validate(orders.ORDER_KIND, frame, 2)
    assert not errors and not failed, (errors, failed)
    lines = orders.plan(good, mapping, lambda sku: "myntra", NOW)
    return [e for line in lines for e in line.events]


def test_the_shipped_amazon_preset_has_the_documented_columns():
    preset = presets.SHIPPED["amazon-all-orders"]
    assert list(presets.AMAZON_ALL_ORDERS_COLUMNS) == CONTRACT["columns"]
    assert preset["header"] == CONTRACT["columns"]
    assert preset["fingerprint"] == fingerprint(CONTRACT["columns"])
    mapping = presets.mapping_of(preset)
    assert not mapping.missing_columns(CONTRACT["columns"])
    assert mapping.marketplace == "amazon" and mapping.price_basis == "line"
    assert "buyer_key" not in mapping.columns  # Amazon shares no buyer identity


def test_fingerprint_ignores_order_case_and_spacing_and_changes_are_named():
    header = ["Order ID", "SKU", "Order Date", "Qty"]
    assert fingerprint(header) == fingerprint(["qty", " order_date ", "sku", "ORDER-ID", ""])
    assert fingerprint(header) != fingerprint([*header, "Pin"])
    changes = header_changes(header, ["Order ID", "SKU", "Order Date", "Quantity", "Pin"])
    assert changes.added == ["Quantity", "Pin"] and changes.missing == ["Qty"]


@pytest.mark.parametrize(
    ("header", "rows", "expected"),
    [
        (
            ["Order Id", "Order Item ID", "SKU", "Ordered On", "Qty", "Final Selling Price",
             "Order Status", "Pincode", "State"],
            [["OD1", "OI1", "S-1", "13/11/2026 10:05", "2", "₹1,299.00", "Delivered", "411001",
              "Maharashtra"]],
            {"order_id": "Order Id", "line_id": "Order Item ID", "sku": "SKU",
             "date": "Ordered On", "quantity": "Qty", "price": "Final Selling Price",
             "status": "Order Status", "pin_code": "Pincode", "state": "State"},
        ),
        (
            ["Name", "Created at", "Lineitem quantity", "Lineitem price", "Lineitem sku",
             "Financial Status", "Shipping Zip", "Shipping Province"],
            [["#1001", "2026-12-01 10:00:00 +0530", "1", "499.00", "S-2", "paid", "560001",
              "KA"]],
            {"order_id": "Name", "date": "Created at", "quantity": "Lineitem quantity",
             "price": "Lineitem price", "sku": "Lineitem sku", "pin_code": "Shipping Zip",
             "state": "Shipping Province"},
        ),
        (
            ["Sub Order No", "Order Date", "SKU", "Quantity", "Reason for Credit Entry",
             "Customer State", "Anything"],
            [["12345_1", "07-Dec-2026", "S-3", "1", "DELIVERED", "Tamil Nadu", "x"]],
            {"line_id": "Sub Order No", "date": "Order Date", "sku": "SKU",
             "quantity": "Quantity", "state": "Customer State"},
        ),
    ],
)  # fmt: skip
def test_guesses_from_names_and_values(header, rows, expected):
    guesses = guess(header, pd.DataFrame(rows, columns=header, dtype="str"))
    found = suggested(guesses)
    for field, column in expected.items():
        assert found.get(field) == column, (field, found)
    assert len(set(found.values())) == len(found)  # a column holds one field


def test_values_alone_find_a_pin_code_and_a_state():
    header = ["col1", "col2"]
    rows = [["411001", "Maharashtra"], ["560001", "Karnataka"], ["110001", "Delhi"]]
    found = suggested(guess(header, pd.DataFrame(rows, columns=header, dtype="str")))
    assert found == {"pin_code": "col1", "state": "col2"}


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("Delivered", "delivered"), ("CANCELLED", "cancelled"), ("Canceled", "cancelled"),
        ("RTO Delivered", "rto"), ("Return to Origin", "rto"), ("Customer Return", "returned"),
        ("Shipped", "shipped"), ("Dispatched", "shipped"), ("Out for Delivery", "shipped"),
        ("Ready to dispatch", "created"), ("Pending", "created"), ("Unshipped", "created"),
        ("Shipped - Delivered to Buyer", "delivered"), ("Shipped - Returned to Seller", "rto"),
        ("paid", None), ("zzz", None),
    ],
)  # fmt: skip
def test_status_words(value, status):
    assert guess_status(value) == status


def test_the_mapping_table_beats_the_usual_words_and_blank_is_placed():
    mapping = Mapping(
        source="tally",
        columns={"order_id": "No", "sku": "Item", "date": "Date", "quantity": "Qty"},
        statuses={" PAID ": "created", "Returned": "rto"},
    )
    assert mapping.status_of("paid") == "created"
    assert mapping.status_of("returned") == "rto"
    assert mapping.status_of("-") == "created"
    assert mapping.status_of("mystery") is None


def test_a_mapping_needs_the_required_fields_and_one_field_per_column():
    with pytest.raises(ValidationError, match="date, quantity"):
        Mapping(source="x1", columns={"order_id": "A", "sku": "B"})
    with pytest.raises(ValidationError, match="one field only"):
        Mapping(source="x1", columns={"order_id": "A", "sku": "A", "date": "C", "quantity": "D"})


FLIPKART = Mapping(
    source="flipkart",
    columns={
        "order_id": "Order Id", "line_id": "Item", "sku": "SKU", "date": "Ordered On",
        "quantity": "Qty", "price": "Price", "status": "Status", "city": "City",
        "pin_code": "Pin", "status_date": "Updated",
    },
    statuses={"Customer Cancelled": "cancelled"},
)  # fmt: skip
FLIPKART_HEADER = ["Order Id", "Item", "SKU", "Ordered On", "Qty", "Price", "Status", "City", "Pin",
                   "Updated"]  # fmt: skip


def test_rows_become_order_cancel_and_status_events_with_natural_ids():
    t = table(
        [
            ["OD1", "1", "SKU-A", "13/11/2026 10:05", "2", "₹1,299.00", "Delivered", "Pune",
             "411001", "20/11/2026"],
            ["OD2", "1", "SKU-B", "03/11/2026", "1", "Rs. 499", "Customer Cancelled", "Pune",
             "411001", "04/11/2026"],
            ["OD3", "1", "SKU-A", "04/11/2026", "1", "1,23,456.50", "RTO", "-", "", "-"],
        ],
        FLIPKART_HEADER,
    )  # fmt: skip
    out = {e.id: e for e in events(FLIPKART, t)}
    assert set(out) == {
        "import:flipkart:order:OD1:1",
        "import:flipkart:status:OD1:1:delivered",
        "import:flipkart:order:OD2:1",
        "import:flipkart:cancel:OD2:1",
        "import:flipkart:order:OD3:1",
        "import:flipkart:cancel:OD3:1",
    }
    first = out["import:flipkart:order:OD1:1"]
    assert (first.units, first.revenue, first.price, first.stock_delta) == (2, 2598.0, 1299.0, -2)
    assert first.occurred_at == datetime(2026, 11, 13, 4, 35, tzinfo=UTC)  # 10:05 IST
    assert (first.source, first.marketplace, first.city, first.region) == (
        "import", "myntra", "Pune", "411001"
    )  # fmt: skip
    cancel = out["import:flipkart:cancel:OD2:1"]
    assert (cancel.orders, cancel.units, cancel.revenue, cancel.stock_delta) == (-1, -1, -499.0, 1)
    assert cancel.occurred_at == datetime(2026, 11, 3, 18, 30, tzinfo=UTC)  # the status date
    assert out["import:flipkart:cancel:OD3:1"].status == "rto"
    assert out["import:flipkart:order:OD3:1"].revenue == 123456.5


def test_marketplace_lines_share_the_webhooks_ids():
    header = ["Order", "Line", "SKU", "Date", "Qty", "Price", "Status"]
    row = ["MYN-1", "L1", "SKU-A", "2026-12-01T10:00:00+05:30", "1", "999", "Shipped"]
    for market, expected in (
        ("myntra", {"myntra:order:MYN-1:L1", "myntra:status:MYN-1:L1:shipped"}),
        ("meesho", {"meesho:order:L1", "meesho:status:L1:shipped"}),
        ("amazon", {"amazon:order:MYN-1:L1", "amazon:status:MYN-1:L1:shipped"}),
    ):
        mapping = Mapping(
            source="panel",
            marketplace=market,
            columns={
                "order_id": "Order", "line_id": "Line", "sku": "SKU", "date": "Date",
                "quantity": "Qty", "price": "Price", "status": "Status",
            },
        )  # fmt: skip
        assert {e.id for e in events(mapping, table([row], header))} == expected


def test_a_line_without_a_line_id_is_its_sku_and_line_prices_are_not_multiplied():
    mapping = presets.mapping_of(presets.SHIPPED["amazon-all-orders"])
    header = list(CONTRACT["columns"])
    row = dict.fromkeys(header, "")
    row.update({
        "amazon-order-id": "403-1234567-1234567", "purchase-date": "2026-12-01T10:00:00+00:00",
        "sku": "SKU-A", "item-status": "Shipped", "quantity": "3", "item-price": "1497.00",
    })  # fmt: skip
    out = {e.id: e for e in events(mapping, table([list(row.values())], header))}
    order = out["amazon:order:403-1234567-1234567:SKU-A"]
    assert (order.units, order.revenue, order.price) == (3, 1497.0, 499.0)
    assert "amazon:status:403-1234567-1234567:SKU-A:shipped" in out


def test_bad_cells_are_reported_under_the_exports_column_names():
    t = table(
        [
            ["OD1", "1", "SKU-A", "32/11/2026", "2", "₹1,299.00", "Delivered", "", "4110", ""],
            ["OD2", "1", "SKU-B", "13/11/2026", "1.5", "abc", "Lost in space?", "", "", ""],
            ["OD3", "1", "SKU-B", "13/11/2026", "0", "10", "Delivered", "", "", ""],
            ["OD4", "1", "SKU-B", "13/11/2026", "1", "10", "Delivered", "", "4110", ""],
        ],
        FLIPKART_HEADER,
    )
    frame, errors = orders.mapped(t, FLIPKART, "Asia/Kolkata")
    _, failed = orders.validate(orders.ORDER_KIND, frame, 2)
    found = {(e.row, e.column, e.value) for e in errors} | {
        (e.row, orders.error_column(FLIPKART, t, e.column), e.value) for e in failed
    }
    assert (2, "Ordered On", "32/11/2026") in found
    assert (3, "Qty", "1.5") in found
    assert (3, "Price", "abc") in found
    assert (4, "Qty", "0") in found
    assert (5, "Pin", "4110") in found
    assert {r for r, _, _ in found} == {2, 3, 4, 5}


def test_an_ambiguous_date_column_asks_unless_the_preset_says():
    rows = [["OD1", "1", "SKU-A", "03/04/2026", "1", "10", "Delivered", "", "", ""]]
    with pytest.raises(orders.AmbiguousDates, match="day-first or month-first"):
        orders.mapped(table(rows, FLIPKART_HEADER), FLIPKART, "Asia/Kolkata")
    told = FLIPKART.model_copy(update={"day_first": False})
    frame, _ = orders.mapped(table(rows, FLIPKART_HEADER), told, "Asia/Kolkata")
    assert frame["date"].tolist() == ["2026-03-03T18:30:00+00:00"]  # 4 March, IST midnight


def test_only_amazons_own_lines_give_way_to_its_hourly_notifications():
    amazon_file_line = {"id": "amazon:order:171-1:SKU-A", "marketplace": "amazon", "kind": "order"}
    other_source = {"id": "import:flipkart:order:OD1:1", "marketplace": "amazon", "kind": "order"}
    assert sales.is_amazon_line({**amazon_file_line, "source": "import"})
    assert not sales.is_amazon_line({**other_source, "source": "import"})
    assert sales.source_of({**other_source, "source": "import"}) == "import"


def test_recorded_lines_of_an_item_written_are_let_go_and_the_item_is_not_taken_again():
    """A file is written an item at a time: what is recorded of an item whose lines are all
    written is let go, and a line of it after that is refused (it would not see its order)."""
    from shared.ingest.bulk.order_writer import Recorded

    order = {"kind": "order", "order_id": "171-1", "units": 2, "revenue": 998.0}
    known = Recorded([{"id": "amazon:order:171-1:SKU-A", "item_id": "SKU-A", **order}])
    known.add({"id": "amazon:order:171-1:SKU-B", "item_id": "SKU-B", **order})
    assert known.get("amazon:order:171-1:SKU-A", "SKU-A")["units"] == 2
    assert known.get("amazon:order:171-1:SKU-A", "SKU-B") is None  # another item's line
    assert known.order_ids("SKU-B", "171-1") == ["amazon:order:171-1:SKU-B"]
    known.forget({"SKU-A"})
    assert known.get("amazon:order:171-1:SKU-A", "SKU-A") is None
    assert known.order_ids("SKU-B", "171-1") == ["amazon:order:171-1:SKU-B"]
    with pytest.raises(PartsOutOfOrder, match="SKU-A"):
        known.add({"id": "amazon:cancel:171-1:SKU-A", "item_id": "SKU-A", **order})
