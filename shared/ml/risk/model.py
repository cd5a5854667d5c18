"""The trained risk model: loads and scores (the trainer, ``demo.train_risk``, fits).

A LightGBM binary booster (text) plus an isotonic calibration (fitted on a later slice of
time than the booster, stored as its breakpoints in the metadata), so a score of 0.8 means
that about 80% of such items did not sell within the horizon. Reasons are SHAP values of the
booster's log-odds from ``shap.TreeExplainer`` (one per model object).
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
import shap

from shared.core.errors import FeatureMismatch
from shared.ml.registry import ModelRegistry
from shared.ml.risk.features import FEATURE_VERSION, FEATURES

# The risk model is trained on simulated inventory histories, so its trainer is the demo's.
TRAIN_COMMAND = "python -m demo.train_risk --promote"
RETRAIN = f"train one with {TRAIN_COMMAND}"
KIND = "risk"
GATE = "roc_auc"  # promotion compares models on this metric of the same holdout


class RiskModel:
    def __init__(self, booster: lgb.Booster, metadata: Mapping[str, Any]) -> None:
        self.booster = booster
        self.metadata = dict(metadata)
        self.version = str(metadata.get("version", "unversioned"))
        self.features: tuple[str, ...] = tuple(metadata["features"])
        self.feature_version = str(metadata.get("feature_version", ""))
        calibration = metadata["calibration"]
        self._cal_x = np.asarray(calibration["x"], dtype=np.float64)
        self._cal_y = np.asarray(calibration["y"], dtype=np.float64)
        self.horizon_days = int(metadata.get("horizon_days", 30))
        self._lock = threading.Lock()
        self._explainer: shap.TreeExplainer | None = None
        self.check_features(FEATURES, FEATURE_VERSION)

    @classmethod
    def from_text(cls, model_txt: str, metadata: Mapping[str, Any]) -> RiskModel:
        return cls(lgb.Booster(model_str=model_txt), metadata)

    def check_features(self, expected: Sequence[str], feature_version: str) -> None:
        if tuple(expected) != self.features or feature_version != self.feature_version:
            raise FeatureMismatch(
                f"risk model {self.version} was trained with {list(self.features)} "
                f"({self.feature_version}), the scorer builds {list(expected)} "
                f"({feature_version}): retrain with {TRAIN_COMMAND}",
                model_version=self.version,
            )

    def raw(self, X: np.ndarray) -> np.ndarray:
        """Uncalibrated probabilities."""
        if X.ndim != 2 or X.shape[1] != len(self.features):
            raise FeatureMismatch(
                f"risk model {self.version} expects {len(self.features)} feature columns, got "
                f"{X.shape[1] if X.ndim == 2 else X.shape}: retrain with {TRAIN_COMMAND}",
                model_version=self.version,
            )
        if not len(X):
            return np.empty(0)
        return np.asarray(self.booster.predict(X, num_threads=1), dtype=np.float64)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probability that the item does not sell within the horizon."""
        return np.interp(self.raw(X), self._cal_x, self._cal_y)

    def reasons(self, X: np.ndarray, top: int = 3) -> list[list[dict[str, Any]]]:
        """Per row, the ``top`` features by absolute SHAP value (log-odds of not selling)."""
        with self._lock:
            if self._explainer is None:
                self._explainer = shap.TreeExplainer(self.booster)
            explainer = self._explainer
        with warnings.catch_warnings():
            # shap announces that a binary LightGBM model's values come as a list per class.
            warnings.filterwarnings("ignore", "LightGBM binary classifier", UserWarning)
            values = explainer.shap_values(np.atleast_2d(X))
        if isinstance(values, list):
            values = values[-1]  # the positive class: not selling
        values = np.asarray(values, dtype=np.float64)
        out = []
        for row, contrib in zip(np.atleast_2d(X), values, strict=True):
            order = np.argsort(-np.abs(contrib))[:top]
            out.append(
                [
                    {
                        "feature": self.features[i],
                        "value": None if math.isnan(row[i]) else float(row[i]),
                        "contribution": round(float(contrib[i]), 4),
                        "effect": "raises risk" if contrib[i] > 0 else "lowers risk",
                    }
                    for i in order
                ]
            )
        return out


def registry(store: Any) -> ModelRegistry[RiskModel]:
    """The risk model's registry (kind ``risk``), promotion gated on ``GATE``."""
    return ModelRegistry(store, kind=KIND, metric=GATE, loader=RiskModel.from_text, retrain=RETRAIN)
