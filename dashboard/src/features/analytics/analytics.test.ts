import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/client";
import {
  barsOf,
  cellText,
  defaultRange,
  describeBars,
  heat,
  lakeIsEmpty,
  parseMinSupport,
  periodEpoch,
  queryProblem,
  rangeProblem,
  records,
  resultChart,
  revenueSeries,
  rfmGrid,
  seasonLabel,
  withoutCustomer,
} from "./analytics";

describe("analytics tables", () => {
  it("turns rows into records", () => {
    expect(records({ columns: ["a", "b"], rows: [[1, "x"], [2, null]] })).toEqual([{ a: 1, b: "x" }, { a: 2, b: null }]);
    expect(records(null)).toEqual([]);
  });

  it("knows an empty lake from other failures", () => {
    expect(lakeIsEmpty(new ApiError("GET", "/api/analytics/revenue", 503, "lake_empty", "no gold", null))).toBe(true);
    expect(lakeIsEmpty(new ApiError("GET", "/api/analytics/revenue", 503, "unavailable", "down", null))).toBe(false);
    expect(lakeIsEmpty(null)).toBe(false);
  });
});

describe("date ranges", () => {
  it("defaults to the last 30 IST days", () => {
    // 20:00 UTC on 1 Nov is already 2 Nov in India.
    expect(defaultRange(Date.parse("2026-11-01T20:00:00Z"))).toEqual({ start: "2026-10-04", end: "2026-11-02" });
  });

  it("says what is wrong with a range", () => {
    expect(rangeProblem({ start: "2026-11-01", end: "2026-11-30" })).toBeNull();
    expect(rangeProblem({ start: "2026-11-30", end: "2026-11-01" })).toMatch(/not be after/);
    expect(rangeProblem({ start: "", end: "2026-11-01" })).toMatch(/start/);
    expect(rangeProblem({ start: "2026-11-01", end: "2026-13-45" })).toMatch(/end/);
    expect(rangeProblem({ start: "2000-01-01", end: "2026-11-01" })).toMatch(/ten years/);
  });
});

describe("revenue", () => {
  it("places days and months at their first IST midnight", () => {
    expect(periodEpoch("2026-11-02", "daily")).toBe(Date.parse("2026-11-01T18:30:00Z") / 1000);
    expect(periodEpoch("2026-11", "monthly")).toBe(Date.parse("2026-10-31T18:30:00Z") / 1000);
  });

  it("sums the periods into the totals", () => {
    const table = {
      columns: ["period", "orders", "order_lines", "cancelled_lines", "units", "revenue", "gross_revenue"],
      rows: [
        ["2026-11-01", 2, 3, 1, 4, 100.1, 150.1],
        ["2026-11-02", 1, 1, 0, 1, 200.2, 200.2],
      ],
    };
    const s = revenueSeries(table, "daily");
    expect(s.periods).toEqual(["2026-11-01", "2026-11-02"]);
    expect(s.revenue).toEqual([100.1, 200.2]);
    expect(s.totals).toEqual({ revenue: 300.3, gross_revenue: 350.3, orders: 3, units: 5, cancelled_lines: 1 });
    expect(revenueSeries({ columns: table.columns, rows: [] }, "daily").totals.revenue).toBe(0);
  });
});

describe("bars", () => {
  const cities = { columns: ["city", "revenue", "revenue_share"], rows: [["Pune", 10, 0.1], [null, 30, 0.3], ["Agra", 60, 0.6]] };

  it("orders bars from the largest and names a missing label", () => {
    const bars = barsOf(cities, "city", "revenue", (r) => `${r.revenue_share}`);
    expect(bars.map((b) => b.label)).toEqual(["Agra", "unknown", "Pune"]);
    expect(bars[0]).toEqual({ label: "Agra", value: 60, note: "0.6" });
  });

  it("keeps the table's order when asked (months, weekdays)", () => {
    expect(barsOf(cities, "city", "revenue", undefined, true).map((b) => b.label)).toEqual(["Pune", "unknown", "Agra"]);
  });

  it("writes every value out", () => {
    expect(describeBars(barsOf(cities, "city", "revenue"), (v) => `₹${v}`)).toBe("Agra: ₹60; unknown: ₹30; Pune: ₹10.");
    expect(describeBars([], String)).toBe("No data.");
  });
});

describe("RFM grid", () => {
  it("fills every cell, most recent first", () => {
    const grid = rfmGrid({ columns: ["r", "f", "customers"], rows: [[5, 1, 3], [1, 5, 7], [3, 3, 2]] });
    expect(grid.recency).toEqual([5, 4, 3, 2, 1]);
    expect(grid.counts[0][0]).toBe(3);
    expect(grid.counts[4][4]).toBe(7);
    expect(grid.counts[2][2]).toBe(2);
    expect(grid.counts[1]).toEqual([0, 0, 0, 0, 0]);
    expect(grid.max).toBe(7);
    expect(grid.total).toBe(12);
    expect(rfmGrid(null).total).toBe(0);
  });

  it("shades more customers deeper, empty cells plain", () => {
    expect(heat(0, 10)).toBe("rgb(250, 251, 252)");
    expect(heat(10, 10)).toBe("rgb(157, 187, 255)");
    expect(heat(5, 10)).not.toBe(heat(10, 10));
  });
});

describe("inputs and words", () => {
  it("checks the minimum support", () => {
    expect(parseMinSupport("0.05")).toEqual({ value: 0.05 });
    expect(parseMinSupport("")).toHaveProperty("error");
    expect(parseMinSupport("abc")).toHaveProperty("error");
    expect(parseMinSupport("0.0001")).toHaveProperty("error");
    expect(parseMinSupport("2")).toHaveProperty("error");
  });

  it("counts what customer analytics leave out", () => {
    const table = { columns: ["marketplace", "order_lines", "revenue"], rows: [["amazon", 12, 5000.5]] };
    expect(withoutCustomer(table)).toEqual({ lines: 12, revenue: 5000.5, byMarketplace: [{ marketplace: "amazon", lines: 12 }] });
    expect(withoutCustomer({ columns: table.columns, rows: [] }).lines).toBe(0);
  });

  it("names the seasons", () => {
    expect(seasonLabel("none")).toMatch(/baseline/);
    expect(seasonLabel("diwali")).toBe("Diwali");
    expect(seasonLabel("end_of_season_sale")).toBe("End-of-season sale");
  });

  it("writes cells", () => {
    expect(cellText(null)).toBe("—");
    expect(cellText(["a", "b"])).toBe('["a","b"]');
    expect(cellText(3.5)).toBe("3.5");
  });
});

describe("query results", () => {
  it("draws bars of the first label against the first number", () => {
    const chart = resultChart(["state", "lines"], [["Delhi", 3], ["Goa", 5]], "bar");
    expect(chart).toEqual({ kind: "bar", label: "state", value: "lines", bars: [{ label: "Delhi", value: 3 }, { label: "Goa", value: 5 }] });
  });

  it("draws a line over days or months, in time order", () => {
    const chart = resultChart(["year_month", "revenue"], [["2026-11", 5], ["2026-10", 3]], "line");
    expect(chart?.kind).toBe("line");
    if (chart?.kind === "line") expect(chart.values).toEqual([3, 5]);
    expect(resultChart(["state", "revenue"], [["Goa", 5], ["Delhi", 3]], "line")?.kind).toBe("bar");
  });

  it("draws nothing for a table, a single row or no numbers", () => {
    expect(resultChart(["state", "lines"], [["Delhi", 3], ["Goa", 5]], "table")).toBeNull();
    expect(resultChart(["state", "lines"], [["Delhi", 3]], "bar")).toBeNull();
    expect(resultChart(["a", "b"], [["x", "y"], ["z", "w"]], "bar")).toBeNull();
  });

  it("says a refusal plainly", () => {
    const refused = new ApiError("POST", "/api/analyst/sql", 400, "query_refused", "only one SELECT is allowed, not DELETE", null);
    expect(queryProblem(refused)).toEqual({ title: "Refused", message: "only one SELECT is allowed, not DELETE" });
    expect(queryProblem(new ApiError("POST", "/api/analyst/sql", 0, null, "offline", null)).title).toMatch(/network error/);
  });
});
