// The saved order-export presets as the Imports page lists them (GET /api/import-presets).
import type { Preset } from "./mapping";

/** A preset as listed: shipped ones carry their source URL, a seller's who saved it and when. */
export interface ListedPreset extends Preset {
  source_url?: string;
  created_at?: string;
  created_by?: string;
  updated_at?: string;
  updated_by?: string;
}

/** The header's fingerprint as shown: long enough to tell presets apart at a glance. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.slice(0, 10);
}

/** "8 columns: Order Id, SKU, Order Date, …" with at most ``shown`` names. */
export function columnsText(header: string[], shown = 4): string {
  const names = header.slice(0, shown).join(", ");
  const more = header.length > shown ? `, … ${header.length - shown} more` : "";
  return `${header.length} column${header.length === 1 ? "" : "s"}: ${names}${more}`;
}

/** Only an admin deletes, and only a seller's own preset: shipped presets stay. */
export function canDelete(preset: ListedPreset, isAdmin: boolean): boolean {
  return isAdmin && !preset.shipped;
}

/** What the confirmation says before a preset goes. */
export function confirmText(preset: ListedPreset): string {
  return `Delete the preset "${preset.name}"? The next ${preset.mapping.source} export with this header will ask for its mapping again; imports already made keep their orders.`;
}
