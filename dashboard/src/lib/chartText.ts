import { istDateTime } from "./format";

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
  /** Draw only the points (e.g. a single marker), not a line. */
  pointsOnly?: boolean;
  fill?: boolean;
}

/** Text for one x value, as the data table and the summary write it. */
export function xText(v: number, time: boolean, xFormat?: (value: number) => string): string {
  return time ? istDateTime(new Date(v * 1000).toISOString()) : xFormat ? xFormat(v) : String(v);
}

const shortTime = new Intl.DateTimeFormat("en-IN", { timeZone: "Asia/Kolkata", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

/**
 * The chart in words, for people who cannot see it: per line, the latest value and the highest
 * (for ranks: the best) with when it happened. Marker series (points only) are named with their x.
 */
export function describeChart(x: number[], series: ChartSeries[], opts: { time: boolean; invertY: boolean; yFormat?: (v: number) => string; xFormat?: (v: number) => string }): string {
  const y = (v: number) => (opts.yFormat ? opts.yFormat(v) : String(v));
  const xs = (v: number) => (opts.time ? shortTime.format(new Date(v * 1000)) : opts.xFormat ? opts.xFormat(v) : String(v));
  if (x.length === 0) return "No data.";
  const parts = [`${x.length} points, ${xs(x[0])} to ${xs(x[x.length - 1])}${opts.time ? " IST" : ""}.`];
  for (const s of series) {
    const points = s.values.map((v, i) => [x[i], v] as const).filter((p): p is readonly [number, number] => p[1] !== null && p[1] !== undefined);
    if (points.length === 0) continue;
    if (s.pointsOnly) {
      parts.push(`${s.label}: ${points.map(([px, py]) => `${y(py)} at ${xs(px)}`).join(", ")}.`);
      continue;
    }
    const best = points.reduce((a, b) => ((opts.invertY ? b[1] < a[1] : b[1] > a[1]) ? b : a));
    const last = points[points.length - 1];
    if (!opts.invertY && best[1] === 0) {
      parts.push(`${s.label}: none.`);
      continue;
    }
    parts.push(`${s.label}: latest ${y(last[1])}, ${opts.invertY ? "best" : "highest"} ${y(best[1])} at ${xs(best[0])}.`);
  }
  return parts.join(" ");
}

