import type { Dataset, DemoPayload, DemoState } from "../../api/types";
import type { Role } from "../../lib/auth";
import { istDateTime } from "../../lib/format";

/** The banner's words: every page says so while the numbers come from the demo. True of both
 * kinds, as a viewer cannot read which one runs: a real order ends the automatic demo, not a
 * presenter's, and its numbers must not look like the seller's meanwhile. */
export const DEMO_BANNER = {
  title: "Demo data",
  detail:
    "These pages show simulated shoppers on a demo catalogue, not your stores. Your own data is kept apart " +
    "and shows here when the demo ends: with the first real order, finished import or catalogue change, " +
    "or, for a presenter's demo, when an admin ends it.",
};

/** The banner shows while answers are computed from the demo dataset, and only then. */
export function showsDemoBanner(dataset: Dataset | null | undefined): boolean {
  return dataset === "demo";
}

/** Who may read GET /api/demo (analyst or admin); a viewer goes by the answers' header alone. */
export function canReadDemo(role: Role): boolean {
  return role === "admin" || role === "analyst";
}

const REASONS: Record<string, string> = {
  webhook: "A signed marketplace event arrived.",
  real_event: "A signed marketplace event arrived.",
  order: "The first real order arrived.",
  import: "An import finished.",
  catalogue: "An admin changed the catalogue.",
  catalogue_write: "An admin changed the catalogue.",
  price_change: "An admin changed a price.",
  admin: "An admin ended it.",
  ended_by_admin: "An admin ended it.",
  manual: "An admin ended it.",
  deleted: "Its data was deleted.",
};

/** Why the demo ended, in words: a known reason code is explained, a sentence is kept as sent. */
export function endReasonText(reason: string | null | undefined): string {
  if (!reason || !reason.trim()) return "No reason was recorded.";
  const key = reason.trim().toLowerCase().replace(/[\s-]+/g, "_");
  if (REASONS[key]) return REASONS[key];
  const words = reason.trim().replace(/_/g, " ");
  const sentence = words.charAt(0).toUpperCase() + words.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** Demo data exists to delete: a demo started after the last deletion (or never deleted). */
export function hasDemoData(demo: DemoState): boolean {
  if (demo.started_at === null) return false;
  if (demo.deleted_at === null) return true;
  return Date.parse(demo.deleted_at) < Date.parse(demo.started_at);
}

export interface DemoSummary {
  /** One line: what the demo is doing. */
  headline: string;
  /** What follows from it, or why it ended and when. */
  lines: string[];
}

/** The Stores page's demo panel in words. */
export function demoSummary(payload: DemoPayload): DemoSummary {
  const { demo } = payload;
  const lines: string[] = [];
  let headline: string;
  if (demo.state === "running") {
    headline = demo.started_at ? `Demo running since ${istDateTime(demo.started_at)}` : "Demo running";
    lines.push("Simulated shoppers on the demo catalogue, in a dataset of their own: your products and numbers are never touched.");
    lines.push(
      demo.kind === "presenter"
        ? "Started by an admin for a presentation: it runs until an admin ends it."
        : "It ends for good with the first real order, finished import or catalogue change.",
    );
  } else if (demo.state === "ended") {
    headline = demo.ended_at ? `Demo ended ${istDateTime(demo.ended_at)}` : "Demo ended";
    lines.push(`Why: ${endReasonText(demo.reason)}`);
  } else {
    headline = "No demo running";
    lines.push("The dashboard shows only your own data.");
  }
  if (demo.deleted_at && !hasDemoData(demo)) lines.push(`Demo data deleted ${istDateTime(demo.deleted_at)}.`);
  if (payload.dataset === "seller" && demo.state !== "running") lines.push("Every page shows your own data.");
  if (payload.dataset === "demo") lines.push("Every page shows demo data right now.");
  return { headline, lines };
}

export type DemoAction = "start" | "end" | "delete";

/** The admin's buttons for this state: start when none runs, end while one runs, delete what is left. */
export function demoActions(demo: DemoState, isAdmin: boolean): DemoAction[] {
  if (!isAdmin) return [];
  if (demo.state === "running") return ["end"];
  return hasDemoData(demo) ? ["start", "delete"] : ["start"];
}
