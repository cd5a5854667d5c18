"""The scored catalogue: numpy arrays for 100k-1M items, no per-item objects when hot.

State, one row per item (rows are append-only; removed items are masked until the next full
pass): the feature matrix ``X`` (float32; it also carries stock, sales and category codes the
rules need), the raw model scores, the item ids and titles. A full pass rebuilds everything; an
event batch re-scores only the touched rows, so its cost does not grow with the catalogue.

Catalogue-relative features use the ``FeatureContext`` learned at the last full pass. The
incremental path keeps that context (scores of untouched rows stay comparable); the timer's full
pass refreshes it. With the same state and context, incremental and full agree exactly.

The full pass reuses what cannot have changed (``shared.ranking.row_cache``): a row whose
document has the same ``_etag`` as when the row was built, built for the same mode, and whose
buckets hold none of the keys that moved to another window since (four keys an hour later),
keeps its feature row, and its score too unless its category's median price moved; the rows an
hour's window shift changes are built and scored ahead, a slice per pass during the hour before,
and keep that score unless the model or their category's median price changed since. Only the
rest is built and scored, so the 30-second reconcile costs what changed, not the catalogue. A
document without ``_etag`` (not read from Cosmos) is always rebuilt.

``mode`` (``live`` or ``mock``, set by the live state from the marketplace connections) says
which signals the marketplaces send: every feature row is built for it (unsent signals are NaN)
and the rows the model's fallback covers in that mode are scored by their baseline
(``RankerModel.score``): a live marketplace's webhook items, items whose sales come in files,
or the demo feed's items. Each entry says what ranked it (``ranked_by``). Changing the mode
calls for a full pass.

Placing the scored rows into a ranking, with the rules applied, is ``shared.ranking.ranker``'s.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

import numpy as np

from shared.core.errors import NotFound
from shared.ml.features import (
    COLUMN,
    FEATURE_VERSION,
    FEATURES,
    FeatureContext,
    apply_context,
    build_features,
    build_raw,
    context_of,
)
from shared.ml.model import RankerModel
from shared.ranking.row_cache import NextHour, PreviousRows, holds_any

# Rows a model call scores at once (its input is a float64 copy of them).
_CHUNK = 20_000
# Documents a full pass holds at once: a projected document with its buckets is several KB, so
# 20,000 of them were ~150 MB of the pass's peak; at 5,000 the vectorised build costs the same.
_DOCS = 5_000
# Feature rows per block of a full pass, a multiple of ``_DOCS``: 40 MB of float32, above glibc's
# largest mmap threshold (32 MiB), so each block is a mapping of its own that is given back as
# soon as it is copied into the matrix. Blocks of one document chunk (4 MB) stayed in the heap:
# at 1M items the matrix and its 200 MB of blocks were resident at once.
_BLOCK_ROWS = 40 * _DOCS
# An incremental update keeps the cached score distribution while at most one row in this many
# was re-scored since it was computed (``ScoredCatalogue._changed``).
_STALE_SHARE = 1000


def _stack(blocks: list[np.ndarray], rows: int) -> np.ndarray:
    """One matrix of the first ``rows`` rows of the blocks, freeing each as it is copied
    (``np.vstack`` holds the blocks and the result at once: twice the feature matrix)."""
    X = np.empty((rows, len(FEATURES)), dtype=np.float32)
    at = 0
    blocks.reverse()
    while blocks:
        block = blocks.pop()
        take = min(len(block), rows - at)
        X[at : at + take] = block[:take]
        at += take
        del block
    return X


class ScoredCatalogue:
    """Every item's feature row and model score, kept current by full and incremental passes."""

    def __init__(self, model: RankerModel, mode: str = "mock") -> None:
        model.check_features(FEATURES, FEATURE_VERSION)
        self.model = model
        self.mode = mode
        self.context: FeatureContext | None = None
        self._n = 0
        self._X = np.empty((0, len(FEATURES)), dtype=np.float32)
        self._scores = np.empty(0)
        self._alive = np.empty(0, dtype=bool)
        self._ids: list[str] = []
        self._titles: list[str] = []
        self._categories: list[str] = []
        self._index: dict[str, int] = {}
        self._published = np.empty(0, dtype=np.int64)  # rank at publish(), 0 = not ranked
        self._id_order: np.ndarray | None = None  # rank of each row's id in sorted id order
        self._spread: float | None = None
        self._sorted: np.ndarray | None = None  # live scores sorted, for percentiles
        self._stale = 0  # rows re-scored since ``_spread`` and ``_sorted`` were computed
        # The row cache: each row's document ``_etag`` and when it was built, for which mode.
        self._etags: list[str | None] = []
        self._built_at: list[datetime | None] = []
        self._built_mode = mode
        self._next_hour = NextHour()

    # ------------------------------------------------------------------ state
    def __len__(self) -> int:
        return len(self._index)

    def full(
        self,
        products: Iterable[Mapping[str, Any]],
        now: datetime,
        context: FeatureContext | None = None,
    ) -> None:
        """Rebuild from the whole catalogue (a sequence or a stream of product documents),
        reusing the rows that cannot have changed (see the module docstring)."""
        old = (
            PreviousRows(self._X, self._scores, self._index, self._etags, self._built_at)
            if self._built_mode == self.mode
            else None
        )
        upcoming = self._next_hour.moved_keys(now, self.mode)
        changing: list[Mapping[str, Any]] = []  # rows the next hour changes
        blocks: list[np.ndarray] = []
        ids: list[str] = []
        titles: list[str] = []
        categories: list[str] = []
        etags: list[str | None] = []
        reused: list[np.ndarray] = []  # per block: the old row of each row, -1 = built now
        scored: list[np.ndarray] = []  # per block: (score, median) of rows scored ahead, else NaN
        filled = _BLOCK_ROWS  # rows written into the last block
        iterator = iter(products)
        while chunk := list(islice(iterator, _DOCS)):
            chunk_ids = [str(p["item_id"]) for p in chunk]
            chunk_etags = [p.get("_etag") for p in chunk]
            from_row = np.full(len(chunk), -1, dtype=np.int64)
            if filled == _BLOCK_ROWS:
                blocks.append(np.empty((_BLOCK_ROWS, len(FEATURES)), dtype=np.float32))
                filled = 0
            block = blocks[-1][filled : filled + len(chunk)]
            filled += len(chunk)
            ready = np.zeros(len(chunk), dtype=bool)  # built ahead for this hour
            ahead_scores = np.full((len(chunk), 2), np.nan)
            for i, (item, etag, doc) in enumerate(zip(chunk_ids, chunk_etags, chunk, strict=True)):
                if upcoming is not None and etag is not None and holds_any(doc, upcoming):
                    changing.append(doc)
                row = old.reusable(item, etag, doc, now) if old is not None else None
                if row is not None:
                    from_row[i] = row
                elif (ahead := self._next_hour.take(item, etag, now, self.mode)) is not None:
                    block[i], ready[i] = ahead.row, True
                    if ahead.model is self.model:
                        ahead_scores[i] = ahead.score, ahead.median
            keep = from_row >= 0
            if keep.any():
                assert old is not None
                block[keep] = old.X[from_row[keep]]
            fresh = np.flatnonzero(~keep & ~ready)
            if len(fresh):
                block[fresh] = build_raw([chunk[i] for i in fresh], now, self.mode)
            reused.append(from_row)
            scored.append(ahead_scores)
            ids += chunk_ids
            etags += chunk_etags
            titles += [str(p.get("title") or "") for p in chunk]
            # A few dozen categories over the catalogue: one string each, not one per item.
            categories += [sys.intern(str(p.get("category") or "")) for p in chunk]
            del chunk, block  # the view would keep the last block mapped through ``_stack``
        X = _stack(blocks, len(ids))
        from_old = np.concatenate(reused) if reused else np.empty(0, dtype=np.int64)
        ahead_scored = np.vstack(scored) if scored else np.empty((0, 2))
        del blocks, reused, scored
        # Later documents of the same item win, as they would in a merge.
        index = {item: row for row, item in enumerate(ids)}
        alive = np.zeros(len(ids), dtype=bool)
        alive[list(index.values())] = True
        old_context = self.context
        # X[alive] would copy the whole matrix for two columns; every row is alive unless an
        # item came twice.
        self.context = context or context_of(X if alive.all() else X[alive])
        apply_context(X, self.context)
        self._scores = self._rescore(X, from_old, old, old_context, ahead_scored)
        self._X, self._n = X, len(ids)
        old_ids, old_published = self._ids, self._published
        self._ids, self._titles, self._categories = ids, titles, categories
        self._etags, self._built_at, self._built_mode = etags, [now] * len(ids), self.mode
        self._index, self._alive = index, alive
        self._published = np.zeros(len(ids), dtype=np.int64)
        if old_published.any():
            for old_row in np.flatnonzero(old_published):
                row = index.get(old_ids[old_row])
                if row is not None:
                    self._published[row] = old_published[old_row]
        # The same items in the same rows (every reconcile, normally): the id order still holds.
        self._changed(ids_changed=ids != old_ids)
        if upcoming is not None:
            self._next_hour.plan(now, self.mode, changing)
        self._next_hour.advance(lambda docs, at: build_raw(docs, at, self.mode), self._score_ahead)

    def _score_ahead(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, object]:
        """Scores of raw rows built ahead, with today's context: (scores, each row's category
        median, the model)."""
        assert self.context is not None  # a full pass has set it
        X = rows.copy()
        apply_context(X, self.context)
        medians = self.context.category_median[X[:, COLUMN["category"]].astype(np.int64)]
        return self.score(X), medians, self.model

    def _rescore(
        self,
        X: np.ndarray,
        from_old: np.ndarray,
        old: PreviousRows | None,
        old_context: FeatureContext | None,
        ahead: np.ndarray,
    ) -> np.ndarray:
        """Scores of a full pass: reused rows keep theirs unless their category's reference
        price moved (their ``price_vs_category`` changed), rows built ahead keep the score
        given then (``ahead``: score and category median, NaN if none) unless their category's
        median is another now; the rest are scored."""
        todo = from_old < 0
        if old is None or old_context is None or self.context is None:
            todo[:] = True
        else:
            moved = np.flatnonzero(old_context.category_median != self.context.category_median)
            if len(moved):
                todo |= np.isin(X[:, COLUMN["category"]].astype(np.int64), moved)
        known = np.flatnonzero(~np.isnan(ahead[:, 0]))
        if len(known) and self.context is not None:
            codes = X[known, COLUMN["category"]].astype(np.int64)
            known = known[ahead[known, 1] == self.context.category_median[codes]]
        else:
            known = known[:0]
        todo[known] = False
        scores = np.empty(len(X))
        kept = ~todo
        kept[known] = False
        if old is not None and kept.any():
            scores[kept] = old.scores[from_old[kept]]
        scores[known] = ahead[known, 0]
        if todo.any():
            rows = np.flatnonzero(todo)
            scores[rows] = self._score_rows(X, rows)
        return scores

    def _score_rows(self, X: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Scores of ``X[rows]``, a chunk at a time: the model's input is a float64 copy of
        its rows, which for a whole 1M-item catalogue would be 400 MB on its own."""
        out = np.empty(len(rows))
        for start in range(0, len(rows), _CHUNK):
            part = rows[start : start + _CHUNK]
            out[start : start + len(part)] = self.score(X[part])
        return out

    def set_model(self, model: RankerModel) -> None:
        """Serve a new model: re-score every row from the stored features, no documents read."""
        model.check_features(FEATURES, FEATURE_VERSION)
        self.model = model
        self._scores[: self._n] = self._score_rows(self._X, np.arange(self._n))
        self._changed(ids_changed=False)

    def update(self, touched_products: Sequence[Mapping[str, Any]], now: datetime) -> None:
        """Re-score only ``touched_products`` (new items are appended)."""
        if not touched_products:
            return
        if self.context is None:
            self.context = FeatureContext.from_products(touched_products)
        latest = {str(p["item_id"]): p for p in touched_products}
        docs = list(latest.values())
        X = self.features(docs, now)
        scores = self.score(X)
        rows = np.empty(len(docs), dtype=np.int64)
        appended = False
        for i, (item, doc) in enumerate(latest.items()):
            row = self._index.get(item)
            if row is None:
                row = self._append(item)
                appended = True
            rows[i] = row
            self._titles[row] = str(doc.get("title") or "")
            self._categories[row] = str(doc.get("category") or "")
            self._etags[row] = doc.get("_etag") if self._built_mode == self.mode else None
            self._built_at[row] = now
        self._X[rows] = X
        self._scores[rows] = scores
        self._alive[rows] = True
        self._changed(ids_changed=appended, rows=len(docs))

    def features(self, docs: Sequence[Mapping[str, Any]], now: datetime) -> np.ndarray:
        """Feature rows of ``docs`` at ``now`` with the ranker's context and mode."""
        if self.context is None:
            raise NotFound("the ranking has no catalogue context yet")
        return build_features(docs, now, self.context, self.mode)

    def score(self, X: np.ndarray) -> np.ndarray:
        """Ranking scores of feature rows, as the ranking uses them (fallback included)."""
        return self.model.score(X, self.mode)

    def ranked_by(self, marketplace: str | None, item_id: str | None = None) -> str:
        """What orders an item: ``model``, or the baseline of the model's fallback that covers
        it. Given ``item_id`` (a ranked item), from its own row: whether its sales come in files
        decides as much as its marketplace; otherwise, ``marketplace``'s webhook items."""
        row = self._index.get(item_id) if item_id is not None else None
        if row is not None:
            return self.model.ranked_by(self._X[row : row + 1], self.mode)[0]
        fallback = self.model.fallback
        if self.mode == "mock":
            return str(fallback.get("demo", {}).get("baseline", "model"))
        return str(fallback.get(marketplace or "", {}).get("baseline", "model"))

    def remove_items(self, ids: Iterable[str]) -> int:
        """Drop items from the catalogue (deleted listings); returns how many were present."""
        gone = 0
        for item in ids:
            row = self._index.pop(item, None)
            if row is not None:
                self._alive[row] = False
                gone += 1
        if gone:
            self._changed(ids_changed=False)
        return gone

    def _append(self, item: str) -> int:
        row = self._n
        if row == len(self._X):
            grow = max(16, row // 2)
            self._X = np.vstack([self._X, np.zeros((grow, len(FEATURES)), np.float32)])
            self._scores = np.concatenate([self._scores, np.zeros(grow)])
            self._alive = np.concatenate([self._alive, np.zeros(grow, dtype=bool)])
            self._published = np.concatenate([self._published, np.zeros(grow, np.int64)])
        self._n += 1
        self._ids.append(item)
        self._titles.append("")
        self._categories.append("")
        self._etags.append(None)
        self._built_at.append(None)
        self._index[item] = row
        return row

    def _changed(self, ids_changed: bool, rows: int | None = None) -> None:
        """Forget what depends on the rows: the id order when items came or went, the score
        distribution (spread, sorted scores) after a full pass or once more than one row in
        ``_STALE_SHARE`` was re-scored since it was computed. Re-sorting every score after each
        event batch made a broadcast cost O(n log n) in the catalogue; with one row in a
        thousand changed, a percentile shown to 0.1 moves by at most 0.1 and the spread by as
        little, so an incremental update of a few items keeps them."""
        if ids_changed:
            self._id_order = None
        elif rows is not None:
            self._stale += rows
            if self._stale * _STALE_SHARE <= len(self._index):
                return
        self._spread = None
        self._sorted = None
        self._stale = 0

    # ------------------------------------------------------------------ reading
    def scores_for(self, ids: Iterable[str]) -> dict[str, float]:
        """Raw model scores of the known items among ``ids``."""
        return {i: float(self._scores[r]) for i in ids if (r := self._index.get(i)) is not None}

    def percentiles(self, scores: Iterable[float]) -> list[float]:
        """For each model score, the share (0-100) of the catalogue scoring lower.

        A raw LambdaRank score only orders items; "better than 93% of your catalogue" is what a
        seller can read.
        """
        if self._sorted is None:
            self._sorted = np.sort(self._scores[: self._n][self._alive[: self._n]])
        alive = self._sorted
        if not len(alive):
            return [0.0 for _ in scores]
        below = np.searchsorted(alive, np.fromiter(scores, np.float64), side="left")
        return [round(float(b) * 100 / len(alive), 1) for b in below]

    def features_of(self, item_id: str) -> np.ndarray:
        """The item's feature row as last scored (for explanations)."""
        row = self._index.get(item_id)
        if row is None:
            raise NotFound(f"item {item_id!r} is not in the ranking")
        return self._X[row].copy()

    def spread(self) -> float:
        """Width of the middle 90% of live scores: the unit of rule strengths."""
        if self._spread is None:
            live = self._scores[: self._n][self._alive[: self._n]]
            width = float(np.subtract(*np.percentile(live, [95, 5]))) if len(live) else 0.0
            self._spread = width if width > 0 else 1.0
        return self._spread
