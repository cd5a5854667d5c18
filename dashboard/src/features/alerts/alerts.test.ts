import { describe, expect, it } from "vitest";
import type { GraphMessage, JobStep } from "../inventory/api";
import { alertsRunText, badgeOf, bubbleOf, chatsOf, stepText, templateText } from "./alerts";

const BODY = ["HIGH", "Silk saree", "Jaipur", "40", "₹25,000", "10", "markdown"];

function template(to: string, at: number, name: string, link: string | null, status: number | null = 200): GraphMessage {
  const components = [
    ...(link ? [{ type: "header", parameters: [{ type: "image", image: { link } }] }] : []),
    { type: "body", parameters: BODY.map((text) => ({ type: "text", text })) },
  ];
  return {
    id: `wamid.${to}.${at}`,
    received_at: at,
    payload: { to, type: "template", template: { name, language: { code: "en" }, components } },
    media: link ? { status, bytes: 70 } : null,
  };
}

describe("what the phone shows", () => {
  it("fills the approved template's words and keeps the header image", () => {
    const b = bubbleOf(template("+91••••••0001", 10, "inventory_danger_alert", "http://blob/images/x.png?sig=1"));
    expect(b.image).toBe("http://blob/images/x.png?sig=1");
    expect(b.imageFetched).toBe(true);
    expect(b.template).toBe("inventory_danger_alert");
    expect(b.text).toBe("HIGH stock alert: Silk saree at Jaipur has not sold for 40 days.\n₹25,000 of capital is tied up in 10 units. Suggested: markdown.");
  });
  it("says when WhatsApp could not fetch the image, and shows a text template without one", () => {
    expect(bubbleOf(template("1", 1, "inventory_danger_alert", "http://x", 403)).imageFetched).toBe(false);
    const t = bubbleOf(template("1", 1, "inventory_danger_alert_text", null));
    expect([t.image, t.imageFetched]).toEqual([null, null]);
  });
  it("shows text and image messages, and an unknown template's parameters", () => {
    expect(bubbleOf({ id: "a", received_at: 1, payload: { to: "1", type: "text", text: { body: "hello" } }, media: null }).text).toBe("hello");
    const img = bubbleOf({ id: "b", received_at: 1, payload: { to: "1", type: "image", image: { link: "http://i", caption: "look" } }, media: { status: 200 } });
    expect([img.image, img.text]).toEqual(["http://i", "look"]);
    expect(templateText("other", ["a", "b"])).toBe("a\nb");
  });
  it("groups messages into one chat per number, newest chat first, oldest message first", () => {
    const chats = chatsOf([template("A", 5, "inventory_danger_alert_text", null), template("B", 7, "inventory_danger_alert_text", null), template("A", 3, "inventory_danger_alert_text", null)]);
    expect(chats.map((c) => c.to)).toEqual(["B", "A"]);
    expect(chats[1].bubbles.map((b) => b.at)).toEqual([3, 5]);
  });
});

describe("runs in words", () => {
  it("sums up an alerts run and a dry run", () => {
    expect(alertsRunText({ day: "2026-12-02", send_notifications: true, candidates: 2, created: 2, duplicates: 0, sent: 6, failed: 1 })).toBe(
      "Alerts for 2026-12-02: 2 new alerts, 6 messages sent, 1 failed.",
    );
    expect(alertsRunText({ day: "2026-12-02", send_notifications: false, candidates: 1, would_alert: [] })).toBe(
      "Dry run for 2026-12-02: 1 item is in a new danger level; 0 would be alerted (nothing sent, nothing logged).",
    );
  });
  it("says what a step did", () => {
    const done: JobStep = { name: "snapshot", status: "done", seconds: 1.234, result: { day: "2026-12-02", rows: 1200, stores: 2, nested: { a: 1 } } };
    expect(stepText(done)).toBe("Done in 1.2 s: rows 1,200, stores 2");
    expect(stepText({ name: "alerts", status: "pending" })).toBe("Not started");
  });
  it("never leaves a state to colour alone: every state maps to a badge", () => {
    expect(["sent", "failed", "retry", "pending", "succeeded", "retrying"].map(badgeOf)).toEqual(["pass", "critical", "warning", "skipped", "pass", "warning"]);
  });
});
