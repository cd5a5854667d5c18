import { describe, expect, it } from "vitest";
import { featureValue, hourAgo, rankChangeHref, rankMove, rankThen, reasonText } from "./rankChange";

describe("rank change", () => {
  it("links to the item's panel, with the moment when known", () => {
    expect(rankChangeHref("SKU 1", "2026-12-02T07:00:00+00:00")).toBe("/item/SKU%201?since=2026-12-02T07%3A00%3A00%2B00%3A00#rank-change");
    expect(rankChangeHref("SKU-1", null)).toBe("/item/SKU-1#rank-change");
    expect(rankChangeHref("SKU-1", "2026-12-02T07:00:00Z", 7)).toBe("/item/SKU-1?since=2026-12-02T07%3A00%3A00Z&then=7#rank-change");
    expect(rankChangeHref("SKU-1", null, 7)).toBe("/item/SKU-1#rank-change");
  });
  it("takes the rank then from the API, else from the link", () => {
    expect(rankThen(4, "9")).toBe(4);
    expect(rankThen(null, "9")).toBe(9);
    expect(rankThen(null, "x")).toBeNull();
    expect(rankThen(null, null)).toBeNull();
  });
  it("offers one hour ago", () => {
    expect(hourAgo(Date.parse("2026-12-02T08:00:00Z"))).toBe("2026-12-02T07:00:00.000Z");
  });
  it("says how the rank moved", () => {
    expect(rankMove(12, 4)).toBe("#12 → #4, up 8");
    expect(rankMove(4, 9)).toBe("#4 → #9, down 5");
    expect(rankMove(4, 4)).toBe("#4 → #4, unchanged");
    expect(rankMove(null, 4)).toBe("no saved rank then → #4");
  });
  it("never shows NaN for a feature value", () => {
    expect(featureValue(Number.NaN)).toBe("not sent");
    expect(featureValue(null)).toBe("not sent");
    expect(featureValue(11)).toBe("11");
    expect(featureValue(0.12345)).toBe("0.123");
  });
});

describe("reason text", () => {
  it("never shows a share over 100% or NaN", () => {
    expect(reasonText("conversion over 24 h rose from 40.0% to 120.0%: +0.13")).toBe("conversion over 24 h rose from 40.0% to over 100%: +0.13");
    expect(reasonText("orders in the last 24 h rose from 3 to 11: +0.80")).toBe("orders in the last 24 h rose from 3 to 11: +0.80");
    expect(reasonText("discount off MRP fell from 100.0% to 20.5%: -0.01")).toBe("discount off MRP fell from 100.0% to 20.5%: -0.01");
    expect(reasonText("rating is now nan: +0.10")).toBe("rating is now not sent: +0.10");
  });
});
