import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/client";
import type { DemoPayload } from "../../api/types";
import { istDateTime } from "../../lib/format";
import { DemoBannerView } from "./DemoBanner";
import { DemoPanelView, type DemoPanelViewProps } from "./DemoPanel";

const noop = () => undefined;

function panel(payload: DemoPayload, over: Partial<DemoPanelViewProps> = {}): string {
  return renderToStaticMarkup(
    <DemoPanelView
      payload={payload}
      isAdmin
      busy={null}
      confirming={false}
      failure={null}
      onAction={noop}
      onConfirmDelete={noop}
      onCancelDelete={noop}
      {...over}
    />,
  );
}

const running: DemoPayload = {
  dataset: "demo",
  demo: { state: "running", started_at: "2026-12-07T05:00:00Z", ended_at: null, reason: null, deleted_at: null },
};
const ended: DemoPayload = {
  dataset: "seller",
  demo: { state: "ended", started_at: "2026-12-07T05:00:00Z", ended_at: "2026-12-07T06:30:00Z", reason: "import", deleted_at: null },
};

const testIds = (html: string) => [...html.matchAll(/data-testid="([^"]+)"/g)].map((m) => m[1]);

describe("demo banner", () => {
  it("is a status banner saying Demo data and what replaces it, while the dataset is the demo", () => {
    const html = renderToStaticMarkup(<DemoBannerView dataset="demo" />);
    expect(html).toContain('role="status"');
    expect(html).toContain('data-testid="demo-banner"');
    expect(html).toContain("Demo data");
    expect(html).toContain("simulated shoppers");
    expect(html).toContain("first real order, finished import or catalogue change");
    // A presenter's demo goes on after a real order: the banner says who ends that one.
    expect(html).toContain("for a presenter&#x27;s demo, when an admin ends it");
    expect(html).not.toContain("replaces it");
  });
  it("is gone for the seller's data, and before any answer named a dataset", () => {
    expect(renderToStaticMarkup(<DemoBannerView dataset="seller" />)).toBe("");
    expect(renderToStaticMarkup(<DemoBannerView dataset={null} />)).toBe("");
  });
});

describe("Stores demo panel", () => {
  it("running: says since when, and offers the admin End demo only", () => {
    const html = panel(running);
    expect(html).toContain('data-state="running"');
    expect(html).toContain(`Demo running since ${istDateTime("2026-12-07T05:00:00Z")}`);
    expect(testIds(html).filter((id) => id.startsWith("demo-") && ["demo-start", "demo-end", "demo-delete"].includes(id))).toEqual(["demo-end"]);
  });
  it("ended: says when and why, and offers Start demo and Delete demo data", () => {
    const html = panel(ended);
    expect(html).toContain(`Demo ended ${istDateTime("2026-12-07T06:30:00Z")}`);
    expect(html).toContain('data-testid="demo-ended-reason">Why: An import finished.');
    expect(html).toContain('data-ended-at="2026-12-07T06:30:00Z"');
    const ids = testIds(html);
    expect(ids).toContain("demo-start");
    expect(ids).toContain("demo-delete");
    expect(ids).not.toContain("demo-end");
    expect(html).toContain(">Start demo<");
    expect(html).toContain(">Delete demo data<");
  });
  it("asks before deleting, and names the audit log", () => {
    const html = panel(ended, { confirming: true });
    const ids = testIds(html);
    expect(ids).toContain("demo-delete-confirm");
    expect(ids).toContain("demo-delete-cancel");
    expect(ids).not.toContain("demo-delete");
    expect(html).toContain("audit log");
  });
  it("shows the button at work and disables the others", () => {
    const html = panel(ended, { busy: "start" });
    expect(html).toContain("Starting…");
    expect((html.match(/disabled=""/g) ?? []).length).toBe(2);
  });
  it("shows an analyst the state without buttons", () => {
    const html = panel(ended, { isAdmin: false });
    const ids = testIds(html);
    expect(ids).toContain("demo-readonly");
    expect(ids).not.toContain("demo-start");
    expect(ids).not.toContain("demo-delete");
  });
  it("shows a failed action's call", () => {
    const html = panel(running, { failure: new ApiError("POST", "/api/demo/end", 409, "conflict", "already ended", null) });
    expect(html).toContain('data-testid="demo-error"');
    expect(html).toContain("/api/demo/end");
  });
});
