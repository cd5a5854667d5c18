import type { Level } from "./api";
import { LEVEL_TEXT } from "./inventory";
import { WarnIcon } from "../../ui/Badges";

/** A danger level in words with an icon (never colour alone); "None" for an item not in danger. */
export function DangerBadge({ level }: { level: Level | null | undefined }) {
  if (!level) {
    return (
      <span className="dbadge dbadge-none" data-testid="danger-badge" data-level="">
        None
      </span>
    );
  }
  return (
    <span className={`dbadge dbadge-${level.toLowerCase()}`} data-testid="danger-badge" data-level={level}>
      {level === "EARLY" ? null : <WarnIcon />}
      {LEVEL_TEXT[level]}
    </span>
  );
}
