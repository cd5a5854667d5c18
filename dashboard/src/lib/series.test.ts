import { afterEach, describe, expect, it, vi } from "vitest";
import type { Series } from "../api/types";
import { seriesColumns, throttle } from "./series";
import { priceGrid, sliderBounds } from "../features/items/whatif";

describe("seriesColumns", () => {
  it("sorts points by time and fills a missing marketplace with zero", () => {
    const series: Series = {
      range: "hour",
      step: "minute",
      points: [
        { t: "2026-11-21T10:01:00Z", amazon: { views: 5, clicks: 1, purchases: 1, revenue: 900 } },
        { t: "2026-11-21T10:00:00Z", amazon: { views: 3, clicks: 0, purchases: 0, revenue: 0 }, myntra: { views: 2, clicks: 1, purchases: 1, revenue: 499 } },
      ],
    };
    const columns = seriesColumns(series, "revenue");
    expect(columns.x).toEqual([Date.parse("2026-11-21T10:00:00Z") / 1000, Date.parse("2026-11-21T10:01:00Z") / 1000]);
    expect(columns.values.amazon).toEqual([0, 900]);
    expect(columns.values.myntra).toEqual([499, 0]);
    expect(columns.values.meesho).toEqual([0, 0]);
  });
});

describe("throttle", () => {
  afterEach(() => vi.useRealTimers());
  it("runs at once, then at most once per window with a trailing call", () => {
    vi.useFakeTimers();
    let runs = 0;
    const t = throttle(() => runs++, 5_000);
    t.call();
    expect(runs).toBe(1);
    t.call();
    t.call();
    expect(runs).toBe(1);
    vi.advanceTimersByTime(4_999);
    expect(runs).toBe(1);
    vi.advanceTimersByTime(1);
    expect(runs).toBe(2);
    vi.advanceTimersByTime(10_000);
    expect(runs).toBe(2);
  });
  it("can be cancelled", () => {
    vi.useFakeTimers();
    let runs = 0;
    const t = throttle(() => runs++, 5_000);
    t.call();
    t.call();
    t.cancel();
    vi.advanceTimersByTime(10_000);
    expect(runs).toBe(1);
  });
});

describe("what-if prices", () => {
  it("spans 50% to 150% of the price", () => {
    const grid = priceGrid(1000);
    expect(grid).toHaveLength(50);
    expect(grid[0]).toBe(500);
    expect(grid[grid.length - 1]).toBe(1500);
    expect([...grid].sort((a, b) => a - b)).toEqual(grid);
  });
  it("drops repeats for cheap items and refuses a non-positive price", () => {
    expect(new Set(priceGrid(20)).size).toBe(priceGrid(20).length);
    expect(priceGrid(0)).toEqual([]);
  });
  it("bounds the slider", () => {
    expect(sliderBounds(1169)).toEqual({ min: 584, max: 1754, step: 6 });
    expect(sliderBounds(3).min).toBe(1);
  });
});
