import type { RuleCreate, RuleWindow } from "../../api/client";
import type { RuleType } from "../../api/types";
import { istInputToUtc } from "../../lib/format";

export interface RuleDraft {
  type: RuleType;
  item_id: string;
  position: string;
  strength: string;
  valid_from: string;
  valid_to: string;
  note: string;
}

export type RuleErrors = Partial<Record<keyof RuleDraft, string>>;

export const RULE_TYPES: { type: RuleType; label: string; help: string }[] = [
  { type: "pin", label: "Pin", help: "Hold an item at a fixed position." },
  { type: "boost", label: "Boost", help: "Raise an item's score by a strength between 0 and 1." },
  { type: "demote", label: "Demote", help: "Lower an item's score by a strength between 0 and 1." },
  { type: "remove", label: "Remove", help: "Take an item out of the ranking." },
  { type: "clearance", label: "Clearance boost", help: "Boost every overstocked item by a strength between 0 and 1." },
];

export const needsItem = (type: RuleType) => type !== "clearance";
export const needsStrength = (type: RuleType) => type === "boost" || type === "demote" || type === "clearance";

/**
 * Check a draft the way the API will and build the request. Errors name the form field, so the
 * form can mark it; the API answers 422 with the same field names if anything slips through.
 */
export function buildRule(draft: RuleDraft): { rule: RuleCreate; window: RuleWindow } | { errors: RuleErrors } {
  const errors: RuleErrors = {};
  const itemId = draft.item_id.trim();
  if (needsItem(draft.type) && !itemId) errors.item_id = "Enter the item id.";

  const position = Number(draft.position);
  if (draft.type === "pin" && (!Number.isInteger(position) || position < 1)) errors.position = "Position must be a whole number, 1 or more.";

  const strength = Number(draft.strength);
  if (needsStrength(draft.type) && (!(strength > 0) || strength > 1 || draft.strength.trim() === "")) errors.strength = "Strength must be more than 0 and at most 1.";

  const window: RuleWindow = {};
  if (draft.valid_from) {
    const utc = istInputToUtc(draft.valid_from);
    if (utc) window.valid_from = utc;
    else errors.valid_from = "Enter a date and time.";
  }
  if (draft.valid_to) {
    const utc = istInputToUtc(draft.valid_to);
    if (utc) window.valid_to = utc;
    else errors.valid_to = "Enter a date and time.";
  }
  if (window.valid_from && window.valid_to && Date.parse(window.valid_to) <= Date.parse(window.valid_from)) {
    errors.valid_to = "The end must be after the start.";
  }
  if (draft.note.trim()) window.note = draft.note.trim();
  if (Object.keys(errors).length) return { errors };

  let rule: RuleCreate;
  switch (draft.type) {
    case "pin":
      rule = { type: "pin", item_id: itemId, position };
      break;
    case "boost":
    case "demote":
      rule = { type: draft.type, item_id: itemId, strength };
      break;
    case "remove":
      rule = { type: "remove", item_id: itemId };
      break;
    case "clearance":
      rule = { type: "clearance", strength };
      break;
  }
  return { rule, window };
}
