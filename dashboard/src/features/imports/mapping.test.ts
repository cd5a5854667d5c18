import { describe, expect, it } from "vitest";
import {
  assignField,
  dateQuestion,
  dayFirstOf,
  fieldColumns,
  initialMapping,
  nearPreset,
  normaliseName,
  presetBody,
  problems,
  setName,
  setSource,
  setStatus,
  sourceFromName,
  statusValues,
} from "./mapping";
import type { ExportPreview, FieldName } from "./mapping";

const HEADER = ["Order Id", "Order Item ID", "SKU", "Ordered On", "Quantity", "Final Selling Price", "Order Status", "City", "Pincode", "Buyer Id"];
const REQUIRED: FieldName[] = ["order_id", "sku", "date", "quantity"];
const ALL: FieldName[] = ["order_id", "line_id", "sku", "date", "status_date", "quantity", "price", "status", "city", "state", "pin_code", "buyer_key", "channel", "marketplace"];

/** A preview as POST /api/imports/preview answers for a Flipkart-like export. */
function preview(overrides: Partial<ExportPreview> = {}): ExportPreview {
  const guessed: Record<string, FieldName | null> = {
    "Order Id": "order_id",
    "Order Item ID": "line_id",
    SKU: "sku",
    "Ordered On": "date",
    Quantity: "quantity",
    "Final Selling Price": "price",
    "Order Status": "status",
    City: "city",
    Pincode: "pin_code",
    "Buyer Id": "buyer_key",
  };
  return {
    file: "Flipkart Orders.csv",
    delimiter: ",",
    header: HEADER,
    fingerprint: "abc",
    rows: [
      ["OD100", "OI-1", "FK-TEE-01", "13-11-2026 10:05", "2", "₹1,299.00", "Delivered", "Pune", "411001", "B9"],
      ["OD101", "OI-1", "FK-TEE-02", "03-11-2026", "1", "₹1,23,456.50", "Ready to dispatch", "Mumbai", "400001", "B7"],
      ["OD102", "OI-1", "FK-TEE-01", "04-11-2026", "1", "499", "Customer Cancelled", "Delhi", "110001", null],
    ],
    rows_total: 3,
    row_errors: [],
    guesses: HEADER.map((column) => ({ column, field: guessed[column], confidence: 0.9, reason: "name" })),
    fields: ALL.map((field) => ({ field, required: REQUIRED.includes(field), description: field })),
    suggested: {
      columns: Object.fromEntries(Object.entries(guessed).map(([c, f]) => [f, c])),
      statuses: { delivered: "delivered", "ready to dispatch": "created", "customer cancelled": "cancelled" },
      day_first: true,
      missing: [],
    },
    dates: [{ field: "date", column: "Ordered On", order: "day_first", day_first: true, needs_answer: false }],
    statuses: [
      { value: "delivered", rows: 1, status: "delivered" },
      { value: "ready to dispatch", rows: 1, status: "created" },
      { value: "customer cancelled", rows: 1, status: "cancelled" },
    ],
    preset: null,
    closest_preset: null,
    ...overrides,
  };
}

describe("the first choices", () => {
  it("take the API's guesses, statuses and day-first", () => {
    const state = initialMapping(preview());
    expect(state.columns["Order Id"]).toBe("order_id");
    expect(state.columns["Buyer Id"]).toBe("buyer_key");
    expect(state.statuses).toEqual({ delivered: "delivered", "ready to dispatch": "created", "customer cancelled": "cancelled" });
    expect(state.dayFirst).toBe(true);
    expect(state.name).toBe("");
    expect(problems(preview(), state)).toEqual(["Name the preset.", expect.stringMatching(/^Give the source/)]);
  });

  it("start from the nearly matching preset where its columns are still there", () => {
    const near = {
      id: "flipkart-orders",
      name: "Flipkart orders",
      shipped: false,
      mapping: {
        source: "flipkart",
        columns: { order_id: "order id", sku: "SKU", date: "Ordered On", quantity: "Quantity", state: "State" },
        statuses: { "ready to dispatch": "shipped" as const },
        price_basis: "line" as const,
        channel: "marketplace" as const,
        marketplace: null,
        day_first: true,
      },
      changes: { added: ["Buyer Id"], missing: ["State"] },
    };
    expect(nearPreset(preview({ closest_preset: near }))).toBe(near);
    const state = initialMapping(preview({ closest_preset: near }));
    expect(state.name).toBe("Flipkart orders");
    expect(state.source).toBe("flipkart");
    expect(state.columns["Order Id"]).toBe("order_id"); // "order id" is the same name, normalised
    expect(Object.values(state.columns)).not.toContain("state"); // the column is gone
    expect(state.statuses["ready to dispatch"]).toBe("shipped"); // the preset's word, not the guess
    expect(state.priceBasis).toBe("line");
    expect(state.columns["Buyer Id"]).toBe("buyer_key"); // the guesses fill in the new columns
  });

  it("ignore a preset that shares only a few columns with the file", () => {
    const amazon = {
      id: "amazon-all-orders",
      name: "Amazon: all orders report",
      shipped: true,
      mapping: { source: "amazon", columns: { order_id: "amazon-order-id", sku: "sku", date: "purchase-date", quantity: "quantity" }, price_basis: "line" as const },
      // 3 of its 32 columns are in the file: sku, quantity, order-status.
      changes: { added: HEADER.filter((h) => !["SKU", "Quantity", "Order Status"].includes(h)), missing: Array.from({ length: 29 }, (_, i) => `col-${i}`) },
    };
    const p = preview({ closest_preset: amazon });
    expect(nearPreset(p)).toBeNull();
    expect(initialMapping(p).priceBasis).toBe("unit");
  });

  it("do not take a shipped preset's name as the seller's", () => {
    const shipped = { ...preview().closest_preset, id: "amazon-all-orders", name: "Amazon", shipped: true, changes: { added: [], missing: [] } };
    const state = initialMapping(
      preview({ closest_preset: { ...shipped, mapping: { source: "amazon", columns: { order_id: "Order Id", sku: "SKU", date: "Ordered On", quantity: "Quantity" } } } }),
    );
    expect(state.name).toBe("");
    expect(state.source).toBe("");
    expect(state.sourceEdited).toBe(false);
  });
});

describe("choosing", () => {
  it("maps a field from one column only", () => {
    let state = initialMapping(preview());
    state = assignField(state, "Order Item ID", "order_id");
    expect(state.columns["Order Item ID"]).toBe("order_id");
    expect(state.columns["Order Id"]).toBe("");
    expect(fieldColumns(state).order_id).toBe("Order Item ID");
    expect(problems(preview(), setName(state, "Flipkart"))).toEqual([]);
    state = assignField(state, "Order Item ID", "");
    expect(problems(preview(), setName(state, "Flipkart"))).toEqual(["Choose a column for: Order id."]);
  });

  it("fills the source from the name until it is typed", () => {
    let state = setName(initialMapping(preview()), "Flipkart orders (Nov)");
    expect(state.source).toBe("flipkart");
    state = setSource(state, " FK-Panel ");
    expect(state.source).toBe("fk-panel");
    expect(setName(state, "Another name").source).toBe("fk-panel");
    expect(sourceFromName("A b")).toBe("a-b");
    expect(sourceFromName("₹")).toBe("");
  });

  it("asks for every status value, matched whatever its case", () => {
    const lost = preview({ statuses: [{ value: "Lost in transit", rows: 2, status: null }] });
    let state = setName(initialMapping(lost), "Flipkart");
    expect(problems(lost, state)).toEqual(["Choose a status for: “lost in transit”."]);
    state = setStatus(state, "LOST  in transit", "cancelled");
    expect(problems(lost, state)).toEqual([]);
  });

  it("lists the values of another status column from the rows shown", () => {
    const state = assignField(initialMapping(preview()), "City", "status");
    expect(statusValues(preview(), state)).toEqual([
      { value: "pune", rows: 1, fromSample: true },
      { value: "mumbai", rows: 1, fromSample: true },
      { value: "delhi", rows: 1, fromSample: true },
    ]);
    expect(problems(preview(), setName(state, "x y"))[0]).toMatch(/Choose a status for: “pune”, “mumbai”, “delhi”/);
  });
});

describe("dates", () => {
  it("are day first when a first part is above 12, month first when a second is, else not told", () => {
    expect(dayFirstOf(["13-11-2026", "03-11-2026"])).toBe(true);
    expect(dayFirstOf(["11/13/2026 10:00"])).toBe(false);
    expect(dayFirstOf(["03/04/26", "05/06/2026"])).toBeNull();
    expect(dayFirstOf(["2026-11-13", "13-Nov-2026"])).toBeNull();
  });

  it("ask when the API says the column is ambiguous, and the answer goes into the preset", () => {
    const ambiguous = preview({
      suggested: { ...preview().suggested, day_first: null },
      dates: [{ field: "date", column: "Ordered On", order: "ambiguous", day_first: null, needs_answer: true }],
    });
    let state = setName(initialMapping(ambiguous), "Flipkart");
    expect(dateQuestion(ambiguous, state)).toMatchObject({ column: "Ordered On", ask: true });
    expect(problems(ambiguous, state)).toEqual(["Say how Ordered On writes its dates: day first or month first."]);
    state = { ...state, dayFirst: false };
    expect(problems(ambiguous, state)).toEqual([]);
    expect(presetBody(ambiguous, state).mapping.day_first).toBe(false);
  });

  it("are judged from the rows shown for a date column the API did not guess", () => {
    const rows = preview().rows.map((r) => [...r.slice(0, 9), "01/02/2026"]);
    const state = assignField(initialMapping(preview({ rows })), "Buyer Id", "date");
    expect(dateQuestion(preview({ rows }), state)).toMatchObject({ column: "Buyer Id", ask: true, found: null });
  });
});

describe("the preset saved", () => {
  it("is the API's PresetIn: field -> column, the statuses of the file, the options", () => {
    let state = setName(initialMapping(preview()), "Flipkart orders");
    state = setStatus(state, "something else", "returned"); // not a value of this file: left out
    state = { ...state, priceBasis: "line", channel: "online", marketplace: "myntra" };
    const body = presetBody(preview(), state);
    expect(body).toEqual({
      name: "Flipkart orders",
      header: HEADER,
      mapping: {
        source: "flipkart",
        columns: {
          order_id: "Order Id",
          line_id: "Order Item ID",
          sku: "SKU",
          date: "Ordered On",
          quantity: "Quantity",
          price: "Final Selling Price",
          status: "Order Status",
          city: "City",
          pin_code: "Pincode",
          buyer_key: "Buyer Id",
        },
        statuses: { delivered: "delivered", "ready to dispatch": "created", "customer cancelled": "cancelled" },
        price_basis: "line",
        channel: "online",
        marketplace: "myntra",
        day_first: true,
      },
    });
  });

  it("names columns as the API normalises them", () => {
    expect(normaliseName(" Order-ID ")).toBe("order id");
    expect(normaliseName("Amount (₹)")).toBe("amount ₹");
  });
});
