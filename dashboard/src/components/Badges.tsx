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
