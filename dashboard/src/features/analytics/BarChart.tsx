import { useId, useLayoutEffect, useRef, useState } from "react";
import { describeBars, type Bar } from "./analytics";
import "./BarChart.css";

export interface BarChartProps {
  bars: Bar[];
  format: (value: number) => string;
  title: string;
  testId: string;
  /** Bars beyond this many are left out (and the summary says how many). */
  limit?: number;
}

const ROW = 30;
const ROW_STACKED = 40;
const GAP = 8;
// About one character of 12 px text, for fitting labels and values.
const CHAR = 7;

/** Shorten a label to about `chars` characters (the full one stays in the description). */
function clip(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, Math.max(1, chars - 1))}…`;
}

/**
 * Horizontal bars in plain SVG: the label on the left (above the bar in a narrow box), the
 * value written at the end of each bar (readable without hovering), and a title and description
 * naming every value for screen readers. It follows the width of its box.
 */
export function BarChart({ bars, format, title, testId, limit = 20 }: BarChartProps) {
  const box = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(640);
  const id = useId();
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(260, Math.floor(el.clientWidth)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const shown = bars.slice(0, limit);
  const hidden = bars.length - shown.length;
  const summary = describeBars(shown, format) + (hidden > 0 ? ` ${hidden} more not shown.` : "");
  const values = shown.map((b) => `${format(b.value)}${b.note ? ` · ${b.note}` : ""}`);
  // Narrow boxes (a phone) put each label above its bar, so neither label nor value is cut.
  const stacked = width < 480;
  const row = stacked ? ROW_STACKED : ROW;
  const labelWidth = stacked ? 0 : Math.min(170, Math.round(width * 0.3));
  const valueWidth = Math.min(Math.round(width * 0.45), Math.max(...values.map((v) => v.length), 4) * CHAR + GAP);
  const barSpace = Math.max(20, width - labelWidth - valueWidth - GAP * 2);
  const max = Math.max(0, ...shown.map((b) => b.value));
  const height = shown.length * row + 4;
  const charsFor = (px: number) => Math.max(4, Math.floor(px / CHAR));

  return (
    <figure className="bar-figure" ref={box}>
      {shown.length === 0 ? (
        <p className="muted" data-testid={`${testId}-empty`}>No data for this chart.</p>
      ) : (
        <svg
          className="bar-chart"
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          role="img"
          aria-labelledby={`${id}-title ${id}-desc`}
          data-testid={testId}
          data-bars={shown.length}
        >
          <title id={`${id}-title`}>{title}</title>
          <desc id={`${id}-desc`} data-testid={`${testId}-summary`}>{summary}</desc>
          {shown.map((bar, i) => {
            const y = i * row + 2;
            const length = max > 0 ? Math.max(bar.value > 0 ? 2 : 0, (Math.max(0, bar.value) / max) * barSpace) : 0;
            const barTop = stacked ? y + 20 : y + 5;
            const barHeight = stacked ? 14 : ROW - 10;
            const middle = barTop + barHeight / 2;
            return (
              <g key={`${bar.label}-${i}`} data-testid={`${testId}-bar`} data-label={bar.label} data-value={bar.value}>
                <text className="bar-label" x={stacked ? 0 : labelWidth - 6} y={stacked ? y + 9 : middle} textAnchor={stacked ? "start" : "end"} dominantBaseline="central">
                  {clip(bar.label, charsFor(stacked ? width : labelWidth - 6))}
                </text>
                <rect className="bar" x={labelWidth} y={barTop} width={length} height={barHeight} rx={3} />
                <text className="bar-value" x={labelWidth + length + GAP} y={middle} dominantBaseline="central">
                  {clip(values[i], charsFor(width - labelWidth - length - GAP))}
                </text>
              </g>
            );
          })}
        </svg>
      )}
    </figure>
  );
}
