import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/client";
import type { ImportJob } from "../../api/types";
import { MAX_IMPORT_BYTES, fileSize, headerOf, importBar, isFinished, isOwnKind, isOwnSheet, kindName, reasonHelp, refuseFile, sendingBar, uploadErrorText } from "./imports";

function job(status: ImportJob["status"], phase: string, done: number, total: number | null, counts: ImportJob["counts"] = {}) {
  return { status, progress: { phase, rows_done: done, rows_total: total, percent: 0 }, counts };
}

describe("files refused before upload", () => {
  it("accepts CSV and Excel files within the limit", () => {
    expect(refuseFile({ name: "sales_20261201.csv", size: 2048 })).toBeNull();
    expect(refuseFile({ name: "Daily Update.XLSX", size: MAX_IMPORT_BYTES })).toBeNull();
  });
  it("refuses a file over 50 MB with its size and the limit", () => {
    const text = refuseFile({ name: "big.csv", size: MAX_IMPORT_BYTES + 1 });
    expect(text).toMatch(/big\.csv is 50\.0 MB; the limit is 50\.0 MB/);
    expect(refuseFile({ name: "huge.csv", size: 63 * 1024 * 1024 })).toContain("63.0 MB");
  });
  it("refuses other file types, empty files and Excel lock files", () => {
    expect(refuseFile({ name: "photo.png", size: 10 })).toMatch(/not a CSV or Excel file.*\.csv, \.xlsx/);
    expect(refuseFile({ name: "empty.csv", size: 0 })).toBe("empty.csv is empty.");
    expect(refuseFile({ name: "~$daily.xlsx", size: 165 })).toMatch(/lock file/);
  });
});

describe("sizes", () => {
  it("reads as a person would", () => {
    expect(fileSize(1)).toBe("1 byte");
    expect(fileSize(900)).toBe("900 bytes");
    expect(fileSize(840 * 1024)).toBe("840 KB");
    expect(fileSize(12.34 * 1024 * 1024)).toBe("12.3 MB");
  });
});

describe("the progress bar", () => {
  it("follows the bytes while the file is sent", () => {
    expect(sendingBar(5 * 1024 * 1024, 10 * 1024 * 1024)).toEqual({ percent: 50, label: "Uploading: 5.0 MB of 10.0 MB" });
    expect(sendingBar(0, 0).percent).toBeNull();
  });
  it("follows rows done of the total while the import runs", () => {
    expect(importBar(job("processing", "writing", 60_000, 100_000))).toEqual({ percent: 60, label: "Importing: 60,000 of 1,00,000 rows" });
    expect(importBar(job("processing", "validating", 0, 400))).toEqual({ percent: null, label: "Checking 400 rows" });
    expect(importBar(job("processing", "writing", 8, 400))).toEqual({ percent: 2, label: "Importing: 8 of 400 rows" });
    expect(importBar(job("processing", "writing", 500, 400)).percent).toBe(100);
  });
  it("is indeterminate until the total is known", () => {
    expect(importBar(job("queued", "queued", 0, null)).percent).toBeNull();
    expect(importBar(job("processing", "reading", 0, null))).toEqual({ percent: null, label: "Reading the file" });
  });
  it("is full when the import has finished, either way", () => {
    expect(importBar(job("imported", "done", 400, 400, { rows: 400 }))).toEqual({ percent: 100, label: "Imported 400 rows" });
    expect(importBar(job("rejected", "done", 0, 40)).label).toMatch(/nothing was imported/);
    expect(isFinished("imported") && isFinished("rejected")).toBe(true);
    expect(isFinished("processing") || isFinished("queued") || isFinished("failed")).toBe(false);
  });
});

describe("refusals in words", () => {
  it("says what to do about each kind of refusal", () => {
    expect(reasonHelp("missing required columns: quantity_sold, revenue")).toMatch(/missing columns/);
    expect(reasonHelp("the columns match no file kind (colour, size)")).toMatch(/templates/);
    expect(reasonHelp("strict mode: 8 of 40 rows failed validation; nothing was imported")).toMatch(/without strict mode/);
    expect(reasonHelp(null)).toBeNull();
    expect(reasonHelp("something else")).toBeNull();
  });
  it("explains failed uploads", () => {
    const err = (status: number, field: string | null = null, message = "m") => new ApiError("POST", "/api/imports", status, "x", message, field);
    expect(uploadErrorText(err(413))).toMatch(/over the 50\.0 MB limit/);
    expect(uploadErrorText(err(403))).toMatch(/Only an admin/);
    expect(uploadErrorText(err(0))).toMatch(/could not reach/);
    expect(uploadErrorText(err(422, "kind"))).toMatch(/file kind/);
    expect(uploadErrorText(err(422, "file", "the file is empty"))).toBe("The file was refused: the file is empty.");
    expect(uploadErrorText(err(422, "size", "the file is empty"))).toBe("The file was refused: the file is empty.");
    expect(uploadErrorText(err(500, null, "boom"))).toBe("boom");
  });
});

describe("ReSight's own kinds, or an export to map", () => {
  it("reads the header line: quotes, a byte-order mark, commas or tabs", () => {
    expect(headerOf('\uFEFFdate,product_id,"channel, kind"\r\n2026-11-20,SKU-1,pos\n')).toEqual(["date", "product_id", "channel, kind"]);
    expect(headerOf("amazon-order-id\tmerchant-order-id\tpurchase-date\n")).toEqual(["amazon-order-id", "merchant-order-id", "purchase-date"]);
    expect(headerOf('"say ""hi""",b')).toEqual(['say "hi"', "b"]);
    expect(headerOf("\n")).toEqual([]);
  });
  it("knows a sales, inventory or demand file, and one meant to be (columns missing)", () => {
    expect(isOwnKind(["date", "product_id", "channel", "quantity_sold", "revenue", "extra"])).toBe(true);
    expect(isOwnKind(["date", "product_id", "location", "stock_level"])).toBe(true);
    expect(isOwnKind(["date", "product_id", "channel"])).toBe(true);
  });
  it("sends anything else to the mapping", () => {
    expect(isOwnKind(["Order Id", "SKU", "Ordered On", "Quantity"])).toBe(false);
    expect(isOwnKind(["colour", "size"])).toBe(false);
    expect(isOwnKind([])).toBe(false);
  });
  it("knows the daily update's sheets by their columns", () => {
    expect(isOwnSheet(["store_id", "Supplier Name", "stock_days", "style_code"])).toBe(true);
    expect(isOwnSheet(["Sub Order No", "SKU", "Quantity"])).toBe(false);
  });
  it("names an order export", () => {
    expect(kindName("orders")).toBe("Order export");
    expect(kindName("sales")).toBe("Sales");
  });
});
