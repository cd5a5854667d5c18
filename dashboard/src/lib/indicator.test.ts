import { describe, expect, it } from "vitest";
import type { StoresPayload } from "../api/types";
import { indicatorFor } from "./indicator";

const stores = (connected: boolean[], mode: "live" | "mock"): StoresPayload => ({
  mode,
  stores: (["amazon", "myntra", "meesho"] as const).slice(0, connected.length).map((marketplace, i) => ({ marketplace, display_name: marketplace.toUpperCase(), connected: connected[i] })),
});

describe("indicatorFor", () => {
  it("is Live when the hub is connected and a store is connected", () => {
    const ind = indicatorFor("connected", stores([true, false], "live"), null);
    expect(ind.kind).toBe("live");
    expect(ind.detail).toContain("AMAZON");
  });
  it("is Idle (not Mock: the seller's data may be what the pages show) when no store is sending", () => {
    const ind = indicatorFor("connected", stores([false, false], "mock"), "live");
    expect(ind.kind).toBe("mock");
    expect(ind.label).toBe("Idle");
  });
  it("trusts a mock mode from the stores payload", () => {
    expect(indicatorFor("connected", stores([true], "mock"), null).kind).toBe("mock");
  });
  it("falls back to the metrics mode before the stores list arrives", () => {
    expect(indicatorFor("connected", null, "live").kind).toBe("live");
    expect(indicatorFor("connected", null, "mock").kind).toBe("mock");
    expect(indicatorFor("connected", null, null).kind).toBe("mock");
  });
  it("is Reconnecting whenever the hub is not connected", () => {
    expect(indicatorFor("reconnecting", stores([true], "live"), "live").kind).toBe("reconnecting");
    expect(indicatorFor("disconnected", stores([true], "live"), "live").label).toBe("Reconnecting");
  });
  it("says Connecting before the first connection", () => {
    expect(indicatorFor("connecting", null, null).kind).toBe("connecting");
  });
});
