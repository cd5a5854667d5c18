import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { PresetsTable } from "./PresetsPanel";
import { canDelete, columnsText, confirmText, shortFingerprint, type ListedPreset } from "./presets";

const AMAZON: ListedPreset = {
  id: "amazon-all-orders",
  name: "Amazon: all orders report",
  shipped: true,
  mapping: { source: "amazon", columns: { order_id: "amazon-order-id" } } as ListedPreset["mapping"],
  header: ["amazon-order-id", "sku", "purchase-date", "quantity", "item-price", "item-status"],
  fingerprint: "0123456789abcdef01234567",
};
const FLIPKART: ListedPreset = {
  id: "flipkart-orders",
  name: "Flipkart orders",
  shipped: false,
  mapping: { source: "flipkart", columns: { order_id: "Order Id" } } as ListedPreset["mapping"],
  header: ["Order Id", "SKU", "Ordered On", "Quantity"],
  fingerprint: "fedcba9876543210fedcba98",
  updated_at: "2026-12-01T06:30:00+00:00",
  updated_by: "admin@local",
};
const noop = () => undefined;

function render(isAdmin: boolean, confirming: string | null = null): string {
  return renderToStaticMarkup(<PresetsTable presets={[AMAZON, FLIPKART]} isAdmin={isAdmin} confirming={confirming} deleting={null} onAsk={noop} onKeep={noop} onDelete={noop} />);
}

describe("order-export presets list", () => {
  it("shows each preset's name, source, columns and fingerprint", () => {
    const html = render(false);
    expect(html).toContain('data-preset-id="flipkart-orders"');
    expect(html).toContain("Flipkart orders");
    expect(html).toContain('data-testid="preset-source">flipkart<');
    expect(html).toContain("4 columns: Order Id, SKU, Ordered On, Quantity<");
    expect(html).toContain('data-fingerprint="fedcba9876543210fedcba98"');
    expect(html).toContain("<code>fedcba9876</code>");
    expect(html).toContain("admin@local");
  });
  it("offers delete only to an admin, and only for the seller's own presets", () => {
    expect(render(false)).not.toContain("preset-delete");
    const admin = render(true);
    expect(admin.match(/data-testid="preset-delete"/g)).toHaveLength(1);
    const flipkartRow = admin.slice(admin.indexOf('data-preset-id="flipkart-orders"'));
    expect(flipkartRow).toContain('data-testid="preset-delete"');
    expect(canDelete(AMAZON, true)).toBe(false);
    expect(canDelete(FLIPKART, true)).toBe(true);
    expect(canDelete(FLIPKART, false)).toBe(false);
  });
  it("asks before deleting, naming the preset and what happens next", () => {
    const html = render(true, "flipkart-orders");
    expect(html).toContain('data-testid="preset-confirm-box"');
    expect(html).toContain('data-testid="preset-delete-confirm"');
    expect(html).not.toContain('data-testid="preset-delete"');
    expect(confirmText(FLIPKART)).toBe(
      'Delete the preset "Flipkart orders"? The next flipkart export with this header will ask for its mapping again; imports already made keep their orders.',
    );
  });
  it("summarises long headers and shortens fingerprints", () => {
    expect(columnsText(AMAZON.header)).toBe("6 columns: amazon-order-id, sku, purchase-date, quantity, … 2 more");
    expect(columnsText(["Only"])).toBe("1 column: Only");
    expect(shortFingerprint(AMAZON.fingerprint)).toBe("0123456789");
  });
});
