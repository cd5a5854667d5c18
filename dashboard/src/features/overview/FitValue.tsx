import { useLayoutEffect, useRef, useState } from "react";

let canvas: HTMLCanvasElement | null = null;

/** Width of `text` in the font of `el`, without putting it on the page. */
function textWidth(text: string, el: HTMLElement): number {
  const style = getComputedStyle(el);
  canvas ??= document.createElement("canvas");
  const ctx = canvas.getContext("2d");
  if (!ctx) return Infinity;
  ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const spacing = Number.parseFloat(style.letterSpacing) || 0;
  return ctx.measureText(text).width + spacing * text.length;
}

/**
 * A figure that must be read whole: the exact text when it fits its box, the short Indian form
 * (₹4.3 L) when it does not, never an ellipsis. With the short form on screen the figure is a
 * button: a tap shows the exact figure below it, and screen readers get the exact figure.
 */
export function FitValue({ full, short, testId, value, label, words = false }: { full: string; short: string; testId: string; value: number; label: string; words?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const shown = useRef<HTMLElement>(null);
  const [compact, setCompact] = useState(false);
  const [showExact, setShowExact] = useState(false);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const fit = () => {
      const target = shown.current;
      if (!target || full === short) {
        setCompact(false);
        return;
      }
      if (target.dataset.compact === "false") {
        // The exact text is on screen: keep it while it is not cut.
        if (target.scrollWidth > target.clientWidth + 0.5) setCompact(true);
      } else {
        // The short text is on screen: go back to the exact one once it clearly fits.
        const needed = textWidth(full, target) * 1.04 + 2;
        if (needed <= target.clientWidth) setCompact(false);
      }
    };
    fit();
    const observer = new ResizeObserver(fit);
    observer.observe(el);
    // The figure's own box changes with the text size (a larger font setting), not only the card's.
    if (shown.current) observer.observe(shown.current);
    return () => observer.disconnect();
  }, [full, short, compact]);

  useLayoutEffect(() => {
    if (!compact) setShowExact(false);
  }, [compact]);

  return (
    <>
      {/* Words in place of a figure ("Not sent") wrap in a smaller type instead of being cut. */}
      <div className={words ? "kpi-value kpi-words" : "kpi-value"} ref={box}>
        {compact ? (
          <button
            ref={shown as React.RefObject<HTMLButtonElement>}
            type="button"
            className="kpi-figure kpi-tap"
            aria-expanded={showExact}
            aria-label={`${label} ${full}`}
            title={full}
            onClick={() => setShowExact((v) => !v)}
            data-testid={testId}
            data-value={value}
            data-compact="true"
          >
            {short}
          </button>
        ) : (
          <span ref={shown as React.RefObject<HTMLSpanElement>} className="kpi-figure" data-testid={testId} data-value={value} data-compact="false">
            {full}
          </span>
        )}
      </div>
      {compact && showExact ? <div className="kpi-exact" data-testid={testId.replace(/-value$/, "-exact")}>{full}</div> : null}
    </>
  );
}
