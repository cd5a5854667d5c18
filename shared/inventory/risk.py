"""Risk scores for snapshot rows and item descriptions: the promoted risk model when there is
one, else the rules-based level, always labelled with its source.

With the model: ``risk`` is the calibrated probability of no sale within its horizon (30
days), with ``risk_reasons`` (SHAP, top three) for the rows whose danger level changed (the
API explains any other row it returns). Without: ``risk`` is null, ``risk_source`` is
``rules`` and ``risk_level`` carries the danger level; never an unlabelled number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from shared.adapters.blob import BlobStore
from shared.core.errors import ModelError, NotFound
from shared.ml.registry import ModelRegistry
from shared.ml.risk import features
from shared.ml.risk.model import TRAIN_COMMAND, RiskModel, registry

NO_MODEL = f"no risk model is trained yet ({TRAIN_COMMAND}): rules-based level shown"


@dataclass(frozen=True)
class Scorer:
    model: RiskModel | None

    @classmethod
    def load(cls, models: BlobStore | None) -> Scorer:
        return cls(None) if models is None else cls.current(registry(models))

    @classmethod
    def current(cls, reg: ModelRegistry[RiskModel]) -> Scorer:
        """The registry's current model (cached by the registry until its pointer moves)."""
        try:
            return cls(reg.current())
        except (ModelError, NotFound):
            return cls(None)

    @property
    def source(self) -> str:
        return "rules" if self.model is None else "model"

    @property
    def version(self) -> str | None:
        return None if self.model is None else self.model.version

    def score(self, docs: Sequence[dict[str, Any]], *, reasons: bool = True) -> list[dict]:
        """Risk fields per snapshot document (in order)."""
        if self.model is None:
            return [
                {
                    "risk": None,
                    "risk_source": "rules",
                    "risk_level": d.get("danger"),
                    "risk_model_version": None,
                    "risk_reasons": None,
                }
                for d in docs
            ]
        if not docs:
            return []
        X = features.from_snapshots(docs)
        p = self.model.predict(X)
        why: list[Any] = [None] * len(docs)
        if reasons:
            # SHAP costs about a millisecond a row, a hundred times the score: the daily step
            # explains the rows an alert will name (a new danger level); the API explains the
            # page it returns (``explain``).
            shown = [i for i, d in enumerate(docs) if d.get("danger") and d.get("level_changed")]
            if shown:
                for i, r in zip(shown, self.model.reasons(X[shown]), strict=True):
                    why[i] = r
        return [
            {
                "risk": round(float(v), 4),
                "risk_source": "model",
                "risk_level": d.get("danger"),
                "risk_model_version": self.model.version,
                "risk_reasons": r,
            }
            for d, v, r in zip(docs, np.asarray(p).tolist(), why, strict=True)
        ]

    def explain(self, docs: Sequence[dict[str, Any]]) -> list[Any]:
        """SHAP reasons for snapshot documents scored by this model (None for the others)."""
        if self.model is None:
            return [None] * len(docs)
        mine = [i for i, d in enumerate(docs) if d.get("risk_model_version") == self.version]
        out: list[Any] = [None] * len(docs)
        if mine:
            X = features.from_snapshots([docs[i] for i in mine])
            for i, r in zip(mine, self.model.reasons(X), strict=True):
                out[i] = r
        return out

    def describe(self, category: str, quantity: int, mrp: float, days_active: int) -> dict:
        """``POST /api/ml/predict``: one item known by its description."""
        if self.model is None:
            return {
                "risk": None,
                "source": "rules",
                "message": NO_MODEL,
                "rules": {
                    "danger": None,
                    "note": "the rules need days without a sale, which a description lacks; "
                    f"{days_active} days active so far",
                },
            }
        X = features.from_description(category, quantity, mrp, days_active)
        return {
            "risk": round(float(self.model.predict(X)[0]), 4),
            "source": "model",
            "model_version": self.model.version,
            "horizon_days": self.model.horizon_days,
            "reasons": self.model.reasons(X)[0],
        }
