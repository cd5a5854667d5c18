"""The Imports and Data quality pages in the browser, on the real local stack.

Files go through the page (the file picker, or a real drop event on the drop zone), the
API, Blob, the emulated Event Grid blob trigger and the import runner; the page follows the
import's progress and shows what the API reports. The quality run after an import flags
planted problems, and a critical one shows under the header on the Overview.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from demo import samples
from shared.core.settings import IST
from tests.e2e.conftest import sign_in
from tests.integration.conftest import eventually
from tests.integration.helpers import principal, unprojected

pytestmark = pytest.mark.e2e
ANALYST = principal("analyst")
# Files' days are IST days (shared.core.settings.IST), as the app reads them.
TODAY = datetime.now(UTC).astimezone(IST).date()
IMPORT_MS = 180_000  # the longest an import of the big file may take on a busy machine
BIG_ROWS = 60_000

# Every attribute change of the import's progress bar, recorded in the page as it happens.
RECORD_BAR = """() => {
  window.__bars = [];
  const seen = (el) => window.__bars.push([el.dataset.status, el.dataset.percent]);
  new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target.nodeType === 1 && r.target.matches('[data-testid="import-progress"]')
        ? r.target : null;
      if (el) seen(el);
      for (const n of r.addedNodes || []) {
        if (n.nodeType !== 1) continue;
        const bar = n.matches('[data-testid="import-progress"]')
          ? n : n.querySelector('[data-testid="import-progress"]');
        if (bar) seen(bar);
      }
    }
  }).observe(document.body, {subtree: true, childList: true, attributes: true,
                              attributeFilter: ["data-percent", "data-status"]});
}"""

DROP = """([name, text]) => {
  const dt = new DataTransfer();
  dt.items.add(new File([text], name, {type: "text/csv"}));
  return dt;
}"""


def api_import(devhost, import_id: str) -> dict:
    with devhost.client() as c:
        resp = c.get(f"/api/imports/{import_id}", headers=ANALYST)
    assert resp.status_code == 200, resp.text
    return resp.json()


def shown_counts(page: Page) -> dict[str, int]:
    out = {}
    for name in ("rows", "valid", "invalid", "events"):
        cell = page.get_by_test_id(f"import-count-{name}")
        out[name] = int(cell.get_attribute("data-value") or "-1")
    return out


def drop_file(page: Page, name: str, text: str) -> None:
    data = page.evaluate_handle(DROP, [name, text])
    page.get_by_test_id("import-dropzone").dispatch_event("drop", {"dataTransfer": data})


def finished_detail(page: Page, name: str, status: str = "imported"):
    """The detail of the import of ``name`` once it has finished. The detail of the previous
    import stays on screen until the new one is reserved, so the name is waited for first."""
    detail = page.get_by_test_id("import-detail")
    expect(detail).to_contain_text(name, timeout=IMPORT_MS)
    expect(detail).to_have_attribute("data-status", status, timeout=IMPORT_MS)
    return detail


def test_a_big_file_shows_a_moving_progress_bar_and_the_counts_of_the_api(
    page: Page, devhost, tmp_path: Path
):
    items = samples.products(40, seed=11, prefix="SKU-E2E")
    path = tmp_path / "pos_sales_big.csv"
    path.write_text(samples.sales_csv(items, TODAY - timedelta(days=1), BIG_ROWS, seed=2))

    page.goto("/imports")
    expect(page.get_by_test_id("page-imports")).to_be_visible()
    page.evaluate(RECORD_BAR)
    # The file picker, through the keyboard-reachable button's input.
    page.get_by_test_id("import-file").set_input_files(str(path))
    expect(page.get_by_test_id("import-chosen")).to_contain_text("pos_sales_big.csv")
    page.get_by_test_id("import-kind").select_option("sales")
    page.get_by_test_id("import-submit").click()

    detail = finished_detail(page, "pos_sales_big.csv")
    import_id = detail.get_attribute("data-import-id")
    assert import_id
    bar = page.get_by_test_id("import-progress")
    expect(bar).to_have_attribute("data-percent", "100")
    expect(page.get_by_test_id("import-progress-label")).to_contain_text("Imported 60,000 rows")

    # The bar was seen before the end, and it only ever moved forward.
    seen = page.evaluate("window.__bars")
    running = [s for s in seen if s[0] not in ("imported", "rejected")]
    assert running, f"the bar was never seen before the import finished: {seen}"
    percents = [int(p) for _, p in seen if p]
    assert percents == sorted(percents), seen
    assert percents[-1] == 100
    print(f"progress seen: {seen}")

    # The counts on screen are the API's.
    doc = api_import(devhost, import_id)
    assert doc["status"] == "imported"
    assert doc["counts"]["rows"] == BIG_ROWS and doc["counts"]["invalid"] == 0
    assert shown_counts(page) == {
        "rows": doc["counts"]["rows"],
        "valid": doc["counts"]["valid"],
        "invalid": doc["counts"]["invalid"],
        "events": doc["counts"]["events_new"],
    }
    row = page.locator(f'[data-testid="import-row"][data-import-id="{import_id}"]')
    expect(row).to_have_attribute("data-status", "imported")
    expect(row.get_by_test_id("import-row-valid")).to_have_text("60,000")
    expect(row.get_by_test_id("import-row-invalid")).to_have_text("0")
    expect(row).to_contain_text("admin")


def test_an_inventory_file_moves_the_bar_row_by_row(page: Page, devhost):
    """Inventory rows are one event each, so the bar follows the writes."""
    items = samples.products(500, seed=12, prefix="SKU-E2E-INV")
    locations = ("wh-a", "wh-b", "wh-c", "wh-d")
    # Counted 12 days ago: outside the 7 days the completeness check expects reports from.
    text = samples.inventory_csv(items, TODAY - timedelta(days=12), seed=3, locations=locations)
    page.goto("/imports")
    page.evaluate(RECORD_BAR)
    drop_file(page, "inventory_all_locations.csv", text)
    page.get_by_test_id("import-submit").click()
    finished_detail(page, "inventory_all_locations.csv")
    seen = page.evaluate("window.__bars")
    print(f"progress seen: {seen}")
    percents = [int(p) for _, p in seen if p]
    assert percents == sorted(percents) and percents[-1] == 100, seen
    assert any(0 < p < 100 for p in percents), f"the bar never stood between 0 and 100: {seen}"


def test_a_dropped_file_with_bad_rows_lists_them_and_downloads_the_report(page: Page, devhost):
    items = samples.products(12, seed=3, prefix="SKU-E2E")
    text, planted = samples.corrupted_sales_csv(items, TODAY - timedelta(days=2), rows=60, seed=4)
    page.goto("/imports")
    drop_file(page, "broken_sales.csv", text)
    expect(page.get_by_test_id("import-chosen")).to_contain_text("broken_sales.csv")
    page.get_by_test_id("import-submit").click()
    finished_detail(page, "broken_sales.csv")

    expect(page.get_by_test_id("import-count-invalid")).to_have_attribute(
        "data-value", str(len(planted))
    )
    expect(page.get_by_test_id("import-count-valid")).to_have_attribute(
        "data-value", str(60 - len(planted))
    )
    for row, column, _value, _rule in planted:
        cell = page.locator(
            f'[data-testid="import-error-row"][data-row="{row}"][data-column="{column}"]'
        )
        expect(cell).to_be_visible()
    expect(page.get_by_test_id("import-error-row")).to_have_count(len(planted))

    with page.expect_download() as info:
        page.get_by_test_id("import-errors-download").click()
    report = Path(info.value.path()).read_text()
    reported = {
        (int(r["row"]), r["column"], r["value"]) for r in csv.DictReader(io.StringIO(report))
    }
    assert reported == {(row, column, value) for row, column, value, _ in planted}


def test_strict_mode_and_refused_files_say_why(page: Page, devhost, tmp_path: Path):
    items = samples.products(12, seed=5, prefix="SKU-E2E")
    text, planted = samples.corrupted_sales_csv(items, TODAY - timedelta(days=3), rows=30, seed=5)
    page.goto("/imports")

    # Strict mode: the whole file is rejected, the reason says so, with what to do.
    drop_file(page, "strict_sales.csv", text)
    page.get_by_test_id("import-strict").check()
    page.get_by_test_id("import-submit").click()
    finished_detail(page, "strict_sales.csv", "rejected")
    expect(page.get_by_test_id("import-reason")).to_contain_text("strict mode")
    expect(page.get_by_test_id("import-reason-help")).to_contain_text("without strict mode")
    expect(page.get_by_test_id("import-error-row")).to_have_count(len(planted))
    page.get_by_test_id("import-strict").uncheck()

    # Missing required columns: rejected with the columns named.
    drop_file(page, "sales_short.csv", "date,product_id,channel\n2026-11-20T10:00:00,SKU-1,pos\n")
    page.get_by_test_id("import-submit").click()
    finished_detail(page, "sales_short.csv", "rejected")
    expect(page.get_by_test_id("import-reason")).to_contain_text("quantity_sold")
    expect(page.get_by_test_id("import-reason-help")).to_contain_text("missing columns")

    # An unknown kind of file.
    drop_file(page, "colours.csv", "colour,size\nred,M\n")
    page.get_by_test_id("import-submit").click()
    finished_detail(page, "colours.csv", "rejected")
    expect(page.get_by_test_id("import-reason")).to_contain_text("match no file kind")

    # Over 50 MB (a sparse file): refused before anything is sent.
    big = tmp_path / "year_of_sales.csv"
    with big.open("wb") as f:
        f.truncate(51 * 1024 * 1024)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.get_by_test_id("import-file").set_input_files(str(big))
    expect(page.get_by_test_id("import-refused")).to_contain_text("the limit is 50.0 MB")
    expect(page.get_by_test_id("import-chosen")).to_have_count(0)
    expect(page.get_by_test_id("import-submit")).to_be_disabled()
    assert posts == []


def test_the_analyst_follows_imports_without_an_upload_control(browser, devhost, catalogue):
    ctx = browser.new_context(base_url=devhost.base_url, viewport={"width": 1400, "height": 900})
    try:
        # An import of its own, so the history has a row whichever tests ran before.
        text = samples.demand_csv(samples.products(5, seed=9, prefix="SKU-E2E"), TODAY)
        with devhost.client() as c:
            resp = c.post(
                "/api/imports",
                files={"file": ("signals.csv", text.encode())},
                headers=principal("admin"),
            )
        assert resp.status_code == 202, resp.text
        pg = ctx.new_page()
        sign_in(pg, "analyst")
        pg.goto("/imports")
        expect(pg.get_by_test_id("imports-readonly")).to_be_visible()
        expect(pg.get_by_test_id("import-form")).to_have_count(0)
        expect(pg.get_by_test_id("import-file")).to_have_count(0)
        row = pg.locator(f'[data-testid="import-row"][data-import-id="{resp.json()["id"]}"]')
        row.get_by_test_id("import-open").click()
        expect(pg.get_by_test_id("import-detail")).to_be_visible()
        expect(pg.get_by_test_id("import-detail")).to_have_attribute(
            "data-status", "imported", timeout=IMPORT_MS
        )
        expect(pg.get_by_test_id("import-progress")).to_have_attribute("data-percent", "100")
        expect(row).to_have_attribute("data-status", "imported")  # the list follows
    finally:
        ctx.close()


def inventory_text(rows: list[tuple[str, str, datetime, int, int]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["date", "product_id", "location", "stock_level", "reserved_stock"])
    for item, location, when, level, reserved in rows:
        w.writerow([when.isoformat(), item, location, level, reserved])
    return out.getvalue()


def test_the_quality_page_shows_planted_problems_and_the_overview_a_critical_one(
    page: Page, devhost, store
):
    """Yesterday 10 product-locations were counted, today 5 (completeness 50 %: critical),
    one of them with more reserved than in stock (a consistency warning)."""
    # Today and yesterday are IST days: the quality run is for the IST day of the counts, and the
    # demand file below is for the same day (a run near IST midnight must not straddle two).
    now = datetime.now(UTC).replace(microsecond=0).astimezone(IST)
    midnight = datetime.combine(now.date(), datetime.min.time(), IST)
    today = max(now - timedelta(minutes=2), midnight + timedelta(seconds=1))
    yesterday = today - timedelta(days=1)
    pairs = [(f"SKU-QLT-{n:02d}", "wh-pune") for n in range(10)]
    before = inventory_text([(i, loc, yesterday, 40, 2) for i, loc in pairs])
    after = inventory_text(
        [
            (i, loc, today, 30 if n else 5, 30 if n == 0 else 1)
            for n, (i, loc) in enumerate(pairs[:5])
        ]
    )

    signals = samples.demand_csv([samples.SampleProduct(i, 499.0) for i, _ in pairs], today.date())

    page.goto("/imports")
    for name, text in (
        ("inventory_yesterday.csv", before),
        ("inventory_today.csv", after),
        # The run after an import may come before the projection has folded that import's
        # stock into the products; the run after the next file sees it.
        ("signals_today.csv", signals),
    ):
        drop_file(page, name, text)
        expect(page.get_by_test_id("import-chosen")).to_contain_text(name)
        page.get_by_test_id("import-submit").click()
        detail = finished_detail(page, name)
        eventually(lambda: not unprojected(store), timeout=60)
    # The quality run follows the import's outcome: wait for the one after the second file.
    last = f"import:{detail.get_attribute('data-import-id')}"
    with devhost.client() as c:
        eventually(
            lambda: (
                (c.get("/api/quality", headers=ANALYST).json()["run"] or {}).get("trigger") == last
            ),
            timeout=60,
        )

    # The Overview shows the critical result under the header, in words.
    page.goto("/")
    alert = page.get_by_test_id("quality-alert")
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("data-status", "critical")
    expect(alert).to_contain_text("Completeness 50.0%")
    alert.get_by_test_id("quality-alert-link").click()

    expect(page.get_by_test_id("page-quality")).to_be_visible()
    expect(page.get_by_test_id("quality-alert")).to_have_count(0)  # not twice on its own page
    expect(page.get_by_test_id("quality-latest")).to_have_attribute("data-status", "critical")
    expect(page.get_by_test_id("quality-status")).to_have_text("Critical")
    completeness = page.locator('[data-testid="quality-check"][data-name="completeness"]')
    expect(completeness).to_have_attribute("data-badge", "critical")
    expect(completeness.get_by_test_id("quality-check-badge")).to_have_text("Critical")
    expect(completeness.get_by_test_id("quality-check-value")).to_have_text("50.0%")
    expect(completeness.get_by_test_id("quality-check-detail")).to_contain_text(
        "5 of 10 product-locations"
    )
    reserved = page.locator('[data-testid="quality-check"][data-name="reserved_above_stock"]')
    expect(reserved).to_have_attribute("data-badge", "warning")
    expect(reserved.get_by_test_id("quality-check-badge")).to_have_text("Warning")
    expect(reserved.get_by_test_id("quality-check-detail")).to_contain_text("SKU-QLT-00@wh-pune")
    timeliness = page.locator(
        '[data-testid="quality-check"][data-name="timeliness:file:inventory"]'
    )
    expect(timeliness).to_have_attribute("data-badge", "pass")
    for group in ("completeness", "timeliness", "accuracy", "consistency", "anomalies"):
        expect(page.get_by_test_id(f"quality-group-{group}")).to_be_visible()

    # The page says what the API says, and the history has a point per run.
    with devhost.client() as c:
        run = c.get("/api/quality", headers=ANALYST).json()["run"]
        runs = c.get("/api/quality/history?days=30", headers=ANALYST).json()["runs"]
    assert run["status"] == "critical"
    shown = page.get_by_test_id("quality-check")
    expect(shown).to_have_count(len(run["results"]))
    expect(page.get_by_test_id("quality-history-chart-summary")).to_contain_text(
        f"{len(runs)} points"
    )
    page.get_by_test_id("quality-history-chart-table-toggle").click()
    expect(page.get_by_test_id("quality-history-chart-table").locator("tbody tr")).to_have_count(
        len(runs)
    )
