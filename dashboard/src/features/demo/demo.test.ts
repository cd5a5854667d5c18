import { describe, expect, it } from "vitest";
import type { DemoPayload, DemoState } from "../../api/types";
import { istDateTime } from "../../lib/format";
import { canReadDemo, demoActions, demoSummary, endReasonText, hasDemoData, showsDemoBanner } from "./demo";

const demo = (over: Partial<DemoState>): DemoState => ({
  state: "off",
  started_at: null,
  ended_at: null,
  reason: null,
  deleted_at: null,
  ...over,
});

describe("demo banner", () => {
  it("shows while answers come from the demo dataset, and only then", () => {
    expect(showsDemoBanner("demo")).toBe(true);
    expect(showsDemoBanner("seller")).toBe(false);
    expect(showsDemoBanner(null)).toBe(false);
    expect(showsDemoBanner(undefined)).toBe(false);
  });
  it("reads the demo state as analyst or admin; a viewer goes by the header", () => {
    expect(canReadDemo("admin")).toBe(true);
    expect(canReadDemo("analyst")).toBe(true);
    expect(canReadDemo("viewer")).toBe(false);
  });
});

describe("why the demo ended", () => {
  it("explains known reason codes", () => {
    expect(endReasonText("import")).toBe("An import finished.");
    expect(endReasonText("real_event")).toBe("A signed marketplace event arrived.");
    expect(endReasonText("Catalogue-Write")).toBe("An admin changed the catalogue.");
  });
  it("keeps a sentence the backend wrote, and says when none was recorded", () => {
    expect(endReasonText("first signed amazon order")).toBe("First signed amazon order.");
    expect(endReasonText("Ended by admin@test.")).toBe("Ended by admin@test.");
    expect(endReasonText(null)).toBe("No reason was recorded.");
    expect(endReasonText("  ")).toBe("No reason was recorded.");
  });
});

describe("demo data to delete", () => {
  it("exists once a demo started and since its last deletion", () => {
    expect(hasDemoData(demo({}))).toBe(false);
    expect(hasDemoData(demo({ state: "ended", started_at: "2026-12-07T06:00:00Z" }))).toBe(true);
    expect(hasDemoData(demo({ state: "ended", started_at: "2026-12-07T06:00:00Z", deleted_at: "2026-12-07T07:00:00Z" }))).toBe(false);
    expect(hasDemoData(demo({ state: "ended", started_at: "2026-12-07T08:00:00Z", deleted_at: "2026-12-07T07:00:00Z" }))).toBe(true);
  });
});

describe("demo actions", () => {
  it("offers end while running, start and delete after, start only when there is nothing to delete", () => {
    expect(demoActions(demo({ state: "running", started_at: "2026-12-07T06:00:00Z" }), true)).toEqual(["end"]);
    expect(demoActions(demo({ state: "ended", started_at: "2026-12-07T06:00:00Z" }), true)).toEqual(["start", "delete"]);
    expect(demoActions(demo({ state: "off" }), true)).toEqual(["start"]);
    expect(
      demoActions(demo({ state: "ended", started_at: "2026-12-07T06:00:00Z", deleted_at: "2026-12-07T07:00:00Z" }), true),
    ).toEqual(["start"]);
  });
  it("offers an analyst nothing", () => {
    expect(demoActions(demo({ state: "running", started_at: "2026-12-07T06:00:00Z" }), false)).toEqual([]);
    expect(demoActions(demo({ state: "ended", started_at: "2026-12-07T06:00:00Z" }), false)).toEqual([]);
  });
});

describe("demo summary", () => {
  it("says when and why the demo ended", () => {
    const payload: DemoPayload = {
      dataset: "seller",
      demo: demo({ state: "ended", started_at: "2026-12-07T05:00:00Z", ended_at: "2026-12-07T06:30:00Z", reason: "import" }),
    };
    const summary = demoSummary(payload);
    expect(summary.headline).toBe(`Demo ended ${istDateTime("2026-12-07T06:30:00Z")}`);
    expect(summary.lines[0]).toBe("Why: An import finished.");
    expect(summary.lines).toContain("Every page shows your own data.");
  });
  it("says since when a demo runs, and that pages show demo data", () => {
    const summary = demoSummary({ dataset: "demo", demo: demo({ state: "running", started_at: "2026-12-07T05:00:00Z" }) });
    expect(summary.headline).toBe(`Demo running since ${istDateTime("2026-12-07T05:00:00Z")}`);
    expect(summary.lines).toContain("Every page shows demo data right now.");
    expect(summary.lines).toContain("It ends for good with the first real order, finished import or catalogue change.");
    const presenter = demoSummary({ dataset: "demo", demo: demo({ state: "running", kind: "presenter", started_at: "2026-12-07T05:00:00Z" }) });
    expect(presenter.lines).toContain("Started by an admin for a presentation: it runs until an admin ends it.");
  });
  it("says when the demo data was deleted", () => {
    const summary = demoSummary({
      dataset: "seller",
      demo: demo({ state: "ended", started_at: "2026-12-07T05:00:00Z", ended_at: "2026-12-07T06:00:00Z", deleted_at: "2026-12-07T06:30:00Z", reason: "admin" }),
    });
    expect(summary.lines).toContain(`Demo data deleted ${istDateTime("2026-12-07T06:30:00Z")}.`);
  });
});
