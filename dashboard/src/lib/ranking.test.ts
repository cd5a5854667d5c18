import { describe, expect, it } from "vitest";
import type { RankItem } from "../api/types";
import { matchesQuery, mergeLiveRanking, rankArrow } from "./ranking";

function item(id: string, rank: number, extra: Partial<RankItem> = {}): RankItem {
  return {
    item_id: id, title: `Title ${id}`, category: "Kurtas", marketplace: "myntra", brand: "Biba",
    price: 999, mrp: 1499, stock: 20, score: 1 - rank / 100, rank, previous_rank: rank, rank_change: 0, rules: [], ...extra,
  };
}

describe("rankArrow", () => {
  it("points up for a positive change", () => {
    expect(rankArrow({ previous_rank: 5, rank_change: 3 })).toMatchObject({ dir: "up", label: "▲3" });
  });
  it("points down for a negative change", () => {
    expect(rankArrow({ previous_rank: 2, rank_change: -4 })).toMatchObject({ dir: "down", label: "▼4" });
  });
  it("is flat when unchanged and marks new items", () => {
    expect(rankArrow({ previous_rank: 7, rank_change: 0 }).dir).toBe("same");
    expect(rankArrow({ previous_rank: null, rank_change: null })).toMatchObject({ dir: "new", label: "NEW" });
  });
});

describe("matchesQuery", () => {
  const kurta = item("MYN-1", 1, { title: "Biba Anarkali Kurta" });
  it("applies category, marketplace and case-insensitive search on title or id", () => {
    expect(matchesQuery(kurta, {})).toBe(true);
    expect(matchesQuery(kurta, { category: "Sarees" })).toBe(false);
    expect(matchesQuery(kurta, { marketplace: "amazon" })).toBe(false);
    expect(matchesQuery(kurta, { q: "anarkali" })).toBe(true);
    expect(matchesQuery(kurta, { q: "myn-1" })).toBe(true);
    expect(matchesQuery(kurta, { q: "saree" })).toBe(false);
  });
});

describe("mergeLiveRanking", () => {
  it("moves a pinned item to the top of the first page", () => {
    const page = [item("a", 1), item("b", 2), item("c", 3)];
    const pinned = item("z", 1, { previous_rank: 40, rank_change: 39, rules: [{ id: "r1", type: "pin" }] });
    const live = [pinned, item("a", 2), item("b", 3), item("c", 4)];
    const merged = mergeLiveRanking(page, live, {}, 3);
    expect(merged.map((i) => i.item_id)).toEqual(["z", "a", "b"]);
    expect(merged[0].rules).toEqual([{ id: "r1", type: "pin" }]);
  });

  it("takes fresh fields from the message for items already on the page", () => {
    const merged = mergeLiveRanking([item("a", 1, { stock: 20 })], [item("a", 1, { stock: 17, score: 0.5 })], {}, 50);
    expect(merged[0]).toMatchObject({ stock: 17, score: 0.5 });
  });

  it("drops items the message proves are gone from the top", () => {
    const page = [item("a", 1), item("gone", 2), item("b", 3)];
    const live = [item("a", 1), item("b", 2)];
    expect(mergeLiveRanking(page, live, {}, 50).map((i) => i.item_id)).toEqual(["a", "b"]);
  });

  it("keeps page items ranked below what the message covers", () => {
    const page = [item("x", 60), item("y", 61)];
    const live = [item("a", 1), item("b", 2)];
    expect(mergeLiveRanking(page, live, { offset: 50 }, 50).map((i) => i.item_id)).toEqual(["x", "y"]);
  });

  it("only lets items that match the filters join", () => {
    const page = [item("k1", 4)];
    const live = [item("s1", 1, { category: "Sarees" }), item("k2", 2), item("k1", 3)];
    const merged = mergeLiveRanking(page, live, { category: "Kurtas" }, 50);
    expect(merged.map((i) => i.item_id)).toEqual(["k2", "k1"]);
  });

  it("does not add items to later pages and caps the length", () => {
    const live = Array.from({ length: 10 }, (_, i) => item(`i${i}`, i + 1));
    expect(mergeLiveRanking([], live, { offset: 50 }, 5)).toEqual([]);
    expect(mergeLiveRanking([], live, {}, 5)).toHaveLength(5);
  });
});
