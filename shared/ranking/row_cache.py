"""What the ranker's full pass may reuse instead of building feature rows from documents.

- ``PreviousRows``: a row of the last pass is still right when its document has the same
  ``_etag`` as when the row was built, for the same mode, and its buckets hold none of the keys
  that moved window since (``windows.band_changes``).
- ``NextHour``: at the first pass of an hour, the documents whose rows the next hour will change
  (a bucket in one of the four keys that move window) are noted, and each pass builds a slice of
  them for the next hour ahead of time. The first pass of the next hour takes those rows whose
  document has not changed since, so the hour's window shift is spread over the hour instead of
  landing on one pass. Features depend on the clock only through hour and day windows, so a row
  built for the start of an hour is right for all of it. Before midnight every row is built
  ahead (the day windows move): at 2,000 rows a pass, 100k products take 50 of the hour's 120.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import numpy as np

from shared.projection.windows import band_changes

# Rows built ahead per pass: about 80 ms of one core, scores included; at 100k products the
# hour's share (about a third of the rows) is ready within the first 10 minutes of a 30-second
# reconcile, the whole catalogue before midnight within 25 minutes.
PREPARE_PER_PASS = 2_000


def hour_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


# "Every document": the next hour is another day.
EVERY: frozenset[str] = frozenset({"*"})


def holds_any(doc: Mapping[str, Any], keys: frozenset[str]) -> bool:
    if keys is EVERY:
        return True
    buckets = doc.get("buckets") or {}
    return any(key in buckets for key in keys)


class PreviousRows:
    """The previous pass's rows, for ``Ranker.full`` to reuse."""

    def __init__(
        self,
        X: np.ndarray,
        scores: np.ndarray,
        index: Mapping[str, int],
        etags: Sequence[str | None],
        built_at: Sequence[datetime | None],
    ) -> None:
        self.X, self.scores = X, scores
        self.index, self.etags, self.built_at = index, etags, built_at
        self._changes: dict[datetime | None, frozenset[str] | None] = {}

    def reusable(
        self, item: str, etag: str | None, doc: Mapping[str, Any], now: datetime
    ) -> int | None:
        """The old row still right for ``doc`` at ``now``, or None."""
        row = self.index.get(item)
        # A row past the old matrix was appended by an update while this pass ran off the
        # live state's lock (``LiveState.full_pass``): it is not in the arrays read here.
        if row is None or row >= len(self.X) or etag is None or self.etags[row] != etag:
            return None
        built = self.built_at[row]
        if built not in self._changes:
            self._changes[built] = band_changes(built, now) if built is not None else None
        moved = self._changes[built]
        if moved is None or (moved and holds_any(doc, moved)):
            return None
        return row


class Ahead(NamedTuple):
    """A row built ahead for the next hour, and its score as of the pass that built it."""

    etag: str  # of the document the row was built from
    row: np.ndarray  # raw: the catalogue-relative columns are filled when it is taken
    score: float
    median: float  # the median price of the row's category the score saw
    model: object  # the model that scored it


# Scores raw rows built ahead: (scores, the category median each saw, the model that scored).
AheadScorer = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, object]]


class NextHour:
    """Rows for the start of the next hour, built a slice per pass (see the module docstring)."""

    def __init__(self) -> None:
        self.hour: datetime | None = None  # the hour the rows are for
        self.mode: str | None = None
        self.pending: list[Mapping[str, Any]] = []
        self.rows: dict[str, Ahead] = {}  # by item
        self.last_pass: datetime | None = None  # the hour of the latest pass

    def take(self, item: str, etag: str | None, now: datetime, mode: str) -> Ahead | None:
        """The row built ahead for ``item`` if it is for this hour and its document unchanged."""
        if etag is None or self.mode != mode or self.hour != hour_start(now):
            return None
        found = self.rows.get(item)
        return found if found is not None and found.etag == etag else None

    def moved_keys(self, now: datetime, mode: str) -> frozenset[str] | None:
        """What this pass must note for the next hour, else None: the keys that change window
        then (a document holding one needs a new row), or ``EVERY`` when the next hour is
        another day (the day windows move: every row is built ahead).

        Planned once an hour, at the second pass when the first takes rows built ahead (that
        pass has the hour's scoring to do already), else at the first."""
        current = hour_start(now)
        upcoming = current + timedelta(hours=1)
        first = self.last_pass != current
        self.last_pass = current
        if self.hour == upcoming and self.mode == mode:
            return None
        if first and self.hour == current and self.mode == mode and self.rows:
            return None
        moved = band_changes(now, upcoming)
        return EVERY if moved is None else (moved or None)

    def plan(self, now: datetime, mode: str, docs: list[Mapping[str, Any]]) -> None:
        """Start building for the next hour: ``docs`` are those whose rows it changes."""
        self.hour, self.mode = hour_start(now) + timedelta(hours=1), mode
        self.pending, self.rows = docs, {}

    def advance(
        self,
        build: Callable[[list[Mapping[str, Any]], datetime], np.ndarray],
        score: AheadScorer,
    ) -> None:
        """Build the next slice of rows with ``build(docs, at)`` and score them."""
        if not self.pending or self.hour is None:
            return
        batch, self.pending = self.pending[:PREPARE_PER_PASS], self.pending[PREPARE_PER_PASS:]
        rows = build(batch, self.hour)
        scores, medians, model = score(rows)
        for doc, row, value, median in zip(batch, rows, scores, medians, strict=True):
            self.rows[str(doc["item_id"])] = Ahead(
                str(doc["_etag"]), row, float(value), float(median), model
            )
