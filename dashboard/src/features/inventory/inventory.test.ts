import { describe, expect, it } from "vitest";
import type { DangerSummary, Decision, StoreDanger } from "./api";
import { changeText, decisionText, drillDown, filtersFrom, otherOptions, pageInfo, paramsOf, priceSeries, riskText, storeBars } from "./inventory";

function store(id: string, name: string | null, early: number, high: number, critical: number, counts = [1, 1, 1]): StoreDanger {
  return {
    store_id: id,
    name,
    capital_at_risk: { EARLY: early, HIGH: high, CRITICAL: critical },
    capital_at_risk_total: early + high + critical,
    items: { EARLY: counts[0], HIGH: counts[1], CRITICAL: counts[2] },
    items_in_danger: counts[0] + counts[1] + counts[2],
    items_total: 10,
    capital_total: 1e6,
    change_since_yesterday: { capital_at_risk: 0, items_in_danger: 0, by_level: { EARLY: 0, HIGH: 0, CRITICAL: 0 }, had_snapshot: true },
  };
}

const summary: DangerSummary = {
  day: "2026-12-02",
  previous_day: "2026-12-01",
  stores: [store("S1", "Jaipur", 100, 0, 5000), store("S2", null, 0, 9000, 0, [0, 1, 0])],
  by_department: [],
  by_category: [],
};

describe("capital at risk as bars", () => {
  it("ranks stores by their total, named when the API names them, with item counts", () => {
    expect(storeBars(summary, null)).toEqual([
      { label: "S2", value: 9000, note: "1 item" },
      { label: "Jaipur", value: 5100, note: "3 items" },
    ]);
  });
  it("shows one level when asked, leaving out stores with nothing at that level", () => {
    expect(storeBars(summary, "CRITICAL").map((b) => [b.label, b.value])).toEqual([["Jaipur", 5000]]);
    expect(storeBars({ ...summary, stores: [] }, null)).toEqual([]);
  });
});

describe("change since yesterday", () => {
  it("says up, down, none, and new for a store with no snapshot yesterday", () => {
    expect(changeText(1200, true)).toEqual({ text: "▲ ₹1,200 more than yesterday", dir: "up" });
    expect(changeText(-150000, true).text).toBe("▼ ₹1,50,000 less than yesterday");
    expect(changeText(0.2, true).dir).toBe("same");
    expect(changeText(5000, false)).toEqual({ text: "New since yesterday", dir: "new" });
  });
});

describe("search filters in the address bar", () => {
  it("round-trip, dropping unknown levels and bad pages", () => {
    const f = filtersFrom(new URLSearchParams("q=saree&department=Women,Men&store=S1&danger=high,BOGUS&alert_only=true&page=3"));
    expect(f).toEqual({ query: "saree", department: ["Women", "Men"], store_id: "S1", danger: ["HIGH"], alert_only: true, page: 3 });
    expect(paramsOf(f)).toEqual({ q: "saree", department: "Women,Men", store: "S1", danger: "HIGH", alert_only: "true", page: "3" });
    expect(filtersFrom(new URLSearchParams("page=-2")).page).toBe(1);
    expect(filtersFrom(new URLSearchParams("page=x")).page).toBe(1);
    expect(paramsOf({ query: "  ", page: 1 })).toEqual({});
  });
  it("drill down from a store to its items at a level, or every level", () => {
    expect(drillDown("S 1", "HIGH")).toBe("/inventory/search?store=S+1&danger=HIGH");
    expect(drillDown("S1", null)).toBe("/inventory/search?store=S1&danger=EARLY%2CHIGH%2CCRITICAL");
  });
  it("pages", () => {
    expect(pageInfo(2, 25, 60)).toMatchObject({ first: 26, last: 50, pages: 3, text: "26–50 of 60" });
    expect(pageInfo(3, 25, 60).last).toBe(60);
    expect(pageInfo(1, 25, 0)).toMatchObject({ pages: 1, text: "No items" });
  });
});

describe("decisions", () => {
  const base: Decision = { action: null, expected_recovery: 0, capital: 5000, recommended: null, options: [], basis: null };
  it("say the action and the capital expected back", () => {
    const markdown = { action: "markdown" as const, markdown_pct: 20, price: 1600, expected_recovery: 3200 };
    expect(decisionText({ ...base, action: "markdown", expected_recovery: 3200, recommended: markdown })).toEqual({
      action: "Mark down 20% to ₹1,600",
      recovery: "₹3,200 expected back in 30 days",
    });
    const transfer = { action: "transfer" as const, to_store_id: "S2", to_store_name: "Pune", units: 5, expected_recovery: 900 };
    expect(decisionText({ ...base, action: "transfer", expected_recovery: 900, recommended: transfer }).action).toBe("Move 5 units to Pune");
  });
  it("list the other options that recover capital, not the recommended one again", () => {
    const clearance = { action: "clearance" as const, expected_recovery: 12500 };
    const d: Decision = {
      ...base,
      action: "clearance",
      expected_recovery: 12500,
      recommended: { ...clearance },
      options: [{ action: "transfer", expected_recovery: null, reason: "no other store" }, { action: "markdown", markdown_pct: 10, price: 2250, expected_recovery: 0 }, clearance],
    };
    expect(otherOptions(d).map((o) => o.action)).toEqual(["markdown"]);
  });
  it("say why there is none", () => {
    const d = { ...base, options: [{ action: "transfer" as const, expected_recovery: null, reason: "no other store sold this item recently" }] };
    expect(decisionText(d)).toEqual({ action: "No action recovers capital: no other store sold this item recently", recovery: null });
    expect(decisionText(null).action).toBe("No recommendation");
  });
});

describe("risk", () => {
  it("labels a model score and the rules-based fallback", () => {
    expect(riskText({ risk: 0.823, risk_source: "model", danger: "HIGH", risk_model_version: "r7" })).toEqual({
      value: "82%",
      label: "chance of no sale in 30 days (model r7)",
    });
    expect(riskText({ risk: null, risk_source: "rules", danger: "CRITICAL" })).toEqual({ value: "Critical", label: "rules-based level (no risk model)" });
    expect(riskText({ risk: null, risk_source: "rules", danger: null }).value).toBe("Not in danger");
  });
});

describe("price history", () => {
  it("is a step line carried to now, in time order", () => {
    const s = priceSeries(
      [
        { price: 900, valid_from: "2026-12-02T00:00:00Z", valid_to: null },
        { price: 1000, valid_from: "2026-12-01T00:00:00Z", valid_to: "2026-12-02T00:00:00Z" },
        { price: 5, valid_from: "not a date", valid_to: null },
      ],
      Date.parse("2026-12-03T00:00:00Z"),
    );
    const t0 = Date.parse("2026-12-01T00:00:00Z") / 1000;
    expect(s.x).toEqual([t0, t0 + 86399, t0 + 86400, t0 + 2 * 86400]);
    expect(s.y).toEqual([1000, 1000, 900, 900]);
    expect(priceSeries([])).toEqual({ x: [], y: [] });
  });
});
