import { describe, expect, it } from "vitest";
import { emptyDraft, fieldOf, listingBody } from "./catalogueForm";

describe("listing form", () => {
  it("needs title, category, price and stock", () => {
    const { errors, body } = listingBody(emptyDraft());
    expect(body).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(["category", "price", "stock", "title"]);
  });

  it("builds the body, leaving out blank optional fields", () => {
    const draft = { ...emptyDraft(1299), title: " Cotton kurta ", category: "Ethnic wear", stock: "12" };
    expect(listingBody(draft)).toEqual({ errors: {}, body: { title: "Cotton kurta", category: "Ethnic wear", price: 1299, stock: 12 } });
  });

  it("reads rupees with grouping and checks MRP, stock and ASIN", () => {
    const draft = { ...emptyDraft(), title: "Saree", category: "Sarees", price: "₹1,099", stock: "2.5", mrp: "999", asin: "b0c12" };
    const { errors } = listingBody(draft);
    expect(errors.price).toBeUndefined();
    expect(errors.stock).toMatch(/whole number/);
    expect(errors.mrp).toMatch(/below the price/);
    expect(errors.asin).toMatch(/10 letters/);
    const ok = listingBody({ ...draft, stock: "3", mrp: "1,499", asin: "b0c1234567", brand: "Biba" });
    expect(ok.body).toEqual({ title: "Saree", category: "Sarees", price: 1099, stock: 3, mrp: 1499, asin: "B0C1234567", brand: "Biba" });
  });

  it("puts a 422 next to the field it names", () => {
    expect(fieldOf("price")).toBe("price");
    expect(fieldOf("body.mrp")).toBe("mrp");
    expect(fieldOf("nonsense")).toBeNull();
    expect(fieldOf(null)).toBeNull();
  });
});
