// The "complete this listing" form: validation before sending, the request body, and where a
// 422 from PUT /api/catalogue/{id} goes (next to the field it names).
import type { ListingDetails } from "../../api/types";

export const LISTING_FIELDS = ["title", "category", "price", "stock", "mrp", "brand", "asin"] as const;
export type ListingField = (typeof LISTING_FIELDS)[number];
export type ListingDraft = Record<ListingField, string>;
export type FieldErrors = Partial<Record<ListingField, string>>;

export function emptyDraft(price?: number | null): ListingDraft {
  return { title: "", category: "", price: price && price > 0 ? String(price) : "", stock: "", mrp: "", brand: "", asin: "" };
}

function number(text: string): number | null {
  const clean = text.replace(/[₹,\s]/g, "");
  if (clean === "") return null;
  const value = Number(clean);
  return Number.isFinite(value) ? value : Number.NaN;
}

/** Check a draft; either errors per field or the body for PUT /api/catalogue/{id}. */
export function listingBody(draft: ListingDraft): { errors: FieldErrors; body: ListingDetails | null } {
  const errors: FieldErrors = {};
  const title = draft.title.trim();
  const category = draft.category.trim();
  const brand = draft.brand.trim();
  const asin = draft.asin.trim().toUpperCase();
  if (!title) errors.title = "Enter the product title.";
  else if (title.length > 300) errors.title = "At most 300 characters.";
  if (!category) errors.category = "Enter a category.";
  else if (category.length > 128) errors.category = "At most 128 characters.";
  const price = number(draft.price);
  if (price === null) errors.price = "Enter the listing price in rupees.";
  else if (Number.isNaN(price) || price <= 0 || price > 10_000_000) errors.price = "A price above ₹0 and at most ₹1 Cr.";
  const stock = number(draft.stock);
  if (stock === null) errors.stock = "Enter the units on hand now.";
  else if (Number.isNaN(stock) || !Number.isInteger(stock) || stock < 0 || stock > 10_000_000) errors.stock = "A whole number of units, 0 or more.";
  const mrp = number(draft.mrp);
  if (mrp !== null) {
    if (Number.isNaN(mrp) || mrp <= 0 || mrp > 10_000_000) errors.mrp = "An MRP above ₹0, or leave it blank.";
    else if (price !== null && !Number.isNaN(price) && mrp < price) errors.mrp = "The MRP cannot be below the price.";
  }
  if (brand.length > 128) errors.brand = "At most 128 characters.";
  if (asin && !/^[A-Z0-9]{10}$/.test(asin)) errors.asin = "An ASIN is 10 letters or digits, e.g. B0C1234567.";
  if (Object.keys(errors).length) return { errors, body: null };
  const body: ListingDetails = { title, category, price: price as number, stock: stock as number };
  if (mrp !== null) body.mrp = mrp;
  if (brand) body.brand = brand;
  if (asin) body.asin = asin;
  return { errors, body };
}

/** The form field a 422's `field` names ("body.price" or "price"), or null for a form-wide error. */
export function fieldOf(field: string | null | undefined): ListingField | null {
  if (!field) return null;
  const last = field.split(/[.[\]]/).filter(Boolean).pop() ?? "";
  return (LISTING_FIELDS as readonly string[]).includes(last) ? (last as ListingField) : null;
}
