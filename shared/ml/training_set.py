"""The ranking model's training set: product states replayed from events, features at cutoffs,
labels from what sold after.

Dataset. For each cutoff ``t`` (every ``step`` hours) the events before ``t`` are replayed through
``shared.projection.fold.apply_event`` into fresh product states and ``build_features`` runs at the
last instant before ``t`` (so the "1h" window is the last complete hour, as nothing after ``t``
may leak in). The label is what sold in the following ``horizon`` hours, graded as relevance
``ceil(log2(1 + units))`` (0 = nothing sold, 1 = one unit, 2 = 2-3, 3 = 4-7, ...): LambdaRank's
exponential gain then rewards getting the best sellers on top without one outlier swamping a day.

Groups. One query group is one cutoff x the whole catalogue. The served ranking is catalogue-wide
(category and marketplace views are filters of the same scores), so the pairs the model must
order include cross-category pairs; per-category groups would never learn them.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from shared.core.records import Event
from shared.ml.features import FEATURES, FeatureContext, build_features
from shared.projection.fold import apply_event, new_state


@dataclass
class Dataset:
    X: np.ndarray  # float32, rows grouped by cutoff
    units: np.ndarray  # units sold in the horizon after the cutoff
    groups: list[int]  # rows per cutoff, in order
    cutoffs: list[datetime]
    item_ids: list[str]

    @property
    def relevance(self) -> np.ndarray:
        return np.ceil(np.log2(1.0 + self.units)).clip(0, 30).astype(np.int32)

    def select(self, keep: Sequence[bool]) -> Dataset:
        rows: list[np.ndarray] = []
        start = 0
        groups, cutoffs = [], []
        for size, cutoff, k in zip(self.groups, self.cutoffs, keep, strict=True):
            if k:
                rows.append(np.arange(start, start + size))
                groups.append(size)
                cutoffs.append(cutoff)
            start += size
        idx = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
        return Dataset(self.X[idx], self.units[idx], groups, cutoffs, self.item_ids)

    def only(self, keep_items: np.ndarray) -> Dataset:
        """The same cutoffs, each group narrowed to the items where ``keep_items`` is true
        (every group is the whole catalogue in ``item_ids`` order)."""
        keep = np.asarray(keep_items, dtype=bool)
        mask = np.tile(keep, len(self.groups))
        ids = [item for item, k in zip(self.item_ids, keep, strict=True) if k]
        size = int(keep.sum())
        return Dataset(self.X[mask], self.units[mask], [size] * len(self.groups), self.cutoffs, ids)

    @staticmethod
    def concat(parts: Sequence[Dataset]) -> Dataset:
        """Groups of several datasets, one after another (item ids of the first)."""
        return Dataset(
            np.vstack([d.X for d in parts]),
            np.concatenate([d.units for d in parts]),
            [g for d in parts for g in d.groups],
            [c for d in parts for c in d.cutoffs],
            parts[0].item_ids,
        )


def build_dataset(
    events: Iterable[Event | Mapping[str, Any]],
    catalogue: Sequence[Mapping[str, Any]],
    cutoffs: Sequence[datetime],
    horizon_hours: int = 24,
    mode: str = "mock",
    label_events: Iterable[Event | Mapping[str, Any]] | None = None,
) -> Dataset:
    """Features at each cutoff from the events before it; labels from the ``horizon`` after
    (from ``label_events`` when given: what really sold, where ``events`` report it late).
    ``mode`` is what the events are: the demo feed (``mock``) or what marketplaces send
    (``live``); the features are built for it."""
    cutoffs = sorted(c.astimezone(UTC) for c in cutoffs)
    docs = sorted((event_doc(e) for e in events), key=lambda d: event_time(d["occurred_at"]))
    states = {p["item_id"]: new_state(p) for p in catalogue}
    order = list(states)
    row_of = {item: i for i, item in enumerate(order)}
    horizon = timedelta(hours=horizon_hours)

    sold = [np.zeros(len(order)) for _ in cutoffs]
    pos, blocks = 0, []
    for cutoff in cutoffs:
        while pos < len(docs) and event_time(docs[pos]["occurred_at"]) < cutoff:
            doc = docs[pos]
            if doc["item_id"] in states:
                apply_event(states[doc["item_id"]], doc)
            pos += 1
        snapshot = [states[item] for item in order]
        blocks.append(
            build_features(
                snapshot,
                cutoff - timedelta(microseconds=1),
                FeatureContext.from_products(snapshot),
                mode,
            )
        )
    # Labels: units of order/cancel/sales events inside each cutoff's horizon, i.e. the
    # cutoffs c with when - horizon < c <= when.
    labelled = docs if label_events is None else [event_doc(e) for e in label_events]
    for doc in labelled:
        units = doc.get("units") or 0
        row = row_of.get(doc["item_id"])
        if not units or row is None:
            continue
        when = event_time(doc["occurred_at"])
        first = bisect.bisect_right(cutoffs, when - horizon)
        for c in range(first, bisect.bisect_right(cutoffs, when)):
            sold[c][row] += units
    return Dataset(
        X=np.vstack(blocks) if blocks else np.empty((0, len(FEATURES)), np.float32),
        units=np.concatenate(sold).clip(0) if sold else np.empty(0),
        groups=[len(order)] * len(cutoffs),
        cutoffs=list(cutoffs),
        item_ids=order,
    )


def make_cutoffs(start: datetime, end: datetime, step_hours: int) -> list[datetime]:
    """Cutoffs from one week after ``start`` (full 7-day windows) to ``end``."""
    first = start + timedelta(days=7)
    out, t = [], first
    while t <= end:
        out.append(t)
        t += timedelta(hours=step_hours)
    return out


def event_doc(event: Event | Mapping[str, Any]) -> Mapping[str, Any]:
    # A pydantic model's __dict__ is its field mapping: no copy, no serialisation.
    return event.__dict__ if isinstance(event, Event) else event


def event_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
