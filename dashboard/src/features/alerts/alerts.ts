// The Alerts page in words: delivery states, what WhatsApp received as a phone shows it, the
// daily job's runs and steps.
import type { AlertStatus, AlertsRun, DeliveryStatus, GraphMessage, JobRun, JobStep } from "../inventory/api";
import { int } from "../../lib/format";

export const DELIVERY_TEXT: Record<DeliveryStatus, string> = {
  pending: "Not sent yet",
  sending: "Sending",
  sent: "Sent",
  failed: "Failed",
  retry: "Will retry",
  unconfirmed: "Unconfirmed",
};

export const ALERT_TEXT: Record<AlertStatus, string> = {
  pending: "Not sent yet",
  sent: "Sent to everyone",
  partial: "Sent to some",
  failed: "Failed",
  no_recipients: "No recipients",
};

/** Badge class of a state (the words always go with it: never colour alone). */
export function badgeOf(status: string): "pass" | "warning" | "critical" | "skipped" {
  if (status === "sent" || status === "succeeded" || status === "done") return "pass";
  if (status === "failed") return "critical";
  if (status === "partial" || status === "retry" || status === "retrying" || status === "unconfirmed") return "warning";
  return "skipped";
}

export const ROLE_TEXT: Record<string, string> = {
  founder: "Founder",
  "co-founder": "Co-founder",
  store_manager: "Store manager",
  manual: "Sent by hand",
};

/**
 * The approved templates' body (shared/alerts/message.py registers them with these variables):
 * "{{1}} stock alert: {{2}} at {{3}} has not sold for {{4}} days. {{5}} of capital is tied up
 * in {{6}} units. Suggested: {{7}}."
 */
const DANGER_TEMPLATES = new Set(["inventory_danger_alert", "inventory_danger_alert_text"]);

export function templateText(name: string, params: string[]): string {
  if (DANGER_TEMPLATES.has(name) && params.length === 7) {
    const [level, item, store, days, capital, units, hint] = params;
    return `${level} stock alert: ${item} at ${store} has not sold for ${days} days.\n${capital} of capital is tied up in ${units} units. Suggested: ${hint}.`;
  }
  return params.join("\n");
}

export interface Bubble {
  id: string;
  to: string;
  at: number;
  kind: "text" | "image" | "template";
  template: string | null;
  image: string | null;
  /** Whether WhatsApp could fetch the image (as Meta does on accepting the message). */
  imageFetched: boolean | null;
  text: string;
}

/** A received message as a phone shows it: the header image, then the body text. */
export function bubbleOf(m: GraphMessage): Bubble {
  const p = m.payload;
  let image: string | null = null;
  let text = "";
  let template: string | null = null;
  if (p.type === "template" && p.template) {
    template = p.template.name;
    for (const c of p.template.components ?? []) {
      if (c.type === "header") image = c.parameters.find((x) => x.type === "image")?.image?.link ?? null;
    }
    const body = p.template.components?.find((c) => c.type === "body")?.parameters ?? [];
    text = templateText(template, body.map((x) => x.text ?? ""));
  } else if (p.type === "image" && p.image) {
    image = p.image.link;
    text = p.image.caption ?? "";
  } else {
    text = p.text?.body ?? "";
  }
  const fetched = image === null || m.media === null ? null : m.media.status === 200;
  return { id: m.id, to: p.to, at: m.received_at, kind: p.type, template, image, imageFetched: fetched, text };
}

/** One chat per recipient, the chat with the newest message first; messages oldest first. */
export function chatsOf(messages: GraphMessage[]): { to: string; bubbles: Bubble[] }[] {
  const byTo = new Map<string, Bubble[]>();
  for (const m of messages) {
    const b = bubbleOf(m);
    byTo.set(b.to, [...(byTo.get(b.to) ?? []), b]);
  }
  return [...byTo.entries()]
    .map(([to, bubbles]) => ({ to, bubbles: bubbles.sort((a, b) => a.at - b.at) }))
    .sort((a, b) => b.bubbles[b.bubbles.length - 1].at - a.bubbles[a.bubbles.length - 1].at || a.to.localeCompare(b.to));
}

/** What an alerts run did, in one sentence. */
export function alertsRunText(r: AlertsRun): string {
  if (!r.send_notifications) {
    const n = r.would_alert?.length ?? 0;
    return `Dry run for ${r.day}: ${int(r.candidates)} ${r.candidates === 1 ? "item is" : "items are"} in a new danger level; ${int(n)} would be alerted (nothing sent, nothing logged).`;
  }
  const parts = [`${int(r.created ?? 0)} new ${r.created === 1 ? "alert" : "alerts"}`, `${int(r.sent ?? 0)} ${r.sent === 1 ? "message" : "messages"} sent`];
  if (r.duplicates) parts.push(`${int(r.duplicates)} already alerted today`);
  if (r.failed) parts.push(`${int(r.failed)} failed`);
  if (r.retry) parts.push(`${int(r.retry)} to retry`);
  if (r.not_configured) parts.push(`${int(r.not_configured)} not sent: WhatsApp is not configured`);
  return `Alerts for ${r.day}: ${parts.join(", ")}.`;
}

export const RUN_TEXT: Record<JobRun["status"], string> = {
  running: "Running",
  retrying: "Waiting to retry",
  succeeded: "Succeeded",
  failed: "Failed",
};

// Result fields every step repeats (the run already says its day).
const QUIET = new Set(["day", "send_notifications"]);

/** A step's state and what it did, in words ("Done in 1.2 s: 40 rows"). */
export function stepText(step: JobStep): string {
  if (step.status === "pending") return "Not started";
  if (step.status === "running") return "Running";
  const took = step.seconds !== undefined ? ` in ${step.seconds < 10 ? step.seconds.toFixed(1) : int(step.seconds)} s` : "";
  const facts = Object.entries(step.result ?? {})
    .filter(([k]) => !QUIET.has(k))
    .filter(([, v]) => typeof v === "number" || typeof v === "string" || typeof v === "boolean")
    .slice(0, 4)
    .map(([k, v]) => `${k.replace(/_/g, " ")} ${typeof v === "number" ? int(v) : String(v)}`);
  return `Done${took}${facts.length ? `: ${facts.join(", ")}` : ""}`;
}
