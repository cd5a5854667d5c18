import { describe, expect, it } from "vitest";
import type { LiveEvent } from "../api/types";
import { pushEvent, TICKER_SIZE } from "./ticker";

function event(id: string, second: number): LiveEvent {
  const occurred_at = new Date(Date.UTC(2026, 10, 21, 12, 0, second)).toISOString();
  return { id, item_id: "AMZ-1", title: "Kurta", marketplace: "amazon", kind: "order", units: 1, revenue: 999, occurred_at };
}

describe("pushEvent", () => {
  it("puts the newest first", () => {
    const buffer = pushEvent(pushEvent([], event("a", 1)), event("b", 2));
    expect(buffer.map((e) => e.id)).toEqual(["b", "a"]);
  });
  it("orders a late arrival by when it happened", () => {
    const buffer = pushEvent(pushEvent([], event("new", 9)), event("old", 3));
    expect(buffer.map((e) => e.id)).toEqual(["new", "old"]);
  });
  it("ignores a redelivered event and returns the same buffer", () => {
    const buffer = pushEvent([], event("a", 1));
    expect(pushEvent(buffer, event("a", 1))).toBe(buffer);
  });
  it("keeps only the last 50", () => {
    let buffer: LiveEvent[] = [];
    for (let i = 0; i < 60; i++) buffer = pushEvent(buffer, event(`e${i}`, i));
    expect(buffer).toHaveLength(TICKER_SIZE);
    expect(buffer[0].id).toBe("e59");
    expect(buffer[TICKER_SIZE - 1].id).toBe("e10");
  });
});
