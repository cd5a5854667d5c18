import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { KindReport } from "./HoldoutPanel";
import { holdoutRows, liftText, rankedByText, sampleText, windowText, type HoldoutKind } from "./holdout";

const KIND: HoldoutKind = {
  kind: "live:myntra+meesho",
  label: "Myntra and Meesho",
  products: 20,
  selling_products: 10,
  units_sold: 385,
  ranked_by: "model",
  status: "ok",
  ndcg: { model: 0.4554, popularity: 0.4554, popularity_in_stock: 0.4, recent_velocity: 1, recency_weighted: 0.9951 },
  strongest_baseline: "recent_velocity",
  lift: -0.5446,
  winner: "recent_velocity",
  verdict: "…",
};

describe("holdout report", () => {
  it("names the window's first and last days (the end is the midnight after)", () => {
    expect(windowText({ from: "2026-11-16T00:00:00+00:00", to: "2026-11-30T00:00:00+00:00", days: 14 })).toBe("16 Nov 2026 – 29 Nov 2026 (14 days)");
  });
  it("lists the model first, then the baselines best first, the winner marked", () => {
    const rows = holdoutRows(KIND);
    expect(rows.map((r) => r.name)).toEqual(["model", "recent_velocity", "recency_weighted", "popularity", "popularity_in_stock"]);
    expect(rows.map((r) => r.ndcg)).toEqual(["0.455", "1.000", "0.995", "0.455", "0.400"]);
    expect(rows.filter((r) => r.winner).map((r) => r.name)).toEqual(["recent_velocity"]);
  });
  it("says by how much the model wins or loses, and against which baseline", () => {
    expect(liftText(KIND)).toBe("The model −54.5% against recent velocity");
    expect(liftText({ ...KIND, lift: 0.125, winner: "model" })).toBe("The model +12.5% over recent velocity");
  });
  it("gives no figures where there were not enough sales", () => {
    const thin: HoldoutKind = { ...KIND, status: "not_enough_sales", ndcg: null, winner: null, lift: undefined, strongest_baseline: undefined, units_sold: 1, selling_products: 1 };
    expect(holdoutRows(thin)).toEqual([]);
    expect(liftText(thin)).toBeNull();
    expect(sampleText(thin)).toBe("1 of 20 products sold 1 unit");
  });
  it("says what ranks the kind in production", () => {
    expect(rankedByText(KIND)).toBe("Ranked in production by the model");
    expect(rankedByText({ ...KIND, ranked_by: "popularity" })).toBe("Ranked in production by popularity");
    expect(sampleText(KIND)).toBe("10 of 20 products sold 385 units");
  });
});

describe("a kind's part of the panel", () => {
  it("shows every ranking's figure, the winner marked, the lift and the sentence", () => {
    const html = renderToStaticMarkup(<KindReport kind={{ ...KIND, verdict: "Recent velocity ranked your sales better." }} />);
    expect(html.match(/data-testid="holdout-row"/g)).toHaveLength(5);
    expect(html).toContain('<tr data-testid="holdout-row" data-ranker="recent_velocity" class="holdout-winner">');
    expect(html).toContain('data-testid="holdout-lift" data-lift="-0.5446"');
    expect(html).toContain('data-winner="recent_velocity">Recent velocity ranked your sales better.</p>');
    expect(html).toContain('data-units="385"');
  });
  it("gives only the sample and the sentence when there were not enough sales", () => {
    const thin: HoldoutKind = { ...KIND, status: "not_enough_sales", ndcg: null, winner: null, lift: undefined, strongest_baseline: undefined, verdict: "Myntra and Meesho: not enough sales yet." };
    const html = renderToStaticMarkup(<KindReport kind={thin} />);
    expect(html).not.toContain("<table");
    expect(html).not.toContain("holdout-lift");
    expect(html).toContain('data-status="not_enough_sales"');
    expect(html).toContain("not enough sales yet.");
  });
});
