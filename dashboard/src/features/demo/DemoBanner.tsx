import { DEMO_BANNER, showsDemoBanner } from "./demo";
import type { Dataset } from "../../api/types";
import { useLive } from "../../live/LiveProvider";

/** On every page while the numbers come from the demo dataset: says so, and what ends it. */
export function DemoBanner() {
  const dataset = useLive((s) => s.dataset);
  return <DemoBannerView dataset={dataset} />;
}

export function DemoBannerView({ dataset }: { dataset: Dataset | null }) {
  if (!showsDemoBanner(dataset)) return null;
  return (
    <div className="demo-bar" role="status" aria-live="polite" data-testid="demo-banner">
      <svg className="demo-icon" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        <circle cx="8" cy="8" r="7" fill="none" stroke="currentColor" strokeWidth="1.6" />
        <path d="M6.3 5.2v5.6L11 8z" fill="currentColor" />
      </svg>
      <strong data-testid="demo-banner-title">{DEMO_BANNER.title}</strong>
      <span>{DEMO_BANNER.detail}</span>
    </div>
  );
}
