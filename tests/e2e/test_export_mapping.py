"""A marketplace's order export on the Imports page, on the real local stack: mapped once, then
recognised.

An export ReSight has never seen (a Flipkart-like CSV: its own column names, dates written
DD-MM-YYYY with no day above 12, amounts like "₹1,23,456.50", statuses in its own words, one of
them unknown to the guesses) is dropped on the page. The page previews it, shows the header and
the first rows with a ReSight field per column, asks how the dates are written and what the
unknown status means, saves the preset and imports the file with it. The next export of that
source, same header and another name, imports with the preset and no questions; the first file
again under a third name adds nothing. The counts checked are the API's and the event log's.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.test_imports_quality import api_import, drop_file, finished_detail
from tests.integration.helpers import principal

pytestmark = pytest.mark.e2e
ADMIN = principal("admin")
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
}

HEADER = [
    "Order Id", "Order Item ID", "SKU", "Listing", "Ordered On", "Quantity",
    "Final Selling Price", "Order Status", "City", "State", "Pincode", "Buyer Id",
]  # fmt: skip


def export(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


# Days of 01 to 12 only: the dates alone do not say whether 03-11-2026 is 3 November.
FIRST = export(
    [
        ["OD9100", "OI-1", "FK-E2E-TEE", "LST-1", "03-11-2026 10:05", "2", "₹1,299.00",
         "Delivered", "Pune", "Maharashtra", "411001", "FKB-9"],
        ["OD9101", "OI-1", "FK-E2E-SAREE", "LST-2", "05-11-2026 18:40", "1", "₹1,23,456.50",
         "Ready to dispatch", "Mumbai", "Maharashtra", "400001", "FKB-7"],
        ["OD9102", "OI-1", "FK-E2E-TEE", "LST-1", "06-11-2026", "1", "Rs. 499",
         "Customer Cancelled", "Delhi", "Delhi", "110001", "-"],
        ["OD9103", "OI-1", "FK-E2E-MUG", "LST-3", "10-11-2026", "3", "349", "Handed to courier",
         "Goa", "Goa", "403001", ""],
    ]
)  # fmt: skip
# The next day's export: OD9100 again as it was, OD9101 cancelled, a new order.
SECOND = export(
    [
        ["OD9100", "OI-1", "FK-E2E-TEE", "LST-1", "03-11-2026 10:05", "2", "₹1,299.00",
         "Delivered", "Pune", "Maharashtra", "411001", "FKB-9"],
        ["OD9101", "OI-1", "FK-E2E-SAREE", "LST-2", "05-11-2026 18:40", "0", "-",
         "Customer Cancelled", "Mumbai", "Maharashtra", "400001", "FKB-7"],
        ["OD9104", "OI-1", "FK-E2E-MUG", "LST-3", "11-11-2026 09:00", "1", "₹1,000",
         "Handed to courier", "Goa", "Goa", "403001", "FKB-9"],
    ]
)  # fmt: skip


def order_events(store) -> dict[str, dict]:
    rows = store.query(
        "events", "SELECT * FROM c WHERE STARTSWITH(c.id, @p)", [("@p", "import:flipkart:")]
    )
    return {r["id"]: r for r in rows}


def net(found: dict[str, dict]) -> tuple[int, int, float]:
    """(orders, units, revenue) of the order and cancel events: what every reader sums."""
    sale = [e for e in found.values() if e["kind"] in ("order", "cancel")]
    return (
        sum(e["orders"] for e in sale),
        sum(e["units"] for e in sale),
        round(sum(e["revenue"] for e in sale), 2),
    )


def field_of(page: Page, column: str):
    return page.locator(f'[data-testid="mapping-field"][data-column="{column}"]')


def test_an_unknown_export_is_mapped_once_then_recognised_and_counted_once(
    page: Page, devhost, store
):
    page.goto("/imports")
    expect(page.get_by_test_id("page-imports")).to_be_visible()

    # 1. An export ReSight has never seen: previewed, its columns guessed.
    drop_file(page, "Flipkart Orders 10-11.csv", FIRST)
    panel = page.get_by_test_id("mapping-panel")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-file", "Flipkart Orders 10-11.csv")
    expect(page.get_by_test_id("import-preset-matched")).to_have_count(0)
    expect(page.get_by_test_id("mapping-changed")).to_have_count(0)
    expect(page.get_by_test_id("mapping-rows-total")).to_have_attribute("data-value", "4")
    # The header and the first rows, as written.
    sample = page.get_by_test_id("mapping-sample")
    for column in HEADER:
        expect(sample.locator("thead")).to_contain_text(column)
    expect(page.get_by_test_id("mapping-sample-row")).to_have_count(4)
    expect(page.get_by_test_id("mapping-sample-row").nth(1)).to_contain_text("₹1,23,456.50")
    # A select per column, filled with the API's guesses (the API's field names).
    guessed = {
        "Order Id": "order_id",
        "Order Item ID": "line_id",
        "SKU": "sku",
        "Ordered On": "date",
        "Quantity": "quantity",
        "Final Selling Price": "price",
        "Order Status": "status",
        "City": "city",
        "State": "state",
        "Pincode": "pin_code",
        "Buyer Id": "buyer_key",
    }
    expect(page.get_by_test_id("mapping-field")).to_have_count(len(HEADER))
    for column, field in guessed.items():
        expect(field_of(page, column)).to_have_value(field)
    expect(field_of(page, "Listing")).to_have_value("")
    # Every select is labelled with its column (what a screen reader says).
    expect(page.get_by_label("ReSight field for the column Final Selling Price")).to_have_value(
        "price"
    )

    # 2. What the guesses cannot know: the day-first question, the unknown status, the name.
    expect(page.get_by_test_id("mapping-day-first")).to_be_visible()
    expect(page.get_by_test_id("mapping-save")).to_be_disabled()
    problems = page.get_by_test_id("mapping-problems")
    expect(problems).to_contain_text("Ordered On")
    expect(problems).to_contain_text("handed to courier")
    expect(problems).to_contain_text("Name the preset")
    statuses = {
        "delivered": "delivered",
        "ready to dispatch": "created",
        "customer cancelled": "cancelled",
        "handed to courier": "",
    }
    for value, status in statuses.items():
        row = page.locator(f'[data-testid="mapping-status"][data-value="{value}"]')
        expect(row).to_have_value(status)

    axe = Axe().run(page, context='[data-testid="mapping-panel"]', options=AXE_OPTIONS)
    serious = [
        f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:3]]}"
        for v in axe.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, serious

    # Keyboard only: the radio, the status select, the name.
    page.get_by_role("radio", name=re.compile(r"^Day first")).focus()
    page.keyboard.press("Space")
    expect(page.get_by_test_id("mapping-day-first-yes")).to_be_checked()
    page.get_by_label("ReSight status for “handed to courier”").select_option("shipped")
    field_of(page, "Final Selling Price").select_option("price")  # as it was: still mapped once
    page.get_by_test_id("mapping-name").focus()
    page.keyboard.type("Flipkart orders")
    expect(page.get_by_test_id("mapping-source")).to_have_value("flipkart")
    expect(problems).to_have_count(0)
    expect(page.get_by_test_id("mapping-save")).to_be_enabled()
    page.get_by_test_id("mapping-save").click()

    # 3. Saved and imported with it, under the usual progress bar.
    detail = finished_detail(page, "Flipkart Orders 10-11.csv")
    expect(page.get_by_test_id("import-progress")).to_have_attribute("data-percent", "100")
    used = page.get_by_test_id("import-preset")
    expect(used).to_contain_text("Flipkart orders")
    preset_id = used.get_attribute("data-preset-id")
    assert preset_id
    first_id = detail.get_attribute("data-import-id")
    first = api_import(devhost, first_id)
    assert first["status"] == "imported" and first["kind"] == "orders", first
    assert first["preset"] == preset_id
    assert first["counts"]["rows"] == 4 and first["counts"]["invalid"] == 0, first
    assert first["counts"]["events_new"] > 0
    expect(page.get_by_test_id("import-count-events")).to_have_attribute(
        "data-value", str(first["counts"]["events_new"])
    )
    after_first = order_events(store)
    placed = after_first["import:flipkart:order:OD9100:OI-1"]
    assert (placed["units"], placed["revenue"]) == (2, 2598.0)
    # Read day first, as answered: 03-11-2026 10:05 is 3 November.
    assert placed["occurred_at"].startswith("2026-11-03")
    assert "import:flipkart:status:OD9103:OI-1:shipped" in after_first
    assert "import:flipkart:cancel:OD9102:OI-1" in after_first
    # OD9100, OD9101 (₹1,23,456.50) and OD9103; OD9102 placed and cancelled.
    assert net(after_first) == (3, 6, 2598.0 + 123456.5 + 1047.0)

    # 4. The next export of that source: the same header, another name. No questions.
    drop_file(page, "Flipkart Orders 11-11.csv", SECOND)
    matched = page.get_by_test_id("import-preset-matched")
    expect(matched).to_contain_text("Flipkart orders")
    expect(matched).to_have_attribute("data-preset-id", preset_id)
    expect(page.get_by_test_id("mapping-panel")).to_have_count(0)
    page.get_by_test_id("import-submit").click()
    detail = finished_detail(page, "Flipkart Orders 11-11.csv")
    expect(page.get_by_test_id("import-preset")).to_contain_text("Flipkart orders")
    second = api_import(devhost, detail.get_attribute("data-import-id"))
    assert second["status"] == "imported" and second["preset"] == preset_id, second
    assert second["counts"]["rows"] == 3 and second["counts"]["invalid"] == 0, second
    assert second["counts"]["events_duplicate"] >= 1  # OD9100 as it was
    after_second = order_events(store)
    assert "import:flipkart:cancel:OD9101:OI-1" in after_second
    # OD9100, OD9103 and OD9104; OD9101 and OD9102 undone; nothing counted twice.
    assert net(after_second) == (3, 6, 2598.0 + 1047.0 + 1000.0)

    # 5. The first file again under a third name: recognised, and it adds nothing.
    drop_file(page, "copy of Flipkart Orders 10-11.csv", FIRST)
    expect(page.get_by_test_id("import-preset-matched")).to_have_attribute(
        "data-preset-id", preset_id
    )
    page.get_by_test_id("import-submit").click()
    detail = finished_detail(page, "copy of Flipkart Orders 10-11.csv")
    again = api_import(devhost, detail.get_attribute("data-import-id"))
    assert again["status"] == "imported" and again["counts"]["events_new"] == 0, again
    assert again["counts"]["events_duplicate"] == first["counts"]["events_new"]
    assert order_events(store) == after_second

    # 6. The export with a column more: asked again, showing what changed, the preset's
    # choices filled in.
    changed = FIRST.replace("Buyer Id", "Buyer Id,Dispatch By", 1)
    changed = "\n".join(
        line if i == 0 or not line else f"{line},15-11-2026"
        for i, line in enumerate(changed.split("\n"))
    )
    drop_file(page, "Flipkart Orders new format.csv", changed)
    expect(page.get_by_test_id("mapping-panel")).to_be_visible()
    expect(page.get_by_test_id("import-preset-matched")).to_have_count(0)
    what = page.get_by_test_id("mapping-changed")
    expect(what).to_have_attribute("data-preset-id", preset_id)
    expect(page.get_by_test_id("mapping-changed-added")).to_contain_text("Dispatch By")
    expect(page.get_by_test_id("mapping-changed-missing")).to_have_count(0)
    expect(page.get_by_test_id("mapping-name")).to_have_value("Flipkart orders")
    expect(field_of(page, "Order Status")).to_have_value("status")
    expect(
        page.locator('[data-testid="mapping-status"][data-value="handed to courier"]')
    ).to_have_value("shipped")


# -- an Excel export, and the presets list --------------------------------------------------------
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AJIO_HEADER = [
    "Order No", "Order Date", "Seller SKU", "Product Description", "Qty", "Selling Price",
    "Item Status", "Ship To City",
]  # fmt: skip
AJIO_FIELDS = {
    "Order No": "order_id",
    "Order Date": "date",
    "Seller SKU": "sku",
    "Product Description": "",
    "Qty": "quantity",
    "Selling Price": "price",
    "Item Status": "status",
    "Ship To City": "city",
}
AJIO_STATUSES = {
    "delivered": "delivered",
    "shipped": "shipped",
    "cancelled by customer": "cancelled",
    "rto delivered": "rto",
}


def workbook(rows: list[list]) -> bytes:
    """An Ajio-like order export as Excel writes it: real date cells, numbers as numbers."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Orders"
    sheet.append(AJIO_HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute)


AJIO_FIRST = workbook(
    [
        ["AJ-5001", at(14, 10, 5), "AJ-E2E-KURTA", "Kurta, cotton", 2, 1299.0, "Delivered", "Pune"],
        ["AJ-5002", at(15, 18, 40), "AJ-E2E-JEANS", "Jeans", 1, 2499.5, "Shipped", "Mumbai"],
        ["AJ-5003", at(16), "AJ-E2E-KURTA", "Kurta, cotton", 1, 1299.0, "Cancelled by customer",
         "Delhi"],
        ["AJ-5004", at(17, 9), "AJ-E2E-CAP", "Cap", 3, 399.0, "RTO Delivered", "Goa"],
    ]
)  # fmt: skip
# The next day's export: AJ-5001 as it was, AJ-5002 delivered since, a new order.
AJIO_SECOND = workbook(
    [
        ["AJ-5001", at(14, 10, 5), "AJ-E2E-KURTA", "Kurta, cotton", 2, 1299.0, "Delivered", "Pune"],
        ["AJ-5002", at(15, 18, 40), "AJ-E2E-JEANS", "Jeans", 1, 2499.5, "Delivered", "Mumbai"],
        ["AJ-5005", at(18, 11), "AJ-E2E-CAP", "Cap", 1, 799.0, "Shipped", "Goa"],
    ]
)  # fmt: skip


def choose_workbook(page: Page, name: str, data: bytes) -> None:
    """Through the page's file input (a keyboard user's way in), as bytes."""
    page.get_by_test_id("import-file").set_input_files(
        {"name": name, "mimeType": XLSX_TYPE, "buffer": data}
    )
    expect(page.get_by_test_id("import-chosen")).to_contain_text(name)


def ajio_events(store) -> dict[str, dict]:
    rows = store.query(
        "events", "SELECT * FROM c WHERE STARTSWITH(c.id, @p)", [("@p", "import:ajio:")]
    )
    return {r["id"]: r for r in rows}


def preset_row(page: Page, preset_id: str):
    return page.locator(f'[data-testid="preset-row"][data-preset-id="{preset_id}"]')


def test_an_excel_export_is_mapped_once_then_recognised_and_its_preset_listed_and_deleted(
    page: Page, devhost, store
):
    page.goto("/imports")
    expect(page.get_by_test_id("page-imports")).to_be_visible()
    presets = page.get_by_test_id("presets-panel")
    # The shipped Amazon report is listed, and no one may delete it.
    amazon = preset_row(page, "amazon-all-orders")
    expect(amazon).to_have_attribute("data-shipped", "true")
    expect(amazon.get_by_test_id("preset-delete")).to_have_count(0)

    # 1. An .xlsx export ReSight has never seen: previewed from its first sheet.
    choose_workbook(page, "AJIO orders 17-11.xlsx", AJIO_FIRST)
    panel = page.get_by_test_id("mapping-panel")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-file", "AJIO orders 17-11.xlsx")
    expect(page.get_by_test_id("import-preset-matched")).to_have_count(0)
    expect(page.get_by_test_id("mapping-rows-total")).to_have_attribute("data-value", "4")
    sample = page.get_by_test_id("mapping-sample")
    for column in AJIO_HEADER:
        expect(sample.locator("thead")).to_contain_text(column)
    expect(page.get_by_test_id("mapping-sample-row")).to_have_count(4)
    # Excel's own date cells say which is the day: no question about the order of the parts.
    expect(page.get_by_test_id("mapping-day-first")).to_have_count(0)

    # 2. Mapped: every column, every status word, per-unit prices, a name and a source.
    for column, field in AJIO_FIELDS.items():
        field_of(page, column).select_option(field)
    for value, status in AJIO_STATUSES.items():
        page.locator(f'[data-testid="mapping-status"][data-value="{value}"]').select_option(status)
    page.get_by_test_id("mapping-price-unit").check()
    page.get_by_test_id("mapping-name").fill("Ajio orders")
    page.get_by_test_id("mapping-source").fill("ajio")
    expect(page.get_by_test_id("mapping-problems")).to_have_count(0)
    page.get_by_test_id("mapping-save").click()

    # 3. Saved and imported with it.
    detail = finished_detail(page, "AJIO orders 17-11.xlsx")
    used = page.get_by_test_id("import-preset")
    expect(used).to_contain_text("Ajio orders")
    preset_id = used.get_attribute("data-preset-id")
    assert preset_id
    first = api_import(devhost, detail.get_attribute("data-import-id"))
    assert first["status"] == "imported" and first["kind"] == "orders", first
    assert first["preset"] == preset_id
    assert first["counts"]["rows"] == 4 and first["counts"]["invalid"] == 0, first
    after_first = ajio_events(store)
    # AJ-5001 (2 x 1,299) and AJ-5002; AJ-5003 cancelled and AJ-5004 returned to origin.
    assert net(after_first) == (2, 3, 2598.0 + 2499.5), sorted(after_first)
    assert any(e["kind"] == "cancel" and e.get("status") == "rto" for e in after_first.values())

    # 4. The preset in the list: its name, source, columns and the header's fingerprint.
    with devhost.client() as c:
        saved = c.get(f"/api/import-presets/{preset_id}", headers=ADMIN).json()
    row = preset_row(page, preset_id)
    expect(row.get_by_test_id("preset-name")).to_have_text("Ajio orders")
    expect(row.get_by_test_id("preset-source")).to_have_text("ajio")
    expect(row.get_by_test_id("preset-columns")).to_have_attribute(
        "data-count", str(len(AJIO_HEADER))
    )
    expect(row.get_by_test_id("preset-columns")).to_contain_text("8 columns: Order No, Order Date")
    expect(row.get_by_test_id("preset-fingerprint")).to_have_attribute(
        "data-fingerprint", saved["fingerprint"]
    )
    expect(row).to_have_attribute("data-shipped", "false")

    # 5. The next .xlsx of that source, another name: imported with the preset, no questions.
    choose_workbook(page, "AJIO orders 18-11.xlsx", AJIO_SECOND)
    matched = page.get_by_test_id("import-preset-matched")
    expect(matched).to_have_attribute("data-preset-id", preset_id)
    expect(page.get_by_test_id("mapping-panel")).to_have_count(0)
    page.get_by_test_id("import-submit").click()
    detail = finished_detail(page, "AJIO orders 18-11.xlsx")
    second = api_import(devhost, detail.get_attribute("data-import-id"))
    assert second["status"] == "imported" and second["preset"] == preset_id, second
    assert second["counts"]["rows"] == 3 and second["counts"]["invalid"] == 0, second
    assert second["counts"]["events_duplicate"] >= 1  # AJ-5001 as it was
    after_second = ajio_events(store)
    # AJ-5005 is new; AJ-5001 and AJ-5002 are not counted again, AJ-5002's delivery recorded.
    assert net(after_second) == (3, 4, 2598.0 + 2499.5 + 799.0), sorted(after_second)
    assert any(
        e["kind"] == "status" and e.get("status") == "delivered" and "AJ-5002" in e["id"]
        for e in after_second.values()
    )

    # 6. Deleted from the list, after a confirmation that can be declined.
    row.get_by_test_id("preset-delete").click()
    confirm = row.get_by_test_id("preset-confirm-box")
    expect(confirm).to_contain_text('Delete the preset "Ajio orders"?')
    row.get_by_test_id("preset-delete-cancel").click()
    expect(confirm).to_have_count(0)
    expect(row).to_have_count(1)
    row.get_by_test_id("preset-delete").click()
    row.get_by_test_id("preset-delete-confirm").click()
    expect(row).to_have_count(0)
    expect(presets.get_by_test_id("preset-row").first).to_have_attribute(
        "data-preset-id", "amazon-all-orders"
    )
    with devhost.client() as c:
        assert c.get(f"/api/import-presets/{preset_id}", headers=ADMIN).status_code == 404
        audit = c.get("/api/audit", params={"action": "import_preset.delete"}, headers=ADMIN).json()
    assert any((e.get("details") or {}).get("id") == preset_id for e in audit["entries"]), audit
    # Without its preset, the same export asks for its mapping again.
    choose_workbook(page, "AJIO orders 18-11 again.xlsx", AJIO_SECOND)
    expect(page.get_by_test_id("mapping-panel")).to_be_visible()
    expect(page.get_by_test_id("import-preset-matched")).to_have_count(0)
