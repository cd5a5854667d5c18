import { describe, expect, it } from "vitest";
import type { Metrics, RankingMessage } from "../api/types";
import { applyMessage, initialLiveState, LiveStore, withConnection, withDataset } from "./state";

const metrics = (as_of: string, revenue: number) => ({ as_of, mode: "mock", window: "24h", kpis: { revenue }, totals: {}, by_marketplace: {} }) as unknown as Metrics;
const ranking = (as_of: string): RankingMessage => ({ model_version: "v1", as_of, items: [] });

describe("applyMessage", () => {
  it("takes newer KPIs and counts them", () => {
    const s1 = applyMessage(initialLiveState, "kpis", metrics("2026-11-21T10:00:00Z", 100));
    const s2 = applyMessage(s1, "kpis", metrics("2026-11-21T10:00:05Z", 250));
    expect(s2.metrics?.kpis.revenue).toBe(250);
    expect(s2.kpisSeq).toBe(2);
  });
  it("ignores a stale KPI or ranking snapshot", () => {
    const s1 = applyMessage(initialLiveState, "kpis", metrics("2026-11-21T10:00:05Z", 250));
    expect(applyMessage(s1, "kpis", metrics("2026-11-21T10:00:00Z", 100))).toBe(s1);
    const r1 = applyMessage(initialLiveState, "ranking", ranking("2026-11-21T10:00:05Z"));
    expect(applyMessage(r1, "ranking", ranking("2026-11-21T10:00:00Z"))).toBe(r1);
  });
  it("feeds events into the ticker once", () => {
    const ev = { id: "e1", item_id: "i", title: "t", marketplace: "amazon", kind: "order", units: 1, revenue: 10, occurred_at: "2026-11-21T10:00:00Z" };
    const s1 = applyMessage(initialLiveState, "event", ev);
    expect(s1.events).toHaveLength(1);
    expect(applyMessage(s1, "event", ev)).toBe(s1);
  });
  it("replaces rules and stores", () => {
    const s1 = applyMessage(initialLiveState, "rules", { rules: [{ id: "r1" }] });
    expect(s1.rules).toEqual([{ id: "r1" }]);
    expect(s1.rulesSeq).toBe(1);
    const s2 = applyMessage(s1, "stores", { mode: "live", stores: [] });
    expect(s2.stores?.mode).toBe("live");
  });
});

describe("withConnection", () => {
  it("counts each (re)connection so pages can refetch", () => {
    let s = withConnection(initialLiveState, "connected");
    s = withConnection(s, "reconnecting");
    s = withConnection(s, "connected");
    expect(s.connects).toBe(2);
    expect(withConnection(s, "connected")).toBe(s);
  });
});

describe("LiveStore", () => {
  it("notifies subscribers only on a real change", () => {
    const store = new LiveStore();
    let calls = 0;
    const unsubscribe = store.subscribe(() => calls++);
    store.update((s) => withConnection(s, "connected"));
    store.update((s) => withConnection(s, "connected"));
    unsubscribe();
    store.update((s) => withConnection(s, "reconnecting"));
    expect(calls).toBe(1);
    expect(store.getState().connection).toBe("reconnecting");
  });
});

describe("demo state", () => {
  const body = {
    dataset: "demo",
    demo: { state: "running", started_at: "2026-12-07T05:00:00Z", ended_at: null, reason: null, deleted_at: null },
  };
  it("takes a demo message and its dataset", () => {
    const s = applyMessage(initialLiveState, "demo", body);
    expect(s.demo?.demo.state).toBe("running");
    expect(s.dataset).toBe("demo");
    const after = applyMessage(s, "demo", { dataset: "seller", demo: { ...body.demo, state: "ended", reason: "import" } });
    expect(after.dataset).toBe("seller");
    expect(after.demo?.demo.reason).toBe("import");
  });
  it("ignores a demo message of another shape", () => {
    expect(applyMessage(initialLiveState, "demo", null)).toBe(initialLiveState);
    expect(applyMessage(initialLiveState, "demo", { dataset: "other", demo: body.demo })).toBe(initialLiveState);
    expect(applyMessage(initialLiveState, "demo", { dataset: "demo", demo: { state: "paused" } })).toBe(initialLiveState);
  });
  it("follows the dataset an answer's header names, latest first", () => {
    const s = withDataset(initialLiveState, "demo");
    expect(s.dataset).toBe("demo");
    expect(withDataset(s, "demo")).toBe(s);
    expect(withDataset(s, "seller").dataset).toBe("seller");
  });
});
