import { describe, expect, it } from "vitest";
import { describeChart } from "./chartText";

// 2026-11-22 05:00 and 06:00 IST
const x = [Date.UTC(2026, 10, 21, 23, 30) / 1000, Date.UTC(2026, 10, 22, 0, 30) / 1000];

describe("describeChart", () => {
  it("gives each line its latest and highest value with the time", () => {
    const text = describeChart(x, [{ label: "Amazon", color: "", values: [500, 200] }, { label: "Myntra", color: "", values: [0, 0] }], { time: true, invertY: false, yFormat: (v) => `₹${v}` });
    expect(text).toBe("2 points, 22 Nov, 05:00 to 22 Nov, 06:00 IST. Amazon: latest ₹200, highest ₹500 at 22 Nov, 05:00. Myntra: none.");
  });
  it("calls the smallest rank the best and names marker points", () => {
    const text = describeChart([100, 200, 300], [
      { label: "Predicted rank", color: "", values: [5, 2, 9] },
      { label: "Your price", color: "", values: [null, 2, null], pointsOnly: true },
    ], { time: false, invertY: true, yFormat: (v) => `#${v}`, xFormat: (v) => `₹${v}` });
    expect(text).toBe("3 points, ₹100 to ₹300. Predicted rank: latest #9, best #2 at ₹200. Your price: #2 at ₹200.");
  });
  it("says when there is nothing", () => {
    expect(describeChart([], [], { time: true, invertY: false })).toBe("No data.");
  });
});
