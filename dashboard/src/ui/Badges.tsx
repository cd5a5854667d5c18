import type { RankItem, RuleRef } from "../api/types";
import { rankArrow } from "../lib/ranking";
import { marketplaceLabel } from "../lib/format";

export function RankArrow({ item }: { item: Pick<RankItem, "previous_rank" | "rank_change"> }) {
  const arrow = rankArrow(item);
  return (
    <span className={`arrow arrow-${arrow.dir}`} title={arrow.title} data-testid="rank-arrow" data-dir={arrow.dir}>
      {arrow.label}
    </span>
  );
}

export function RuleBadges({ rules }: { rules: RuleRef[] }) {
  if (!rules?.length) return null;
  return (
    <span className="badges">
      {rules.map((rule) => (
        <span key={rule.id} className={`badge badge-${rule.type}`} data-testid="rule-badge" data-rule-type={rule.type} title={`Rule ${rule.id}`}>
          {rule.type}
        </span>
      ))}
    </span>
  );
}

export function MarketplaceTag({ name }: { name: string }) {
  return <span className={`mp mp-${name}`}>{marketplaceLabel(name)}</span>;
}

/** A warning triangle: goes with a text label, never alone, so state is not carried by colour. */
export function WarnIcon() {
  return (
    <svg className="warn-icon" width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d="M8 1.5L15 14.5H1z" fill="currentColor" />
      <path d="M8 6v4.2M8 11.8v1.2" stroke="#fff" strokeWidth="1.6" />
    </svg>
  );
}

/** Stock with its state in words: "4 · Low stock" with an icon, not just a red number. */
export function StockLevel({ stock, low, testId, format }: { stock: number; low: boolean; testId: string; format: (v: number) => string }) {
  return (
    <span className={`stock ${low ? "stock-low" : ""}`}>
      {low ? <WarnIcon /> : null}
      <span data-testid={testId}>{format(stock)}</span>
      {low ? <span className="stock-flag" data-testid="low-stock-flag">Low stock</span> : null}
    </span>
  );
}
