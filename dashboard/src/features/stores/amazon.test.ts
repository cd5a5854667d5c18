import { describe, expect, it } from "vitest";
import { backfillPercent, fieldText, lagText, waitsText, type BackfillProgress } from "./amazon";

const progress = (chunks: Record<string, number>, total: number): BackfillProgress => ({
  status: "running",
  days: 365,
  requested_at: null,
  requested_by: "admin",
  finished_at: null,
  chunks_total: total,
  chunks,
  rows_imported: 0,
  error: null,
  failed: [],
  import_ids: [],
});

describe("Amazon's connection", () => {
  it("reads a delay as a seller would", () => {
    expect(lagText(null)).toBe("—");
    expect(lagText(-1)).toBe("—");
    expect(lagText(12.4)).toBe("12 s");
    expect(lagText(240)).toBe("4 min");
    expect(lagText(3 * 3600 + 5 * 60)).toBe("3 h 5 min");
    expect(lagText(7200)).toBe("2 h");
    expect(lagText(2 * 86_400 + 5)).toBe("2 d");
  });
  it("counts imported and empty chunks as done", () => {
    expect(backfillPercent(null)).toBe(0);
    expect(backfillPercent(progress({}, 0))).toBe(0);
    expect(backfillPercent(progress({ imported: 5, empty: 8 }, 13))).toBe(100);
    expect(backfillPercent(progress({ imported: 1, requested: 12 }, 13))).toBe(8);
  });
  it("says how long the usage plan held calls back", () => {
    expect(waitsText({})).toBe("none");
    expect(waitsText({ waits: 1, wait_seconds: 2 })).toBe("1 wait, 2 s");
    expect(waitsText({ waits: 3, wait_seconds: 125 })).toBe("3 waits, 2 min");
  });
  it("names an LWA field's state, never its value", () => {
    expect(fieldText("set")).toBe("Set");
    expect(fieldText("unresolved")).toBe("Key Vault reference not resolved");
    expect(fieldText(undefined)).toBe("Missing");
  });
});
