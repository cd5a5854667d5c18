import { MARKETPLACES, type Marketplace, type MarketplaceKpis, type Series } from "../api/types";

export const MARKETPLACE_COLORS: Record<Marketplace, string> = { amazon: "#e88a00", myntra: "#d6246e", meesho: "#5b3cc4" };

/** Columns for a chart: epoch seconds and one value list per marketplace for the chosen metric. */
export function seriesColumns(series: Series, metric: keyof MarketplaceKpis): { x: number[]; values: Record<Marketplace, (number | null)[]> } {
  const points = [...series.points].sort((a, b) => Date.parse(a.t) - Date.parse(b.t));
  const x = points.map((p) => Math.floor(Date.parse(p.t) / 1000));
  const values = Object.fromEntries(
    MARKETPLACES.map((mp) => [mp, points.map((p) => p[mp]?.[metric] ?? 0)]),
  ) as Record<Marketplace, (number | null)[]>;
  return { x, values };
}

/** Run `fn` at most once per `ms`; a call inside the window runs once at its end. */
export function throttle(fn: () => void, ms: number, now: () => number = Date.now): { call: () => void; cancel: () => void } {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    timer = undefined;
    last = now();
    fn();
  };
  return {
    call: () => {
      if (timer !== undefined) return;
      const wait = last + ms - now();
      if (wait <= 0) run();
      else timer = setTimeout(run, wait);
    },
    cancel: () => clearTimeout(timer),
  };
}
