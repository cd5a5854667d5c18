import { renderToStaticMarkup } from "react-dom/server";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import type { Explanation, RankChange } from "../../api/types";
import { baselineName, partWords, rankedByBaseline } from "./baseline";
import { RankChangeAnswer } from "./RankChangeAnswer";
import { WhyThisScore } from "./WhyThisScore";

const MODEL: Explanation = {
  item_id: "SKU-1",
  model_version: "m-7",
  base_value: 0.1,
  raw_score: 0.35,
  contributions: [
    { feature: "units_24h", value: 4, contribution: 0.2 },
    { feature: "price_vs_competitor", value: 0.95, contribution: 0.08 },
    { feature: "stock", value: 3, contribution: -0.03 },
  ],
};

const PARTS = [
  { part: "span_0", words: "units sold in the last 24 h", value: 4, contribution: 0.5625 },
  { part: "span_1", words: "units sold on days 2-7", value: 9, contribution: 0.75 },
  { part: "span_2", words: "units sold on days 8-14", value: 2, contribution: 0.125 },
  { part: "span_3", words: "units sold on days 15-30", value: 0, contribution: 0 },
];

const BY_BASELINE: Explanation = {
  ...MODEL,
  ranked_by: "recency_weighted",
  baseline: { name: "recency_weighted", score: 1.4375, parts: PARTS },
};

const html = (explanation: Explanation) =>
  renderToStaticMarkup(
    <MemoryRouter>
      <WhyThisScore explanation={explanation} />
    </MemoryRouter>,
  );

const attrs = (markup: string, name: string) => [...markup.matchAll(new RegExp(`${name}="([^"]*)"`, "g"))].map((m) => m[1]);

describe("the item's explanation", () => {
  it("is the model's SHAP chart alone when the model ranks the item, or the answer does not say", () => {
    const byModel = html({ ...MODEL, ranked_by: "model" });
    expect(byModel).toBe(html(MODEL));
    expect(byModel.startsWith('<div class="shap" data-testid="shap-chart">')).toBe(true);
    expect(byModel).toContain('data-testid="shap-raw-score">0.3500</b>');
    expect(byModel.match(/data-testid="shap-row"/g)).toHaveLength(3);
    for (const id of ["explain-ranked-by", "baseline-parts", "baseline-part", "explain-model-head"]) expect(byModel).not.toContain(`data-testid="${id}"`);
  });

  it("says first that a baseline ranks the item, and why, linking to the holdout panel", () => {
    const markup = html(BY_BASELINE);
    expect(markup.indexOf('data-testid="explain-ranked-by"')).toBeLessThan(markup.indexOf('data-testid="baseline-parts"'));
    expect(markup).toContain('<p class="notice explain-note" role="note" data-testid="explain-ranked-by" data-ranked-by="recency_weighted">');
    const note = markup.slice(markup.indexOf('data-testid="explain-ranked-by"'), markup.indexOf("</p>"));
    expect(note.replace(/<[^>]+>/g, "")).toContain(
      "This item is ranked by recent sales, the newest counting most, not by the model: on this kind of data the model did not beat that ranking by the required 10% across held-out simulated worlds.",
    );
    expect(note).toContain('href="/rankings#holdout"');
  });

  it("lists the baseline's parts in a table that stacks on a phone, and the score they add up to", () => {
    const markup = html(BY_BASELINE);
    expect(markup).toContain('<table class="table table-stack compact" data-testid="baseline-parts">');
    expect(attrs(markup, "data-part")).toEqual(["span_0", "span_1", "span_2", "span_3"]);
    const sum = attrs(markup, "data-contribution").slice(0, 4).map(Number).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1.4375, 9);
    expect(markup).toContain('data-testid="baseline-score" data-score="1.4375"');
    expect(markup).toContain('data-testid="baseline-total">1.4375</b>');
    expect(markup).toContain('<th scope="row" class="card-title">units sold on days 2-7</th><td class="num" data-label="Value">9</td><td class="num mono" data-label="Adds">+0.7500</td>');
  });

  it("then gives the model's SHAP chart, headed as not what sets the rank", () => {
    const markup = html(BY_BASELINE);
    expect(markup).toContain('data-testid="explain-model-head">What the model would score (not used for this item&#x27;s rank)</h3>');
    expect(markup.indexOf('data-testid="baseline-total"')).toBeLessThan(markup.indexOf('data-testid="explain-model-head"'));
    expect(markup.indexOf('data-testid="explain-model-head"')).toBeLessThan(markup.indexOf('data-testid="shap-chart"'));
    expect(markup.match(/data-testid="shap-row"/g)).toHaveLength(3);
  });

  it("shows an out-of-stock item's one part, and still says why when the answer has no parts", () => {
    const out = html({
      ...BY_BASELINE,
      ranked_by: "popularity_in_stock",
      baseline: { name: "popularity_in_stock", score: -1, parts: [{ part: "in_stock", words: "out of stock: ranked after every item in stock", value: 0, contribution: -1 }] },
    });
    expect(out.match(/data-testid="baseline-part"/g)).toHaveLength(1);
    expect(out).toContain("out of stock: ranked after every item in stock</th>");
    expect(out).toContain('data-testid="baseline-total">-1.0000</b>');
    const bare = html({ ...MODEL, ranked_by: "popularity" });
    expect(bare).toContain('data-ranked-by="popularity"');
    expect(bare).not.toContain('data-testid="baseline-parts"');
    expect(bare).toContain('data-testid="shap-chart"');
  });
});

const CHANGE: RankChange = {
  item_id: "SKU-1",
  since: "2026-12-07T10:00:00Z",
  reasons: ["units sold in the last 24 h rose from 1 to 4: +0.42"],
  changes: [
    { feature: "span_0", value_then: 1, value_now: 4, contribution_then: 0.1406, contribution_now: 0.5625, delta: 0.4219, sentence: "units sold in the last 24 h rose from 1 to 4: +0.42" },
    { feature: "span_1", value_then: 9, value_now: 9, contribution_then: 0.75, contribution_now: 0.75, delta: 0, sentence: "units sold on days 2-7 stayed at 9: +0.00" },
  ],
  rank_then: 12,
  rank_then_at: null,
  rank_now: 5,
  score_then: 1.0156,
  score_now: 1.4375,
};

const answer = (change: RankChange, words?: Record<string, string>) =>
  renderToStaticMarkup(<RankChangeAnswer change={change} thenFromLink={null} onHourAgo={() => undefined} partWords={words} />);

describe("the rank-change answer", () => {
  it("says, above the reasons, that they are the baseline's parts when a baseline ranks the item", () => {
    const markup = answer({ ...CHANGE, ranked_by: "recency_weighted" }, partWords(PARTS));
    expect(markup).toContain(
      '<p class="small" data-testid="rank-change-ranked-by" data-ranked-by="recency_weighted">This item is ranked by recent sales, the newest counting most, not by the model, so these reasons are the parts of that score that moved.</p>',
    );
    expect(markup.indexOf('data-testid="rank-change-ranked-by"')).toBeLessThan(markup.indexOf('data-testid="rank-change-reasons"'));
    expect(markup.match(/data-testid="rank-change-reason"/g)).toHaveLength(1);
    expect(markup).toContain("All 2 parts of the score, then and now");
    expect(markup).toContain('<th scope="row" class="card-title" title="units sold in the last 24 h rose from 1 to 4: +0.42">units sold in the last 24 h</th>');
    expect(markup).toContain("Score 1.016 → 1.438 (+0.422). Each reason is one part of that ranking&#x27;s score, then and now");
  });

  it("reads as before when the model ranks the item or the answer does not say", () => {
    const byModel = answer({ ...CHANGE, ranked_by: "model" });
    expect(byModel).toBe(answer(CHANGE));
    expect(byModel).not.toContain("rank-change-ranked-by");
    expect(byModel).toContain("All 2 features, then and now");
    expect(byModel).toContain("Each reason is a feature&#x27;s value then and now, and how much it moved the score.");
    expect(byModel).toContain("Rank <strong>#12 → #5, up 7</strong>");
  });
});

describe("baselines", () => {
  it("are named in the seller's words, and the model or an older answer is not one", () => {
    expect(rankedByBaseline("model")).toBe(false);
    expect(rankedByBaseline(undefined)).toBe(false);
    expect(rankedByBaseline("popularity")).toBe(true);
    expect(baselineName("recent_velocity")).toBe("recent sales pace");
    expect(baselineName("conversion_7d")).toBe("conversion 7d");
  });
});
