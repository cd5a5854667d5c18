"""What sells together: frequent itemsets and association rules with mlxtend's FP-growth.

Marketplace orders are mostly one item, so a basket is everything one buyer bought (their
salted key); Amazon orders, which carry no buyer, are baskets by order id. Only baskets of two
or more products can show what sells together, so support, confidence and lift are measured
among those: "of the buyers who bought more than one product".
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
from mlxtend.frequent_patterns import association_rules, fpgrowth

BASKETS = """
SELECT list(DISTINCT item_id) AS items
FROM fact_sales WHERE line_kind = 'order' AND NOT is_cancelled
GROUP BY coalesce(customer_key, order_id)
HAVING count(DISTINCT item_id) >= 2
"""


def rules(baskets: list[list[str]], min_support: float, max_rules: int = 50) -> dict[str, Any]:
    if not baskets:
        return {"baskets": 0, "itemsets": [], "rules": []}
    # Only items frequent on their own can be in a frequent itemset (the apriori property):
    # dropping the rest first keeps the one-hot matrix small for a large catalogue.
    counts = Counter(i for b in baskets for i in b)
    needed = min_support * len(baskets)
    items = sorted(i for i, c in counts.items() if c >= needed)
    if not items:
        return {"baskets": len(baskets), "itemsets": [], "rules": []}
    index = {item: n for n, item in enumerate(items)}
    rows, cols = [], []
    for r, basket in enumerate(baskets):
        for item in basket:
            if item in index:
                rows.append(r)
                cols.append(index[item])
    matrix = np.zeros((len(baskets), len(items)), dtype=bool)
    matrix[rows, cols] = True
    onehot = pd.DataFrame(matrix, columns=items)
    frequent = fpgrowth(onehot, min_support=min_support, use_colnames=True, max_len=3)
    itemsets: list[dict[str, Any]] = [
        {"items": sorted(s), "support": round(float(sup), 4)}
        for s, sup in zip(frequent["itemsets"], frequent["support"], strict=True)
        if len(s) > 1
    ]
    found: list[dict[str, Any]] = []
    if any(len(s) > 1 for s in frequent["itemsets"]):
        # mlxtend also computes metrics we do not serve (certainty, Zhang's, ...), which
        # divide by zero when an item is in every basket: those NaNs are never read.
        with np.errstate(divide="ignore", invalid="ignore"):
            table = association_rules(frequent, metric="confidence", min_threshold=0.1)
        candidates = [
            {
                "antecedents": sorted(r.antecedents),
                "consequents": sorted(r.consequents),
                "support": round(float(r.support), 4),
                "confidence": round(float(r.confidence), 4),
                "lift": round(float(r.lift), 4),
            }
            for r in table.itertuples()
        ]
        found = ranked(without_redundant(candidates))[:max_rules]
    itemsets.sort(key=lambda s: -s["support"])
    return {"baskets": len(baskets), "itemsets": itemsets[:max_rules], "rules": found}


def without_redundant(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop ``{A, X} -> B`` when a rule with fewer antecedents (``A -> B``) predicts the same
    consequent at least as well: X adds nothing (Bayardo's minimum improvement, at zero)."""
    by_consequent: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for rule in found:
        by_consequent.setdefault(tuple(rule["consequents"]), []).append(rule)
    kept = []
    for rule in found:
        antecedents = set(rule["antecedents"])
        redundant = any(
            set(other["antecedents"]) < antecedents and other["confidence"] >= rule["confidence"]
            for other in by_consequent[tuple(rule["consequents"])]
        )
        if not redundant:
            kept.append(rule)
    return kept


def ranked(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Highest lift first; among equal lift the higher support, then fewer items (so ``A -> B``
    leads its supersets), then higher confidence, then the names (a stable order)."""
    return sorted(
        found,
        key=lambda r: (
            -r["lift"],
            -r["support"],
            len(r["antecedents"]) + len(r["consequents"]),
            -r["confidence"],
            r["antecedents"],
            r["consequents"],
        ),
    )
