import { afterEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, datasetOf, onDataset } from "./client";

function respond(status: number, body: string) {
  const fetch = vi.fn(async (_input: string, _init?: RequestInit) => new Response(body, { status, headers: { "content-type": "application/json" } }));
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

describe("API client", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("reports method, path, status and the JSON error", async () => {
    respond(422, JSON.stringify({ error: "invalid", message: "position must be >= 1", field: "position" }));
    const failure = await api.createRule({ type: "pin", item_id: "AMZ-1", position: 0 }, {}).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    const error = failure as ApiError;
    expect([error.method, error.path, error.status, error.code, error.field]).toEqual(["POST", "/api/rules/pin", 422, "invalid", "position"]);
    expect(error.summary).toBe("POST /api/rules/pin → 422 invalid: position must be >= 1 (field position)");
  });

  it("keeps a non-JSON error body as the message", async () => {
    respond(502, "Bad gateway");
    const error = (await api.metrics().catch((e: unknown) => e)) as ApiError;
    expect(error.summary).toBe("GET /api/metrics → 502 Bad gateway");
  });

  it("turns a network failure into an ApiError with status 0", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => { throw new TypeError("Failed to fetch"); }));
    const error = (await api.stores().catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(0);
    expect(error.summary).toContain("network error");
  });

  it("sends rule bodies to the endpoint of their type without the type", async () => {
    const fetch = respond(201, JSON.stringify({ id: "r1" }));
    await api.createRule({ type: "clearance", strength: 0.4 }, { valid_to: "2026-12-01T00:00:00.000Z" });
    const [path, init] = fetch.mock.calls[0];
    expect(path).toBe("/api/rules/boost-clearance");
    expect(JSON.parse(String(init?.body))).toEqual({ strength: 0.4, valid_to: "2026-12-01T00:00:00.000Z" });
  });

  it("builds audit queries without empty parameters and escapes ids", async () => {
    const fetch = respond(200, JSON.stringify({ entries: [], continuation: null }));
    await api.audit({ limit: 50, continuation: "a b", action: "", item_id: undefined });
    expect(fetch.mock.calls[0][0]).toBe("/api/audit?limit=50&continuation=a+b");
    const itemFetch = respond(200, "{}");
    await api.item("A/B 1");
    expect(itemFetch.mock.calls[0][0]).toBe("/api/item/A%2FB%201");
  });
});

describe("dataset header", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("tells listeners the dataset every answer names, failed ones too", async () => {
    const heard: string[] = [];
    const stop = onDataset((d) => heard.push(d));
    vi.stubGlobal("fetch", vi.fn(async () => new Response("{}", { status: 200, headers: { "X-ReSight-Dataset": "demo" } })));
    await api.metrics();
    vi.stubGlobal("fetch", vi.fn(async () => new Response("{}", { status: 500, headers: { "x-resight-dataset": "Seller" } })));
    await api.metrics().catch(() => undefined);
    vi.stubGlobal("fetch", vi.fn(async () => new Response("{}", { status: 200 })));
    await api.metrics();
    stop();
    vi.stubGlobal("fetch", vi.fn(async () => new Response("{}", { status: 200, headers: { "X-ReSight-Dataset": "demo" } })));
    await api.metrics();
    expect(heard).toEqual(["demo", "seller"]);
  });
  it("reads only demo or seller", () => {
    expect(datasetOf("demo")).toBe("demo");
    expect(datasetOf(" SELLER ")).toBe("seller");
    expect(datasetOf("mock")).toBeNull();
    expect(datasetOf(null)).toBeNull();
  });
});
