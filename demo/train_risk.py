"""Training the risk model: simulated snapshots -> time split -> LightGBM -> isotonic
calibration -> metrics against the rules -> registry (kind ``risk``).

``python -m demo.train_risk [--pairs 2000 --days 270 --seed 5] [--promote | --no-publish]``

Split by time (snapshot days of the simulation): the booster learns from the first part; the
calibration is fitted on a later slice; the metrics come from the last slice. Each slice
starts ``horizon`` days after the previous one ends, so no label window reaches into the next
slice. On part of the training rows (``MASK_SHARE``) the sales history is hidden, so the
model also scores an item known only by its description (``POST /api/ml/predict``).

Baseline: the rules-based danger level (``shared.projection.aging``, default thresholds) as a
score 0-3; its Brier score uses each level's share of unsold items on the calibration slice
(the best probability the rules could claim). Promotion is gated on ROC-AUC on the same
holdout (``holdout_id``). All figures come from the simulator, not from real sellers.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from demo.sim.inventory import InventoryHistory, simulate
from shared.ml.registry import ModelRegistry, Promotion
from shared.ml.retrain import add_publish_options
from shared.ml.risk.features import FEATURE_VERSION, FEATURES, matrix
from shared.ml.risk.model import KIND, RiskModel, registry
from shared.projection import aging

MASK_SHARE = 0.15
HISTORY = ("days_since_sale", "units_7d", "sold_30d", "days_of_cover")
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "verbose": -1,
    "num_threads": 1,
    "seed": 7,
    "deterministic": True,
}


@dataclass(frozen=True)
class Config:
    pairs: int = 2000
    days: int = 270
    seed: int = 5
    horizon: int = 30
    rounds: int = 300

    @property
    def slices(self) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
        """(train, calibration, test) as [start, end) snapshot days, a horizon apart."""
        last = self.days - self.horizon  # the last snapshot day with a known label
        test = (last - 30, last)
        cal = (test[0] - self.horizon - 30, test[0] - self.horizon)
        return (30, cal[0] - self.horizon), cal, test


def features_of(h: InventoryHistory) -> np.ndarray:
    return matrix(
        {
            "days_active": h.days_active,
            "days_since_sale": h.days_since_sale,
            "units": h.units,
            "unit_value": h.price,
            "mrp": h.mrp,
            "discount": 1.0 - h.price / h.mrp,
            "units_7d": h.units_7d,
            "sold_30d": h.sold_30d,
            "days_of_cover": h.days_of_cover,
            "category": h.category,
        },
        len(h),
    )


def rules_codes(h: InventoryHistory) -> np.ndarray:
    return aging.danger_codes(h.days_since_sale, h.days_of_cover, h.units, aging.Thresholds())


def evaluate(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    return {
        "roc_auc": round(float(roc_auc_score(y, p)), 4),
        "pr_auc": round(float(average_precision_score(y, p)), 4),
        "brier": round(float(brier_score_loss(y, np.clip(p, 0, 1))), 4),
    }


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, Any]]:
    """Mean predicted against observed share per probability decile (non-empty bins)."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    out = []
    for b in range(bins):
        mask = which == b
        if mask.sum() >= 20:
            out.append(
                {
                    "bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
                    "rows": int(mask.sum()),
                    "predicted": round(float(p[mask].mean()), 3),
                    "observed": round(float(y[mask].mean()), 3),
                }
            )
    return out


def train(config: Config) -> tuple[RiskModel, str]:
    """Fit, calibrate and evaluate; returns the model and its booster text."""
    h = simulate(config.pairs, config.days, config.seed, config.horizon)
    X, y, codes = features_of(h), h.no_sale_next.astype(np.float64), rules_codes(h)
    (a, b), (c, d), (e, f) = config.slices
    train_rows = (h.day >= a) & (h.day < b)
    cal_rows = (h.day >= c) & (h.day < d)
    test_rows = (h.day >= e) & (h.day < f)
    if min(train_rows.sum(), cal_rows.sum(), test_rows.sum()) < 200:
        raise ValueError(f"too few snapshots for a time split {config.slices}: simulate more days")

    rng = np.random.default_rng(config.seed)
    X_train = X[train_rows].copy()
    hidden = rng.random(len(X_train)) < MASK_SHARE
    for name in HISTORY:
        X_train[hidden, FEATURES.index(name)] = np.nan
    booster = lgb.train(
        PARAMS,
        lgb.Dataset(X_train, y[train_rows], feature_name=list(FEATURES), free_raw_data=True),
        num_boost_round=config.rounds,
    )
    raw_cal = booster.predict(X[cal_rows], num_threads=1)
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw_cal, y[cal_rows])

    level_rate = np.array(
        [
            y[cal_rows][codes[cal_rows] == k].mean() if (codes[cal_rows] == k).any() else y.mean()
            for k in range(4)
        ]
    )
    y_test = y[test_rows]
    p_test = iso.predict(booster.predict(X[test_rows], num_threads=1))
    model_metrics = evaluate(y_test, p_test)
    rules = {
        "roc_auc": round(float(roc_auc_score(y_test, codes[test_rows])), 4),
        "pr_auc": round(float(average_precision_score(y_test, codes[test_rows])), 4),
        "brier": round(float(brier_score_loss(y_test, level_rate[codes[test_rows]])), 4),
    }
    # An item known by its description only (the history hidden), on the same holdout.
    X_desc = X[test_rows].copy()
    for name in HISTORY:
        X_desc[:, FEATURES.index(name)] = np.nan
    description = evaluate(y_test, iso.predict(booster.predict(X_desc, num_threads=1)))
    table = calibration_table(y_test, p_test)
    holdout = hashlib.sha256(
        json.dumps([config.pairs, config.days, config.seed, config.horizon, config.slices]).encode()
    ).hexdigest()[:16]
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-r{config.seed}"
    metadata = {
        "version": version,
        "kind": KIND,
        "features": list(FEATURES),
        "feature_version": FEATURE_VERSION,
        "horizon_days": config.horizon,
        "params": PARAMS,
        "rounds": config.rounds,
        "calibration": {
            "method": "isotonic",
            "x": [float(v) for v in iso.X_thresholds_],
            "y": [float(v) for v in iso.y_thresholds_],
        },
        "metrics": {
            **model_metrics,
            "holdout_id": holdout,
            "rows": {
                "train": int(train_rows.sum()),
                "calibration": int(cal_rows.sum()),
                "test": int(test_rows.sum()),
            },
            "positive_share": round(float(y_test.mean()), 4),
            "rules_baseline": rules,
            "description_only": description,
            "calibration_table": table,
            "max_calibration_gap": max(
                (abs(r["predicted"] - r["observed"]) for r in table), default=0.0
            ),
        },
        "training": {
            "source": "simulated (demo.sim.inventory)",
            "pairs": config.pairs,
            "days": config.days,
            "seed": config.seed,
            "slices": {
                "train": config.slices[0],
                "calibration": config.slices[1],
                "test": config.slices[2],
            },
        },
        "trained_at": datetime.now(UTC).isoformat(),
    }
    text = booster.model_to_string()
    return RiskModel.from_text(text, metadata), text


def publish(reg: ModelRegistry[RiskModel], model: RiskModel, text: str, promote: bool) -> Promotion:
    version = reg.publish(text, model.metadata)
    if not promote:
        return Promotion(False, version, "published without promotion")
    return reg.promote_if_better(version)


def main(argv: Sequence[str] | None = None) -> int:
    defaults = Config()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=defaults.pairs)
    parser.add_argument("--days", type=int, default=defaults.days)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--rounds", type=int, default=defaults.rounds)
    add_publish_options(parser, KIND)
    args = parser.parse_args(argv)
    config = Config(args.pairs, args.days, args.seed, rounds=args.rounds)
    model, text = train(config)
    metrics = model.metadata["metrics"]
    print(
        json.dumps(
            {
                k: metrics[k]
                for k in (
                    "roc_auc",
                    "pr_auc",
                    "brier",
                    "rules_baseline",
                    "description_only",
                    "max_calibration_gap",
                    "positive_share",
                    "rows",
                )
            },
            indent=2,
        )
    )
    if not args.no_publish:
        from shared.adapters.blob import model_store

        store = model_store()
        store.ensure_container()
        decision = publish(registry(store), model, text, args.promote)
        print(f"published {KIND}/{decision.version}/: {decision.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
