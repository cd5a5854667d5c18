import { describe, expect, it } from "vitest";
import { countNote, listNames, notSentBy, ratioView, share, windowConversion } from "./kpi";

describe("not sent by", () => {
  it("names marketplaces by their display names", () => {
    expect(notSentBy(["amazon", "myntra", "meesho"])).toBe("not sent by Amazon, Myntra and Meesho");
    expect(notSentBy(["myntra", "meesho"])).toBe("not sent by Myntra and Meesho");
    expect(notSentBy(["meesho"])).toBe("not sent by Meesho");
    expect(notSentBy([])).toBe("");
    expect(notSentBy(undefined)).toBe("");
    expect(listNames(["amazon", "flipkart"])).toBe("Amazon and flipkart");
  });
});

describe("share", () => {
  it("never gives NaN or more than 100%", () => {
    expect(share(Number.NaN)).toBeNull();
    expect(share(Number.POSITIVE_INFINITY)).toBeNull();
    expect(share(null)).toBeNull();
    expect(share(1.7)).toBe(1);
    expect(share(-0.1)).toBe(0);
    expect(share(0.25)).toBe(0.25);
  });
});

describe("ratioView", () => {
  it("says not sent instead of 0 when no marketplace sends the inputs", () => {
    const view = ratioView({ conversion_rate: 0.1, ctr: null, not_sent: { ctr: ["amazon", "myntra", "meesho"] }, ctr_basis: [] }, "ctr");
    expect(view.text).toBe("Not sent");
    expect(view.value).toBeNull();
    expect(view.note).toBe("not sent by Amazon, Myntra and Meesho");
    expect(view.label).toBe("CTR");
  });

  it("calls Amazon's conversion the unit session percentage", () => {
    const view = ratioView(
      { conversion_rate: 0.042, ctr: null, conversion_rate_basis: ["units/views"], not_sent: { conversion_rate: ["myntra", "meesho"] } },
      "conversion_rate",
    );
    expect(view.label).toBe("Unit session %");
    expect(view.text).toBe("4.20%");
    expect(view.note).toBe("not sent by Myntra and Meesho");
    expect(view.hint).toContain("unit session");
  });

  it("keeps conversion for orders over clicks, and caps a share at 100%", () => {
    const view = ratioView({ conversion_rate: 1.4, ctr: 0.2, conversion_rate_basis: ["orders/clicks"] }, "conversion_rate");
    expect(view.label).toBe("Conversion");
    expect(view.text).toBe("100.0%");
    expect(view.note).toBe("");
  });

  it("a mixed basis is still called conversion", () => {
    expect(ratioView({ conversion_rate: 0.1, ctr: 0.1, conversion_rate_basis: ["orders/clicks", "units/views"] }, "conversion_rate").label).toBe("Conversion");
  });

  it("an old payload without the new fields still reads", () => {
    const view = ratioView({ conversion_rate: Number.NaN, ctr: 0 }, "conversion_rate");
    expect(view.text).toBe("Not sent");
    expect(ratioView({ conversion_rate: 0, ctr: 0 }, "ctr").text).toBe("0.00%");
  });
});

describe("windowConversion", () => {
  it("is orders over clicks, never over 100%", () => {
    expect(windowConversion(1, 10)).toBe("10.0%");
    expect(windowConversion(9, 1)).toBe("n/a");
    expect(windowConversion(3, 0)).toBe("—");
    expect(windowConversion(undefined, undefined)).toBe("—");
  });
});

describe("countNote", () => {
  it("is empty when every marketplace sends the signal", () => {
    expect(countNote(10, [], 3)).toBe("");
  });
  it("names who does not send it", () => {
    expect(countNote(10, ["myntra", "meesho"], 3)).toBe("not sent by Myntra and Meesho");
  });
  it("says a count nobody sends came from the demo feed", () => {
    expect(countNote(1480, ["amazon", "myntra", "meesho"], 3)).toBe(
      "from the demo feed; not sent by Amazon, Myntra and Meesho",
    );
    expect(countNote(0, ["amazon", "myntra", "meesho"], 3)).toBe("not sent by Amazon, Myntra and Meesho");
  });
});
