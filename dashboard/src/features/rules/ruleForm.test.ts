import { describe, expect, it } from "vitest";
import { buildRule, type RuleDraft } from "./ruleForm";

const draft = (extra: Partial<RuleDraft>): RuleDraft => ({ type: "pin", item_id: "AMZ-1", position: "1", strength: "0.3", valid_from: "", valid_to: "", note: "", ...extra });

describe("buildRule", () => {
  it("builds a pin with its IST window sent as UTC", () => {
    const built = buildRule(draft({ position: "3", valid_from: "2026-11-22T09:00", valid_to: "2026-11-23T09:00", note: " Diwali " }));
    expect(built).toEqual({
      rule: { type: "pin", item_id: "AMZ-1", position: 3 },
      window: { valid_from: "2026-11-22T03:30:00.000Z", valid_to: "2026-11-23T03:30:00.000Z", note: "Diwali" },
    });
  });
  it("builds boost, demote, remove and clearance bodies with only their fields", () => {
    expect(buildRule(draft({ type: "boost", strength: "0.5" }))).toEqual({ rule: { type: "boost", item_id: "AMZ-1", strength: 0.5 }, window: {} });
    expect(buildRule(draft({ type: "remove" }))).toEqual({ rule: { type: "remove", item_id: "AMZ-1" }, window: {} });
    expect(buildRule(draft({ type: "clearance", item_id: "", strength: "1" }))).toEqual({ rule: { type: "clearance", strength: 1 }, window: {} });
  });
  it("names each bad field", () => {
    expect(buildRule(draft({ item_id: " " }))).toEqual({ errors: { item_id: expect.any(String) } });
    expect(buildRule(draft({ position: "0" }))).toEqual({ errors: { position: expect.any(String) } });
    expect(buildRule(draft({ position: "1.5" }))).toEqual({ errors: { position: expect.any(String) } });
    expect(buildRule(draft({ type: "demote", strength: "0" }))).toEqual({ errors: { strength: expect.any(String) } });
    expect(buildRule(draft({ type: "boost", strength: "1.2" }))).toEqual({ errors: { strength: expect.any(String) } });
    expect(buildRule(draft({ type: "boost", strength: "" }))).toEqual({ errors: { strength: expect.any(String) } });
  });
  it("rejects a window that ends before it starts", () => {
    expect(buildRule(draft({ valid_from: "2026-11-23T09:00", valid_to: "2026-11-22T09:00" }))).toEqual({ errors: { valid_to: "The end must be after the start." } });
  });
});
