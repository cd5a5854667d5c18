"""NDCG of the ranking model and the baselines on a holdout.

Baselines on the same holdout: popularity (units
sold in the 7 days before the cutoff, the "bestsellers" list), popularity among in-stock items
(out-of-stock items last), recent conversion rate (the smoothed 7-day orders per click) and
random. The lift is reported against raw popularity and against the strongest of the non-random
baselines. Ties in any ranking are broken by one fixed random order, so a baseline gains nothing
from the order of the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from shared.ml.baselines import BASELINES, baseline_scores
from shared.ml.features import COLUMN, FILE_SIGNALS
from shared.ml.training_set import Dataset


def ndcg_at(k: int, scores: np.ndarray, relevance: np.ndarray, tiebreak: np.ndarray) -> float:
    """NDCG@k with gain 2^rel - 1 and log2 discount; ties ordered by ``tiebreak``."""
    order = np.lexsort((tiebreak, -scores))[:k]
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    gains = (2.0 ** relevance[order] - 1.0) @ discounts[: len(order)]
    ideal_rel = np.sort(relevance)[::-1][:k]
    ideal = (2.0**ideal_rel - 1.0) @ discounts[: len(ideal_rel)]
    return float(gains / ideal) if ideal > 0 else 0.0


def evaluate(scorer: Callable[[np.ndarray], np.ndarray], data: Dataset, seed: int) -> dict:
    """Mean NDCG@10/@20 over the holdout cutoffs for ``scorer`` and the two baselines."""
    rng = np.random.default_rng(seed)
    result: dict[str, list[float]] = {}
    start = 0
    for size in data.groups:
        X = data.X[start : start + size]
        rel = data.relevance[start : start + size]
        tiebreak = rng.permutation(size)
        candidates = {"model": scorer(X), **baseline_scores(X), "random": rng.random(size)}
        for name, scores in candidates.items():
            for k in (10, 20):
                result.setdefault(f"{name}@{k}", []).append(ndcg_at(k, scores, rel, tiebreak))
        start += size
    return {key: round(float(np.mean(values)), 4) for key, values in result.items()}


def summarise(scores: Mapping[str, float]) -> dict[str, Any]:
    """NDCG of the model and every baseline, the lift vs popularity and vs the strongest one."""
    strongest = max(BASELINES, key=lambda name: scores[f"{name}@20"])
    return {
        "ndcg@10": scores["model@10"],
        "ndcg@20": scores["model@20"],
        "baselines": {
            name: {"ndcg@10": scores[f"{name}@10"], "ndcg@20": scores[f"{name}@20"]}
            for name in (*BASELINES, "random")
        },
        "lift_vs_popularity@20": _lift(scores["model@20"], scores["popularity@20"]),
        "strongest_baseline": strongest,
        "lift_vs_strongest@20": _lift(scores["model@20"], scores[f"{strongest}@20"]),
    }


def _lift(model: float, baseline: float) -> float:
    return round(model / max(baseline, 1e-9) - 1.0, 4)


def file_kind(
    scorer: Callable[[np.ndarray], np.ndarray], data: Dataset, seed: int
) -> dict[str, Any]:
    """The model against the baselines on file-sending sellers, and the model's NDCG with the
    columns only files send blanked (what those signals add)."""
    result: dict[str, Any] = {"marketplaces": "files", **summarise(evaluate(scorer, data, seed))}
    blanked = data.X.copy()
    blanked[:, [COLUMN[c] for columns in FILE_SIGNALS.values() for c in columns]] = np.nan
    without = evaluate(scorer, Dataset(blanked, data.units, data.groups, data.cutoffs, []), seed)
    result["without_file_signals"] = {
        "ndcg@10": without["model@10"],
        "ndcg@20": without["model@20"],
    }
    result["served"] = "model"
    return result
