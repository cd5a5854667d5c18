import { describe, expect, it } from "vitest";
import { graceLeft, minuteToIso, perMinute, reasonText, rejectedTotal } from "./stores";

describe("store health", () => {
  it("explains rejection reasons in words with the code", () => {
    expect(reasonText("unauthorized")).toMatch(/signature.*\(unauthorized\)$/);
    expect(reasonText("something_new")).toBe("something new");
  });
  it("reads the deliveries minute", () => {
    expect(minuteToIso("202612020745")).toBe("2026-12-02T07:45:00Z");
    expect(minuteToIso("")).toBeNull();
    expect(minuteToIso(undefined)).toBeNull();
  });
  it("formats events per minute", () => {
    expect(perMinute(0)).toBe("0");
    expect(perMinute(null)).toBe("0");
    expect(perMinute(0.44)).toBe("0.4");
    expect(perMinute(1250.2)).toBe("1,250");
  });
  it("totals rejections", () => {
    expect(rejectedTotal([{ reason: "a", count: 2 }, { reason: "b", count: 3 }])).toBe(5);
    expect(rejectedTotal([], 7)).toBe(7);
  });
  it("knows whether the previous secret still works", () => {
    const now = Date.parse("2026-12-02T08:00:00Z");
    expect(graceLeft("2026-12-03T08:00:00+00:00", now)).toBe(true);
    expect(graceLeft("2026-12-01T08:00:00+00:00", now)).toBe(false);
    expect(graceLeft(null, now)).toBe(false);
  });
});
