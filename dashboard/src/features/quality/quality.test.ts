import { describe, expect, it } from "vitest";
import type { QualityCheck, QualityRunSummary } from "../../api/types";
import { badgeOf, byCategory, checkName, detailText, historyChart, thresholdText, triggerText, valueText } from "./quality";

function check(over: Partial<QualityCheck>): QualityCheck {
  return { name: "completeness", category: "completeness", rule: "", severity: "critical", status: "pass", value: 1, threshold: 0.9, details: {}, ...over };
}

describe("quality checks in words", () => {
  it("badges a failed check by its severity and others by their status", () => {
    expect(badgeOf(check({ status: "fail", severity: "critical" }))).toBe("critical");
    expect(badgeOf(check({ status: "fail", severity: "info" }))).toBe("info");
    expect(badgeOf(check({ status: "pass", severity: "critical" }))).toBe("pass");
    expect(badgeOf(check({ status: "skipped" }))).toBe("skipped");
  });
  it("names checks and their sources", () => {
    expect(checkName("timeliness:amazon")).toBe("Timeliness: Amazon");
    expect(checkName("timeliness:file:inventory")).toBe("Timeliness: inventory files");
    expect(checkName("reserved_above_stock")).toBe("Reserved stock above stock");
    expect(checkName("something_new")).toBe("something new");
  });
  it("writes values and thresholds in the check's unit", () => {
    const c = check({ status: "fail", value: 0.5, details: { expected: 10, reported: 5, missing: ["A@wh", "B@wh", "C@wh", "D@wh", "E@wh"] } });
    expect(valueText(c)).toBe("50.0%");
    expect(thresholdText(c)).toBe("at least 90.0%");
    expect(detailText(c)).toBe("5 of 10 product-locations reported for the day. Missing: A@wh, B@wh, C@wh, D@wh, E@wh.");
    const late = check({ name: "timeliness:myntra", category: "timeliness", severity: "warning", value: 72.25, threshold: 24 });
    expect(valueText(late)).toBe("72 h since the last data");
    expect(thresholdText(late)).toBe("at most 24 h");
    const res = check({ name: "reserved_above_stock", category: "consistency", severity: "warning", status: "fail", value: 1, threshold: 0, details: { items: ["Q-RES@wh"] } });
    expect(valueText(res)).toBe("1 location");
    expect(thresholdText(res)).toBe("none");
    expect(detailText(res)).toBe("Q-RES@wh.");
  });
  it("lists more items than it shows as a count", () => {
    const items = ["a", "b", "c", "d", "e", "f", "g"];
    const c = check({ name: "negative_derived_stock", category: "consistency", status: "fail", value: 30, threshold: 0, details: { items } });
    expect(detailText(c)).toBe("a, b, c, d, e and 25 more.");
  });
  it("describes anomalies and skipped checks", () => {
    const spike = check({ name: "sales_anomalies", category: "anomalies", severity: "info", status: "fail", value: 1, threshold: 0, details: { items: [{ item_id: "Q-SPIKE", units: 60, mean: 5.03, z: 70 }] } });
    expect(detailText(spike)).toBe("Q-SPIKE: 60 units against 5.0 a day.");
    const skipped = check({ status: "skipped", value: null, details: { reason: "no inventory files yet" } });
    expect(valueText(skipped)).toBe("Not measured");
    expect(detailText(skipped)).toBe("Skipped: no inventory files yet.");
  });
  it("groups checks in the issue's order", () => {
    const groups = byCategory([
      check({ name: "sales_anomalies", category: "anomalies" }),
      check({ name: "accuracy", category: "accuracy" }),
      check({ name: "x", category: "newcomer" }),
      check({}),
    ]);
    expect(groups.map((g) => g.category)).toEqual(["completeness", "accuracy", "anomalies", "newcomer"]);
  });
});

describe("the trend", () => {
  const run = (at: string, values: Record<string, number | null>, critical = 0): QualityRunSummary => ({
    id: at, day: at.slice(0, 10), trigger: "daily", status: critical ? "critical" : "ok", failed: { critical, warning: 1, info: 0 }, finished_at: at, values,
  });
  it("orders runs by time and gives shares as percentages, gaps as null", () => {
    const chart = historyChart([run("2026-12-02T10:00:00Z", { completeness: 0.5, accuracy: null }, 1), run("2026-12-01T10:00:00Z", { completeness: 0.955, accuracy: 0.98 })]);
    expect(chart.x).toEqual([Date.parse("2026-12-01T10:00:00Z") / 1000, Date.parse("2026-12-02T10:00:00Z") / 1000]);
    expect(chart.shares[0].values).toEqual([95.5, 50]);
    expect(chart.shares[1].values).toEqual([98, null]);
    expect(chart.failures[0].values).toEqual([0, 1]);
  });
  it("says what started a run", () => {
    expect(triggerText("import:9f2c1234abcd")).toBe("after import 9f2c1234");
    expect(triggerText("daily")).toBe("daily run");
  });
});
