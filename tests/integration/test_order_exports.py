"""Marketplaces' order exports end to end on the local stack: preview, a preset saved once, the
file imported with it, the next file of that source recognised by its header, and nothing
counted twice (another file name, a later status row, a webhook of the same order)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest

from shared.adapters.blob import imports_store
from shared.analytics import job
from shared.analytics.kpi_queries import Kpis
from shared.analytics.lake import lake_store
from shared.analytics.warehouse import Warehouse
from shared.core.records import utcnow
from shared.core.settings import get_settings
from tests.integration.conftest import eventually, start_devhost, stop_devhost
from tests.integration.helpers import post_webhook, principal, unprojected

pytestmark = pytest.mark.integration
ADMIN, ANALYST = principal("admin"), principal("analyst")
ROOT = Path(__file__).resolve().parents[2]
AMAZON = json.loads((ROOT / "tests/contracts/amazon_all_orders_report.json").read_text())
SALT = "order-export-salt"


@pytest.fixture(scope="module")
def host(env, store, monkeypatch_module, tmp_path_factory):
    """devhost with a buyer-key salt, so a mapped buyer column is kept as its hash."""
    lake = f"lake-{uuid.uuid4().hex[:8]}"
    monkeypatch_module.setenv("Analytics__buyerKeySalt", SALT)
    monkeypatch_module.setenv("LAKE_CONTAINER", lake)
    get_settings.cache_clear()
    h = start_devhost(
        {**env, "Analytics__buyerKeySalt": SALT, "LAKE_CONTAINER": lake},
        tmp_path_factory.mktemp("devhost"),
        "--no-seed",
        "--no-timers",
    )
    yield h
    stop_devhost(h)


def upload(host, name: str, content: bytes | str, **form) -> dict:
    data = content.encode() if isinstance(content, str) else content
    with host.client() as c:
        resp = c.post(
            "/api/imports",
            files={"file": (name, data)},
            data={k: str(v) for k, v in form.items()},
            headers=ADMIN,
        )
    assert resp.status_code == 202, resp.text
    return finished(host, resp.json()["id"])


def finished(host, import_id: str) -> dict:
    with host.client() as c:

        def done():
            doc = c.get(f"/api/imports/{import_id}", headers=ANALYST).json()
            return doc if doc["status"] in ("imported", "rejected") else None

        return eventually(done, timeout=90, interval=0.2)


def preview(host, name: str, content: bytes | str) -> dict:
    data = content.encode() if isinstance(content, str) else content
    with host.client() as c:
        resp = c.post("/api/imports/preview", files={"file": (name, data)}, headers=ADMIN)
    assert resp.status_code == 200, resp.text
    return resp.json()


def save_preset(host, name: str, answer: dict, **mapping) -> dict:
    body = {
        "name": name,
        "header": answer["header"],
        "mapping": {
            "columns": answer["suggested"]["columns"],
            "statuses": answer["suggested"]["statuses"],
            "day_first": answer["suggested"]["day_first"],
            **mapping,
        },
    }
    with host.client() as c:
        resp = c.post("/api/import-presets", json=body, headers=ADMIN)
    assert resp.status_code == 201, resp.text
    return resp.json()


def events(store, prefix: str) -> dict[str, dict]:
    rows = store.query("events", "SELECT * FROM c WHERE STARTSWITH(c.id, @p)", [("@p", prefix)])
    return {r["id"]: r for r in rows}


def net(found: dict[str, dict]) -> tuple[int, int, float]:
    """(orders, units, revenue) of order and cancel events: what every reader sums."""
    sale = [e for e in found.values() if e["kind"] in ("order", "cancel")]
    return (
        sum(e["orders"] for e in sale),
        sum(e["units"] for e in sale),
        round(sum(e["revenue"] for e in sale), 2),
    )


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


# -- Amazon's all-orders report, through the shipped preset -------------------------------------
def amazon_report(rows: list[dict[str, str]]) -> str:
    """A tab-delimited all-orders report with the documented columns, in their order."""
    lines = ["\t".join(AMAZON["columns"])]
    for row in rows:
        lines.append("\t".join(row.get(c, "") for c in AMAZON["columns"]))
    return "\n".join(lines) + "\n"


def amazon_row(order: str, sku: str, qty: str, price: str, status: str, **extra) -> dict:
    return {
        "amazon-order-id": order,
        "purchase-date": "2026-12-01T09:15:00+00:00",
        "last-updated-date": "2026-12-02T11:00:00+00:00",
        "order-status": "Shipped" if status == "Shipped" else status,
        "fulfillment-channel": "Merchant",
        "sales-channel": "Amazon.in",
        "product-name": 'Cotton kurta "Rang" size M',  # a lone quote: the flat file never quotes
        "sku": sku,
        "asin": "B0CKURTA01",
        "item-status": status,
        "quantity": qty,
        "currency": "INR",
        "item-price": price,
        "ship-city": "Pune",
        "ship-state": "Maharashtra",
        "ship-postal-code": "411001",
        "ship-country": "IN",
        **extra,
    }


def test_amazons_all_orders_report_imports_with_the_shipped_preset_and_once(host, store):
    report = amazon_report(
        [
            amazon_row("171-0000001-0000001", "AMZ-KURTA-M", "2", "1598.00", "Shipped"),
            amazon_row("171-0000002-0000002", "AMZ-KURTA-M", "0", "", "Cancelled"),
            amazon_row("171-0000003-0000003", "AMZ-SAREE-1", "1", "2499.00", "Unshipped"),
        ]
    )
    answer = preview(host, "All Orders Report.txt", report)
    assert answer["delimiter"] == "\t" and answer["header"] == AMAZON["columns"]
    assert answer["preset"]["id"] == "amazon-all-orders" and answer["preset"]["shipped"]

    first = upload(host, "All Orders Report.txt", report)  # no preset named: the header says
    assert first["status"] == "imported", first
    assert first["kind"] == "orders" and first["preset"] == "amazon-all-orders"
    assert first["counts"]["rows"] == 3 and first["counts"]["invalid"] == 0
    found = events(store, "amazon:")
    assert set(found) == {
        "amazon:order:171-0000001-0000001:AMZ-KURTA-M",
        "amazon:status:171-0000001-0000001:AMZ-KURTA-M:shipped",
        "amazon:order:171-0000002-0000002:AMZ-KURTA-M",
        "amazon:cancel:171-0000002-0000002:AMZ-KURTA-M",
        "amazon:order:171-0000003-0000003:AMZ-SAREE-1",
    }
    shipped = found["amazon:order:171-0000001-0000001:AMZ-KURTA-M"]
    assert (shipped["units"], shipped["revenue"], shipped["price"]) == (2, 1598.0, 799.0)
    assert shipped["source"] == "import" and shipped["customer_id"] is None
    assert shipped["region"] == "411001" and shipped["state"] == "Maharashtra"
    assert net(found) == (2, 3, 4097.0)  # the cancelled line nets to nothing

    again = upload(host, "All Orders Report (1).txt", report)
    assert again["status"] == "imported"
    assert again["counts"]["events_new"] == 0
    assert again["counts"]["events_duplicate"] == len(found)
    assert net(events(store, "amazon:")) == (2, 3, 4097.0)


# -- three exports of other sources, mapped once each -------------------------------------------
FLIPKART_HEADER = [
    "Order Id", "Order Item ID", "SKU", "Ordered On", "Quantity", "Final Selling Price",
    "Order Status", "City", "State", "Pincode", "Buyer Id",
]  # fmt: skip
SHOPIFY_HEADER = [
    "Name", "Created at", "Fulfilled at", "Lineitem sku", "Lineitem quantity", "Lineitem price",
    "Fulfillment Status", "Shipping City", "Shipping Province", "Shipping Zip", "Email",
]  # fmt: skip
MEESHO_HEADER = [
    "Reason for Credit Entry", "Sub Order No", "Order Date", "Customer State", "Product Name",
    "SKU", "Quantity", "Supplier Discounted Price (Incl GST and Commision)",
]  # fmt: skip


def flipkart_files() -> tuple[str, str]:
    first = csv_text(
        FLIPKART_HEADER,
        [
            ["OD100", "OI-1", "FK-TEE-01", "13/11/2026 10:05", "2", "₹1,299.00", "Delivered",
             "Pune", "Maharashtra", "411001", "FKBUYER-9"],
            ["OD101", "OI-1", "FK-TEE-02", "03/11/2026 18:40", "1", "Rs. 1,23,456.50",
             "Ready to dispatch", "Mumbai", "Maharashtra", "400001", "FKBUYER-7"],
            ["OD102", "OI-1", "FK-TEE-01", "04/11/2026", "1", "499", "Customer Cancelled",
             "Delhi", "Delhi", "110001", "-"],
            ["OD103", "OI-1", "FK-TEE-01", "05/11/2026", "one", "499", "Approved", "Delhi",
             "Delhi", "110001", ""],
        ],
    )  # fmt: skip
    # The next day's export: OD101 shipped and then cancelled, OD100 repeated as it was, a
    # new order.
    second = csv_text(
        FLIPKART_HEADER,
        [
            ["OD100", "OI-1", "FK-TEE-01", "13/11/2026 10:05", "2", "₹1,299.00", "Delivered",
             "Pune", "Maharashtra", "411001", "FKBUYER-9"],
            ["OD101", "OI-1", "FK-TEE-02", "03/11/2026 18:40", "0", "-", "Customer Cancelled",
             "Mumbai", "Maharashtra", "400001", "FKBUYER-7"],
            ["OD104", "OI-1", "FK-TEE-02", "14/11/2026 09:00", "3", "1,000", "Shipped", "Goa",
             "Goa", "403001", "FKBUYER-9"],
        ],
    )  # fmt: skip
    return first, second


def test_a_flipkart_export_mapped_once_then_recognised_and_counted_once(host, store):
    first, second = flipkart_files()
    answer = preview(host, "Flipkart Orders 13-11.csv", first)
    assert answer["preset"] is None and answer["suggested"]["missing"] == []
    assert answer["suggested"]["columns"]["buyer_key"] == "Buyer Id"
    assert answer["suggested"]["day_first"] is True
    assert [d["order"] for d in answer["dates"]] == ["day_first"]
    assert {s["value"]: s["status"] for s in answer["statuses"]} == {
        "delivered": "delivered",
        "ready to dispatch": "created",
        "customer cancelled": "cancelled",
        "approved": "created",
    }
    assert len(answer["rows"]) == 4 and answer["rows"][0][0] == "OD100"
    preset = save_preset(host, "Flipkart orders", answer, source="flipkart")

    one = upload(host, "Flipkart Orders 13-11.csv", first, preset=preset["id"])
    assert one["status"] == "imported", one
    assert one["counts"]["rows"] == 4 and one["counts"]["invalid"] == 1
    assert one["errors_sample"] == [
        {"row": 5, "column": "Quantity", "value": "one", "rule": "type integer"}
    ]
    after_one = events(store, "import:flipkart:")
    assert net(after_one) == (2, 3, 126054.5)  # OD100, OD101; OD102 placed and cancelled
    buyer = after_one["import:flipkart:order:OD100:OI-1"]["customer_id"]
    assert buyer.startswith("b_") and "FKBUYER" not in json.dumps(list(after_one.values()))
    # The file held the keys as written: it is not kept (its report is).
    blobs = imports_store()
    assert blobs.info(one["blob"]) is None
    assert blobs.info(f"processed/{one['id']}/{one['file']}") is None
    assert "FKBUYER" not in blobs.get_text(f"processed/{one['id']}/{one['file']}.report.json").text

    two = upload(host, "Flipkart Orders 14-11.csv", second)  # no preset named: recognised
    assert two["status"] == "imported" and two["preset"] == preset["id"], two
    after_two = events(store, "import:flipkart:")
    cancel = after_two["import:flipkart:cancel:OD101:OI-1"]
    # The cancelled row says 0 units: the cancel undoes what the order recorded.
    assert (cancel["units"], cancel["revenue"], cancel["stock_delta"]) == (-1, -123456.5, 1)
    assert "import:flipkart:status:OD104:OI-1:shipped" in after_two
    assert net(after_two) == (2, 5, 5598.0)  # OD100, OD104; OD101 and OD102 undone

    for name, text in (("copy of 13-11.csv", first), ("copy of 14-11.csv", second)):
        repeat = upload(host, name, text)
        assert repeat["status"] == "imported" and repeat["counts"]["events_new"] == 0
    assert events(store, "import:flipkart:") == after_two


def test_a_shopify_export_with_its_own_status_words(host, store):
    first = csv_text(
        SHOPIFY_HEADER,
        [
            ["#1001", "2026-12-01 10:00:00 +0530", "", "SH-MUG-1", "2", "349.00", "unfulfilled",
             "Chennai", "Tamil Nadu", "600001", "a@example.com"],
            ["#1002", "2026-12-01 11:30:00 +0530", "2026-12-02 09:00:00 +0530", "SH-MUG-2", "1",
             "1,299.00", "fulfilled", "Kochi", "Kerala", "682001", "b@example.com"],
        ],
    )  # fmt: skip
    answer = preview(host, "orders_export.csv", first)
    columns = answer["suggested"]["columns"]
    assert columns["order_id"] == "Name" and columns["sku"] == "Lineitem sku"
    preset = save_preset(
        host,
        "Shopify orders",
        answer,
        source="shopify",
        channel="online",
        statuses={"unfulfilled": "created", "fulfilled": "delivered", "restocked": "returned"},
    )
    one = upload(host, "orders_export.csv", first, preset=preset["id"])
    assert one["status"] == "imported" and one["counts"]["invalid"] == 0, one
    # The later export: #1001 fulfilled now, #1002 restocked (returned).
    later = csv_text(
        SHOPIFY_HEADER,
        [
            ["#1001", "2026-12-01 10:00:00 +0530", "2026-12-03 10:00:00 +0530", "SH-MUG-1", "2",
             "349.00", "fulfilled", "Chennai", "Tamil Nadu", "600001", "a@example.com"],
            ["#1002", "2026-12-01 11:30:00 +0530", "2026-12-04 12:00:00 +0530", "SH-MUG-2", "1",
             "1,299.00", "restocked", "Kochi", "Kerala", "682001", "b@example.com"],
        ],
    )  # fmt: skip
    two = upload(host, "orders_export (1).csv", later)
    assert two["status"] == "imported" and two["preset"] == preset["id"]
    found = events(store, "import:shopify:")
    assert {e["status"] for e in found.values() if e["kind"] == "status"} == {
        "delivered",
        "returned",
    }
    # "#" may not be in a Cosmos id: the order "#1001" is "_1001" in the event's id.
    delivered = found["import:shopify:status:_1001:SH-MUG-1:delivered"]
    assert delivered["occurred_at"].startswith("2026-12-03T04:30:00")  # the fulfilment time
    order = found["import:shopify:order:_1001:SH-MUG-1"]
    assert order["order_id"] == "#1001" and order["channel"] == "online"
    assert order["occurred_at"].startswith("2026-12-01T04:30")
    assert order["customer_id"].startswith("b_") and "example.com" not in json.dumps(order)
    assert net(found) == (2, 3, 1997.0)
    assert upload(host, "again.csv", later)["counts"]["events_new"] == 0


def meesho_workbook(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(MEESHO_HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_meesho_panel_workbook_shares_ids_with_meeshos_webhook(host, store):
    # The webhook saw sub-order 5501_1 first.
    body = {
        "type": "order.created",
        "id": "evt-5501",
        "created_at": "2026-12-01T06:00:00+00:00",
        "data": {"order_id": "5501", "sub_order_id": "5501_1", "sku": "MS-SAREE-1",
                 "quantity": 1, "price": 799, "state": "Karnataka"},
    }  # fmt: skip
    assert post_webhook(host, "meesho", body).status_code == 200
    first = meesho_workbook(
        [
            ["DELIVERED", "5501_1", "01-Dec-2026", "Karnataka", "Saree", "MS-SAREE-1", "1",
             "Rs. 799"],
            ["RTO_COMPLETE", "5502_1", "02-Dec-2026", "Bihar", "Saree", "MS-SAREE-1", "2",
             "Rs. 1,598"],
            ["SHIPPED", "5503_1", "03-Dec-2026", "Goa", "Saree", "MS-SAREE-2", "1", "Rs. 650"],
        ]
    )  # fmt: skip
    answer = preview(host, "Orders_Dec.xlsx", first)
    assert answer["suggested"]["missing"] == ["order_id"]  # Meesho's sub-order is the order
    columns = {**answer["suggested"]["columns"], "order_id": "Sub Order No"}
    columns.pop("line_id", None)
    preset = save_preset(
        host,
        "Meesho supplier panel",
        {**answer, "suggested": {**answer["suggested"], "columns": columns}},
        source="meesho",
        marketplace="meesho",
        price_basis="line",
    )
    one = upload(host, "Orders_Dec.xlsx", first, preset=preset["id"])
    assert one["status"] == "imported" and one["counts"]["invalid"] == 0, one
    found = events(store, "meesho:")
    # One order for 5501_1: the webhook's; the file added its delivery milestone.
    assert [k for k in found if k.startswith("meesho:order:5501_1")] == ["meesho:order:5501_1"]
    assert found["meesho:order:5501_1"]["source"] == "webhook"
    assert "meesho:status:5501_1:delivered" in found
    assert found["meesho:cancel:5502_1"]["status"] == "rto"
    assert net(found) == (2, 2, 1449.0)  # 5501_1 and 5503_1; the RTO undone
    again = upload(host, "Orders_Dec (2).xlsx", first)
    assert again["status"] == "imported" and again["counts"]["events_new"] == 0
    assert net(events(store, "meesho:")) == (2, 2, 1449.0)


def test_presets_crud_is_audited_and_shipped_presets_stay(host, store):
    with host.client() as c:
        listed = c.get("/api/import-presets", headers=ANALYST).json()["presets"]
        assert listed[0]["id"] == "amazon-all-orders"
        body = {
            "name": "Tally day book",
            "header": ["Voucher No", "Date", "Stock Item", "Qty", "Amount"],
            "mapping": {
                "source": "tally",
                "columns": {"order_id": "Voucher No", "date": "Date", "sku": "Stock Item",
                            "quantity": "Qty", "price": "Amount"},
                "price_basis": "line",
            },
        }  # fmt: skip
        made = c.post("/api/import-presets", json=body, headers=ADMIN)
        assert made.status_code == 201, made.text
        preset_id = made.json()["id"]
        assert c.post("/api/import-presets", json=body, headers=ANALYST).status_code == 403
        bad = {**body, "header": ["Voucher No"]}
        refused = c.post("/api/import-presets", json=bad, headers=ADMIN)
        assert refused.status_code == 422 and refused.json()["field"] == "mapping.columns"
        body["mapping"]["day_first"] = True
        changed = c.put(f"/api/import-presets/{preset_id}", json=body, headers=ADMIN)
        assert changed.status_code == 200 and changed.json()["mapping"]["day_first"] is True
        assert (
            c.put("/api/import-presets/amazon-all-orders", json=body, headers=ADMIN).status_code
            == 422
        )
        assert c.delete(f"/api/import-presets/{preset_id}", headers=ADMIN).status_code == 200
        assert c.get(f"/api/import-presets/{preset_id}", headers=ANALYST).status_code == 404
        assert c.delete("/api/import-presets/amazon-all-orders", headers=ADMIN).status_code == 422
    actions = [
        e["action"]
        for e in store.query(
            "audit", "SELECT c.action FROM c WHERE STARTSWITH(c.action, 'import_preset.')"
        )
    ]
    assert {"import_preset.create", "import_preset.update", "import_preset.delete"} <= set(actions)


def test_an_ambiguous_date_column_is_refused_until_the_preset_says(host, store):
    header = ["Voucher No", "Date", "Stock Item", "Qty", "Amount", "Status"]
    text = csv_text(header, [["V-1", "03/04/2026", "TL-ITEM", "1", "100", "Sale"]])
    answer = preview(host, "daybook.csv", text)
    assert answer["dates"][0]["needs_answer"] is True
    assert answer["suggested"]["day_first"] is None
    preset = save_preset(host, "Tally sales", answer, source="tally-sales",
                         statuses={"sale": "created"})  # fmt: skip
    refused = upload(host, "daybook.csv", text, preset=preset["id"])
    assert refused["status"] == "rejected" and "day-first or month-first" in refused["reason"]
    with host.client() as c:
        body = {"name": "Tally sales", "header": header,
                "mapping": {**preset["mapping"], "day_first": True}}  # fmt: skip
        assert (
            c.put(f"/api/import-presets/{preset['id']}", json=body, headers=ADMIN).status_code
            == 200
        )
    done = upload(host, "daybook (1).csv", text)
    assert done["status"] == "imported", done
    (order,) = [e for e in events(store, "import:tally-sales:").values() if e["kind"] == "order"]
    assert order["occurred_at"].startswith("2026-04-02T18:30")  # 3 April, IST midnight
    assert datetime.fromisoformat(order["occurred_at"]).astimezone(UTC).day == 2


def test_a_changed_header_asks_again_naming_what_changed(host, store):
    first, _ = flipkart_files()
    look = preview(host, "fk.csv", first)
    # SKU, Quantity and Order Status in common do not make it a version of Amazon's report.
    assert look["closest_preset"] is None or look["closest_preset"]["id"] != "amazon-all-orders"
    save_preset(host, "Flipkart orders v1", look, source="flipkart-v1")
    header = [("Pin Code" if h == "Pincode" else h) for h in FLIPKART_HEADER] + ["Courier"]
    rows = list(csv.reader(io.StringIO(first)))[1:]
    changed = csv_text(header, [[*row, "Ekart"] for row in rows])
    look = preview(host, "fk-new.csv", changed)
    assert look["preset"] is None
    assert look["closest_preset"]["changes"] == {
        "added": ["Pin Code", "Courier"], "missing": ["Pincode"]
    }  # fmt: skip
    refused = upload(host, "fk-new.csv", changed)
    assert refused["status"] == "rejected", refused
    assert "new: Pin Code, Courier; gone: Pincode" in refused["reason"]


def test_an_amazon_order_seen_by_its_webhook_first_counts_once(host, store):
    order = "171-0000009-0000009"
    change = {
        "NotificationType": "ORDER_CHANGE",
        "EventTime": "2026-12-01T09:20:00+00:00",
        "NotificationMetadata": {"NotificationId": f"n-{order}"},
        "Payload": {
            "OrderChangeNotification": {
                "AmazonOrderId": order,
                "Summary": {
                    "OrderStatus": "Unshipped",
                    "OrderItems": [
                        {"OrderItemId": "11223344", "SellerSKU": "AMZ-WEB-1", "Quantity": 1}
                    ],
                },
            }
        },
    }
    assert post_webhook(host, "amazon", change).status_code == 200
    # The report names the line by its SKU; the webhook's line id is taken over.
    report = amazon_report([amazon_row(order, "AMZ-WEB-1", "1", "999.00", "Shipped")])
    done = upload(host, "All Orders 2.txt", report)
    assert done["status"] == "imported" and done["counts"]["orders_new"] == 0, done
    found = events(store, f"amazon:order:{order}")
    assert list(found) == [f"amazon:order:{order}:11223344"]
    assert found[f"amazon:order:{order}:11223344"]["source"] == "webhook"
    assert f"amazon:status:{order}:11223344:shipped" in events(store, "amazon:status:")


def test_the_lake_counts_imported_order_lines_as_the_live_kpis_do(host, store):
    """After every import above: the lake's sales and the live KPIs agree per IST day and
    source (the reconciliation check), imported order lines included, in their channels."""
    eventually(lambda: not unprojected(store), timeout=90)
    ran = job.run(store, get_settings(), utcnow())
    assert ran["reconciliation"]["status"] == "pass", ran["reconciliation"]
    settings = get_settings()
    warehouse = Warehouse.load(settings, lake_store(settings), "check")
    try:
        rows = Kpis(warehouse, timeout=30, max_rows=1000).by_channel(
            date(2026, 11, 1), date(2026, 12, 31)
        )
    finally:
        warehouse.close()
    assert "online" in json.dumps(rows, default=str)  # the Shopify preset's channel


def test_a_report_written_in_parts_counts_a_line_split_across_them_once(store, monkeypatch):
    """A file is planned and written ``WRITE_ROWS`` rows at a time. A line whose shipped row is
    in one part and whose cancelled row is in the next is one order: the second part finds the
    first part's order (a duplicate), and its cancellation undoes that order's units and
    revenue, not the row's quantity 0. Run in process, two rows a part (parts are cut from the
    rows taken by SKU: another order of the same SKU comes between the line's rows)."""
    from shared.ingest.bulk import orders, runner

    monkeypatch.setattr(orders, "WRITE_ROWS", 2)
    order = f"171-{uuid.uuid4().int % 10**7:07d}-0000001"
    rows = [
        amazon_row(order, "AMZ-PARTS-1", "2", "1000.00", "Shipped"),
        amazon_row(f"{order}9", "AMZ-PARTS-1", "1", "500.00", "Shipped"),
        amazon_row(order, "AMZ-PARTS-1", "0", "", "Cancelled"),
    ]
    blobs = imports_store()
    blobs.ensure_container()
    name = f"incoming/parts-{uuid.uuid4().hex}.txt"
    blobs.upload_stream(name, [amazon_report(rows).encode()])
    doc = runner.process(store, blobs, name, get_settings())
    assert doc["status"] == "imported", doc
    assert doc["counts"]["lines"] == 2 and doc["counts"]["events_duplicate"] == 1
    found = {
        e["id"]: e
        for e in store.query(
            "events",
            "SELECT * FROM c WHERE c.order_id = @o",
            [("@o", order)],
        )
    }
    assert set(found) == {
        f"amazon:order:{order}:AMZ-PARTS-1",
        f"amazon:status:{order}:AMZ-PARTS-1:shipped",
        f"amazon:cancel:{order}:AMZ-PARTS-1",
    }
    cancel = found[f"amazon:cancel:{order}:AMZ-PARTS-1"]
    assert (cancel["units"], cancel["revenue"], cancel["stock_delta"]) == (-2, -1000.0, 2)
