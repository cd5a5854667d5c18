"""The predictor: a trained LightGBM ranker with its ordered feature contract.

The trainer (``shared.ml.ranker_training``) fits and serialises; this class only loads and predicts,
so the serving path never imports training code. A model remembers the exact ordered feature list it
was trained with and the version of the features' meaning (``FEATURE_VERSION``), and scoring refuses
any other list or version instead of silently mis-reading columns.

A model may carry a ``fallback`` (metadata, written by the trainer): the kinds of data it does
not rank well enough (marketplaces in live mode, sellers who send files, the demo feed), each
with the baseline to rank them by (``shared.ml.baselines``). ``score`` applies it;
``predict`` is always the model alone.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import lightgbm as lgb
import numpy as np

from shared.core.errors import FeatureMismatch, ModelError
from shared.ml.baselines import apply_fallback, ranked_by

# What an operator runs when a model cannot serve: the store's own log once it has one, the
# simulated worlds before (a fresh deployment's first model).
RETRAIN = (
    "retrain with python -m shared.ml.retrain --promote (on the store's event log), or "
    "python -m demo.train_ranker --promote before any seller data exists"
)


class RankerModel:
    """Raw ranking scores for feature rows; higher ranks first."""

    def __init__(self, booster: lgb.Booster, metadata: Mapping[str, Any]) -> None:
        self.booster = booster
        self.metadata = dict(metadata)
        self.version: str = str(metadata.get("version", "unversioned"))
        self.features: tuple[str, ...] = tuple(metadata.get("features", ()))
        self.feature_version: str | None = metadata.get("feature_version")
        names = tuple(booster.feature_name())
        if self.features and names != self.features:
            raise ModelError(
                f"model {self.version} is inconsistent: metadata lists {len(self.features)} "
                f"features, the booster {len(names)}; {RETRAIN}"
            )
        self.features = names
        # Per marketplace or kind of data, the baseline its rows are ranked by (may be empty).
        self.fallback: dict[str, dict[str, Any]] = dict(metadata.get("fallback") or {})
        # SHAP's explainer of this booster, built on first use by ``shared.ml.explain``: the
        # cache lives and dies with the model, so a promoted version never sees a stale one.
        self.shap_explainer: Any = None
        self.lock = threading.Lock()

    @classmethod
    def from_text(cls, model_txt: str, metadata: Mapping[str, Any] | str) -> RankerModel:
        meta: Mapping[str, Any] = json.loads(metadata) if isinstance(metadata, str) else metadata
        try:
            booster = lgb.Booster(model_str=model_txt)
        except lgb.basic.LightGBMError as exc:
            raise ModelError(f"model text cannot be loaded: {exc}") from exc
        return cls(booster, meta)

    def to_text(self) -> str:
        return self.booster.model_to_string()

    def check_features(self, expected: Sequence[str], feature_version: str | None = None) -> None:
        """Refuse to score when the scorer's columns (or, given ``feature_version``, what they
        mean) are not the model's."""
        expected = tuple(expected)
        if expected == self.features:
            if feature_version is not None and feature_version != self.feature_version:
                raise FeatureMismatch(
                    f"model {self.version} was trained with feature version "
                    f"{self.feature_version}, the scorer builds {feature_version} (same columns, "
                    f"new meaning): {RETRAIN}",
                    model_version=self.version,
                )
            return
        missing = [f for f in self.features if f not in expected]
        extra = [f for f in expected if f not in self.features]
        detail = (
            f" (scorer lacks {missing}, model lacks {extra})"
            if missing or extra
            else (" (same names, different order)")
        )
        raise FeatureMismatch(
            f"model {self.version} was trained with {list(self.features)} features, the scorer "
            f"builds {list(expected)}{detail}: {RETRAIN}",
            model_version=self.version,
        )

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Raw scores (float64, one per row), single-threaded: the host owns the cores."""
        if X.ndim != 2 or X.shape[1] != len(self.features):
            raise FeatureMismatch(
                f"model {self.version} expects {len(self.features)} feature columns, got "
                f"{X.shape[1] if X.ndim == 2 else X.shape}: {RETRAIN}",
                model_version=self.version,
            )
        if len(X) == 0:
            return np.empty(0)
        return np.asarray(self.booster.predict(X, num_threads=1), dtype=np.float64)

    def score(self, X: np.ndarray, mode: str = "mock") -> np.ndarray:
        """Ranking scores: ``predict``, except for the rows a fallback covers in ``mode``, which
        are scored by its baseline."""
        return apply_fallback(X, self.predict(X), self.fallback, mode)

    def ranked_by(self, X: np.ndarray, mode: str = "mock") -> list[str]:
        """Per row, ``model`` or the baseline of the fallback that scores it in ``mode``."""
        return ranked_by(X, self.fallback, mode)
