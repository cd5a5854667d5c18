"""An evaluation variant: counts on each seller's own scale (``python -m demo.evaluate
--variant seller-scale``).

The trees split on absolute counts (views, orders, units, revenue, the velocities), so a seller
who sells ten times as much as the sellers the model was trained on lands in other leaves. This
variant divides each count column by its mean over the rows of the same seller in the same
ranking (one query group: a cutoff of one world; webhook items and file-sending items are
different sellers), in training and in scoring, so only an item's share of its seller's volume
is left. It is an experiment of the evaluation; production features are unchanged until it
clears the bar (docs/ranking.md reports what it did).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shared.ml.baselines import from_files
from shared.ml.features import COLUMN, FEATURES
from shared.ml.model import RankerModel

_COUNTS = ("views_", "clicks_", "orders_", "units_", "revenue_", "velocity_")
SCALED = np.array(
    [
        COLUMN[name]
        for name in FEATURES
        if name.startswith(_COUNTS) and name != "velocity_acceleration"
    ]
)


def rescale(X: np.ndarray, groups: Sequence[int]) -> np.ndarray:
    """``X`` with every count column divided by its mean over the same seller's rows of the
    same group (columns a seller does not send stay NaN; a seller with no volume keeps 0)."""
    out = np.array(X, dtype=np.float32, copy=True)
    start = 0
    for size in groups:
        block = out[start : start + size]
        files = from_files(block)
        for seller in (files, ~files):
            if not seller.any():
                continue
            cols = block[np.ix_(seller, SCALED)]
            sent = ~np.isnan(cols)
            # Mean over the rows that send the column; all-missing or all-zero columns stay.
            total = np.where(sent, cols, 0.0).sum(axis=0)
            count = sent.sum(axis=0)
            mean = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
            mean = np.where(mean > 0, mean, 1.0)
            block[np.ix_(seller, SCALED)] = cols / mean
        start += size
    return out


class SellerScaled:
    """A trained model that scores rows on their seller's scale (one ranking per call)."""

    def __init__(self, model: RankerModel) -> None:
        self.model = model
        self.version = model.version

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.model.predict(rescale(X, [len(X)]))
