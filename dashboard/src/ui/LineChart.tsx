import { useEffect, useMemo, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { describeChart, xText } from "../lib/chartText";
import { istAxisLabels, istDateTime } from "../lib/format";

import type { ChartSeries } from "../lib/chartText";
import { Table, type Column } from "./Table";

export type { ChartSeries };

export interface LineChartProps {
  x: number[];
  series: ChartSeries[];
  /** x is epoch seconds, shown in IST. */
  time?: boolean;
  height?: number;
  yFormat?: (value: number) => string;
  xFormat?: (value: number) => string;
  /** Smaller is better (ranks): draw 1 at the top. */
  invertY?: boolean;
  testId: string;
  ariaLabel: string;
}

const RANK_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
const toIst = (ts: number) => uPlot.tzDate(new Date(ts * 1000), "Asia/Kolkata");
const AXIS = { stroke: "#5b6472", grid: { stroke: "#eef0f3", width: 1 }, ticks: { stroke: "#e3e6ea", width: 1 }, font: "11px system-ui, sans-serif" };

/** A thin React wrapper over uPlot: rebuilt when its inputs change, resized with its box. */
export function LineChart({ x, series, time = false, height = 220, yFormat, xFormat, invertY = false, testId, ariaLabel }: LineChartProps) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const options: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      tzDate: time ? toIst : undefined,
      // Ranks: 1 at the top, never below 1, whole numbers only.
      scales: { x: { time }, y: invertY ? { dir: -1, range: (_u, min, max) => [1, Math.max(max + 1, min + 4)] } : {} },
      legend: { live: true },
      cursor: { points: { size: 6 } },
      series: [
        {
          label: time ? "Time" : "Price",
          value: (_u, v) => (v == null ? "—" : time ? istDateTime(new Date(v * 1000).toISOString()) : xFormat ? xFormat(v) : String(v)),
        },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.pointsOnly ? 0 : 1.75,
          fill: s.fill && !invertY ? `${s.color}1a` : undefined,
          points: s.pointsOnly ? { show: true, size: 9, fill: s.color, stroke: s.color } : { show: false },
          spanGaps: !s.pointsOnly,
          value: yFormat ? (_u: uPlot, v: number | null) => (v == null ? "—" : yFormat(v)) : undefined,
        })),
      ],
      axes: [
        { ...AXIS, size: 44, values: time ? (_u, splits) => istAxisLabels(splits) : xFormat ? (_u, splits) => splits.map(xFormat) : undefined },
        { ...AXIS, size: 64, incrs: invertY ? RANK_STEPS : undefined, values: yFormat ? (_u, splits) => splits.map(yFormat) : undefined },
      ],
    };
    const chart = new uPlot(options, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(el.clientWidth, 200), height }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [x, series, time, height, yFormat, xFormat, invertY]);

  const summary = useMemo(() => describeChart(x, series, { time, invertY, yFormat, xFormat }), [x, series, time, invertY, yFormat, xFormat]);
  const [tableOpen, setTableOpen] = useState(false);
  const lines = series.filter((s) => !s.pointsOnly);

  return (
    <figure className="chart-figure">
      <div className="chart" ref={box} data-testid={testId} role="img" aria-label={`${ariaLabel}. ${summary}`} />
      <figcaption className="chart-summary" data-testid={`${testId}-summary`}>
        {summary}
      </figcaption>
      <details className="chart-data" onToggle={(e) => setTableOpen(e.currentTarget.open)}>
        <summary data-testid={`${testId}-table-toggle`}>Show the data as a table</summary>
        {tableOpen ? (
          <Table
            wrapClassName="chart-table-wrap"
            stack={false}
            className="compact"
            testId={`${testId}-table`}
            caption={ariaLabel}
            rows={x}
            rowKey={(_, i) => i}
            columns={[
              { key: "x", header: time ? "Time (IST)" : "Price", rowHeader: true, className: "nowrap", cell: (v) => xText(v, time, xFormat) },
              ...lines.map(
                (s): Column<number> => ({
                  key: s.label,
                  header: s.label,
                  label: null,
                  num: true,
                  cell: (_, i) => {
                    const value = s.values[i];
                    return value === null || value === undefined ? "—" : yFormat ? yFormat(value) : String(value);
                  },
                }),
              ),
            ]}
          />
        ) : null}
      </details>
    </figure>
  );
}
