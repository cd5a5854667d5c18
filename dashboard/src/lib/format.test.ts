import { describe, expect, it } from "vitest";
import { ago, compactNumber, featureLabel, indianShort, inr, inrCompact, int, istAxisLabels, istDateTime, istInputToUtc, istTime, pct, score, signed, standing, toIstInput } from "./format";

describe("rupees", () => {
  it("groups by lakh and crore", () => {
    expect(inr(1234567)).toBe("₹12,34,567");
    expect(inr(123456789)).toBe("₹12,34,56,789");
    expect(inr(999)).toBe("₹999");
    expect(inr(100000)).toBe("₹1,00,000");
  });
  it("rounds to whole rupees unless paise are asked for", () => {
    expect(inr(1234.5)).toBe("₹1,235");
    expect(inr(1234.5, true)).toBe("₹1,234.50");
  });
  it("shows negatives and missing values", () => {
    expect(inr(-2500)).toBe("-₹2,500");
    expect(inr(null)).toBe("—");
    expect(inr(Number.NaN)).toBe("—");
  });
  it("compacts to lakh and crore", () => {
    expect(inrCompact(1234567)).toBe("₹12.35L");
    expect(inrCompact(123456789)).toBe("₹12.35Cr");
    expect(inrCompact(4500)).toBe("₹4.5K");
  });
});

describe("numbers", () => {
  it("groups integers the Indian way", () => {
    expect(int(1234567.8)).toBe("12,34,568");
    expect(int(undefined)).toBe("—");
  });
  it("compacts counts", () => {
    expect(compactNumber(950)).toBe("950");
    expect(compactNumber(12345)).toBe("12.3K");
    expect(compactNumber(1234567)).toBe("12.3L");
    expect(compactNumber(12345678)).toBe("1.2Cr");
  });
  it("formats ratios as percentages with enough digits", () => {
    expect(pct(0.0345)).toBe("3.45%");
    expect(pct(0.1234)).toBe("12.3%");
    expect(pct(0.004)).toBe("0.40%");
    expect(pct(0.5, 0)).toBe("50%");
    expect(pct(null)).toBe("—");
  });
  it("fixes scores and signs contributions", () => {
    expect(score(0.123456)).toBe("0.1235");
    expect(signed(0.01234)).toBe("+0.0123");
    expect(signed(-0.5)).toBe("−0.5000");
    expect(signed(0.00001)).toBe("±0.0000");
  });
  it("labels features", () => {
    expect(featureLabel("price_vs_competitor")).toBe("Price vs competitor");
  });
});

describe("IST times", () => {
  // 23:43:11 UTC is 05:13:11 the next day in India (UTC+05:30).
  const iso = "2026-11-21T23:43:11Z";
  it("shows date and time in IST whatever the machine's zone", () => {
    expect(istDateTime(iso)).toBe("22 Nov 2026, 05:13 IST");
    expect(istTime(iso)).toBe("05:13:11");
    expect(istTime("not a date")).toBe("—");
  });
  it("uses a 24-hour clock at midnight", () => {
    expect(istTime("2026-11-21T18:30:00Z")).toBe("00:00:00");
  });
  it("labels chart axes with the date on the first tick and at IST midnight", () => {
    const base = Date.parse("2026-11-21T17:30:00Z") / 1000; // 23:00 IST
    expect(istAxisLabels([base, base + 1800, base + 3600])).toEqual(["23:00\n21 Nov", "23:30", "00:00\n22 Nov"]);
  });
  it("converts IST wall-clock input to UTC and back", () => {
    expect(istInputToUtc("2026-11-22T05:13")).toBe("2026-11-21T23:43:00.000Z");
    expect(toIstInput("2026-11-21T23:43:00.000Z")).toBe("2026-11-22T05:13");
    expect(istInputToUtc("")).toBeNull();
    expect(istInputToUtc("22/11/2026 05:13")).toBeNull();
  });
  it("says how long ago", () => {
    const now = Date.parse(iso);
    expect(ago("2026-11-21T23:43:01Z", now)).toBe("10s ago");
    expect(ago("2026-11-21T23:38:11Z", now)).toBe("5 min ago");
    expect(ago("2026-11-21T20:43:11Z", now)).toBe("3 h ago");
    expect(ago(null, now)).toBe("—");
  });
});

describe("standing", () => {
  it("reads a percentile as the seller's standing in the catalogue", () => {
    expect(standing(97.3)).toBe("Top 3%");
    expect(standing(100)).toBe("Top 1%");
    expect(standing(51)).toBe("Top 49%");
    expect(standing(12.5)).toBe("Bottom 13%");
    expect(standing(0)).toBe("Bottom 1%");
    expect(standing(null)).toBe("—");
  });
});

describe("indianShort", () => {
  const nb = (text: string) => text.replace(/ /g, "\u00a0");
  it("keeps numbers under a lakh whole", () => {
    expect(indianShort(0)).toBe("0");
    expect(indianShort(99_999)).toBe("99,999");
    expect(indianShort(4_321.4, true)).toBe("₹4,321");
  });
  it("uses lakh and crore with one decimal", () => {
    expect(indianShort(4_30_000, true)).toBe(nb("₹4.3 L"));
    expect(indianShort(1_00_000)).toBe(nb("1 L"));
    expect(indianShort(45_67_890, true)).toBe(nb("₹45.7 L"));
    expect(indianShort(1_20_00_000, true)).toBe(nb("₹1.2 Cr"));
    expect(indianShort(12_34_00_00_000, true)).toBe(nb("₹1,234 Cr"));
  });
  it("rounds across the unit boundary and keeps the sign", () => {
    expect(indianShort(99_99_999, true)).toBe(nb("₹1 Cr"));
    expect(indianShort(-4_30_000, true)).toBe(nb("-₹4.3 L"));
    expect(indianShort(null)).toBe("—");
  });
});
