"""The in-memory ranking engine: numpy arrays for 100k-1M items, no per-item objects when hot.

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

Ranking applies the rules (see ``shared.ranking.rules``) and orders by adjusted score, ties by
item id. ``publish()`` remembers the ranking that was broadcast, and later rankings report each
item's previous rank and its change against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

import numpy as np

from shared.core.errors import NotFound
from shared.core.records import utcnow
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
from shared.ml.vocabulary import OTHER_CODE, category_code, marketplace_code
from shared.ranking.row_cache import NextHour, PreviousRows, holds_any
from shared.ranking.rules import (
    BoostRule,
    ClearanceRule,
    DemoteRule,
    PinRule,
    RemoveRule,
    Rule,
    active_rules,
)

_CHUNK = 20_000


@dataclass(frozen=True)
class AppliedRule:
    id: str
    type: str


@dataclass(frozen=True)
class RankEntry:
    item_id: str
    score: float  # the model's raw score
    adjusted_score: float  # after boost/demote/clearance
    rank: int
    previous_rank: int | None
    rank_change: int | None  # previous_rank - rank: positive = moved up
    pinned: bool
    rules: tuple[AppliedRule, ...]
    # "model", or the baseline of the model's fallback that scored this item.
    ranked_by: str = "model"

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "score": self.score,
            "adjusted_score": self.adjusted_score,
            "rank": self.rank,
            "previous_rank": self.previous_rank,
            "rank_change": self.rank_change,
            "pinned": self.pinned,
            "rules": [{"id": r.id, "type": r.type} for r in self.rules],
            "ranked_by": self.ranked_by,
        }


@dataclass(frozen=True)
class RankingPage:
    entries: list[RankEntry]
    total: int
    offset: int
    limit: int
    model_version: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "total": self.total,
            "offset": self.offset,
            "limit": self.limit,
            "items": [e.to_dict() for e in self.entries],
        }


@dataclass
class _Effects:
    """The rules resolved against the current arrays (one ranking call)."""

    adjusted: np.ndarray
    removed: np.ndarray  # bool per row
    pins: list[tuple[int, int]]  # (requested position, row), application order
    pin_rules: dict[int, PinRule]
    per_row: dict[int, list[AppliedRule]] = field(default_factory=dict)
    clearance: list[tuple[ClearanceRule, np.ndarray]] = field(default_factory=list)

    def applied(self, row: int) -> tuple[AppliedRule, ...]:
        out = list(self.per_row.get(row, ()))
        out += [AppliedRule(rule.id, rule.type) for rule, mask in self.clearance if mask[row]]
        if row in self.pin_rules:
            out.append(AppliedRule(self.pin_rules[row].id, "pin"))
        return tuple(out)


class Ranker:
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
        iterator = iter(products)
        while chunk := list(islice(iterator, _CHUNK)):
            chunk_ids = [str(p["item_id"]) for p in chunk]
            chunk_etags = [p.get("_etag") for p in chunk]
            from_row = np.full(len(chunk), -1, dtype=np.int64)
            block = np.empty((len(chunk), len(FEATURES)), dtype=np.float32)
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
            blocks.append(block)
            reused.append(from_row)
            scored.append(ahead_scores)
            ids += chunk_ids
            etags += chunk_etags
            titles += [str(p.get("title") or "") for p in chunk]
            categories += [str(p.get("category") or "") for p in chunk]
            del chunk
        X = np.vstack(blocks) if blocks else np.empty((0, len(FEATURES)), np.float32)
        from_old = np.concatenate(reused) if reused else np.empty(0, dtype=np.int64)
        ahead_scored = np.vstack(scored) if scored else np.empty((0, 2))
        del blocks, reused, scored
        # Later documents of the same item win, as they would in a merge.
        index = {item: row for row, item in enumerate(ids)}
        alive = np.zeros(len(ids), dtype=bool)
        alive[list(index.values())] = True
        old_context = self.context
        self.context = context or context_of(X[alive])
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
            scores[todo] = self.score(X[todo])
        return scores

    def set_model(self, model: RankerModel) -> None:
        """Serve a new model: re-score every row from the stored features, no documents read."""
        model.check_features(FEATURES, FEATURE_VERSION)
        self.model = model
        self._scores[: self._n] = self.score(self._X[: self._n])
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
        self._changed(ids_changed=appended)

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

    def _changed(self, ids_changed: bool) -> None:
        self._spread = None
        if ids_changed:
            self._id_order = None

    # ------------------------------------------------------------------ reading
    def scores_for(self, ids: Iterable[str]) -> dict[str, float]:
        """Raw model scores of the known items among ``ids``."""
        return {i: float(self._scores[r]) for i in ids if (r := self._index.get(i)) is not None}

    def percentiles(self, scores: Iterable[float]) -> list[float]:
        """For each model score, the share (0-100) of the catalogue scoring lower.

        A raw LambdaRank score only orders items; "better than 93% of your catalogue" is what a
        seller can read.
        """
        alive = np.sort(self._scores[: self._n][self._alive[: self._n]])
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

    # ------------------------------------------------------------------ ranking
    def ranking(
        self,
        rules: Iterable[Rule],
        now: datetime,
        category: str | None = None,
        marketplace: str | None = None,
        limit: int = 50,
        offset: int = 0,
        query: str | None = None,
    ) -> RankingPage:
        """One page of the ranking with the active ``rules`` applied, optionally filtered."""
        limit, offset = max(0, int(limit)), max(0, int(offset))
        view = self._view(category, marketplace, query)
        effects = self._effects(rules, now)
        view &= ~effects.removed
        pins = self._pins_in(effects, view)
        pinned_rows = {row for _, row in pins}
        free = view.copy()
        free[np.fromiter(pinned_rows, np.int64, len(pinned_rows))] = False
        free_rows = np.flatnonzero(free)
        total = len(free_rows) + len(pins)
        want = min(offset + limit, total)
        top = self._top(free_rows, effects.adjusted, want)
        order = _merge(top, pins, want)
        previous = self._previous_ranks(view, order[offset:want])
        shown = np.asarray(order[offset:want], dtype=np.int64)
        by = self.model.ranked_by(self._X[shown], self.mode) if len(shown) else []
        entries = []
        for rank, row in enumerate(order[offset:want], start=offset + 1):
            prev = previous.get(row)
            entries.append(
                RankEntry(
                    item_id=self._ids[row],
                    score=float(self._scores[row]),
                    adjusted_score=float(effects.adjusted[row]),
                    rank=rank,
                    previous_rank=prev,
                    rank_change=None if prev is None else prev - rank,
                    pinned=row in pinned_rows,
                    rules=effects.applied(row),
                    ranked_by=by[rank - offset - 1],
                )
            )
        return RankingPage(entries, total, offset, limit, self.model.version)

    def full_order(self, rules: Iterable[Rule], now: datetime) -> np.ndarray:
        """Rows of the whole catalogue in ranked order (rules applied, no filters)."""
        effects = self._effects(rules, now)
        view = self._alive[: self._n] & ~effects.removed
        pins = self._pins_in(effects, view)
        free = view.copy()
        free[np.array([row for _, row in pins], dtype=np.int64)] = False
        free_rows = np.flatnonzero(free)
        order = free_rows[np.lexsort((self._ids_order()[free_rows], -effects.adjusted[free_rows]))]
        # Same placement as _merge, vectorised: pins go in at their slots in slot order, and
        # pins past the end follow the last free row.
        for slot, row in sorted(_pin_slots(pins)):
            order = np.insert(order, min(slot - 1, len(order)), row)
        return order

    def publish(self, rules: Iterable[Rule], now: datetime) -> None:
        """Remember the current ranking as the one shown: later ranks are compared to it."""
        order = self.full_order(rules, now)
        self._published = np.zeros(len(self._X), dtype=np.int64)
        self._published[order] = np.arange(1, len(order) + 1)

    def rank_of(
        self, item_id: str, rules: Iterable[Rule] = (), now: datetime | None = None
    ) -> int | None:
        """The item's rank in the unfiltered ranking; None if unknown or removed by a rule."""
        row = self._index.get(item_id)
        if row is None:
            return None
        now = now or utcnow()
        hits = np.flatnonzero(self.full_order(rules, now) == row)
        return int(hits[0]) + 1 if len(hits) else None

    def placement(
        self, item_id: str, scores: np.ndarray, rules: Iterable[Rule], now: datetime
    ) -> tuple[np.ndarray, list[int | None]]:
        """Adjusted scores and ranks ``item_id`` would take with each hypothetical model score.

        Everyone else keeps their current adjusted score; the item keeps its own rule
        adjustment (boost, demote, clearance); pins and removals apply as usual.
        """
        row = self._index.get(item_id)
        if row is None:
            raise NotFound(f"item {item_id!r} is not in the ranking")
        effects = self._effects(rules, now)
        shift = effects.adjusted[row] - self._scores[row]
        adjusted = np.asarray(scores, dtype=np.float64) + shift
        if effects.removed[row]:
            return adjusted, [None] * len(adjusted)
        view = self._alive[: self._n] & ~effects.removed
        pins = self._pins_in(effects, view)
        if any(pinned_row == row for _, pinned_row in pins):
            order = self.full_order(rules, now)
            return adjusted, [int(np.flatnonzero(order == row)[0]) + 1] * len(adjusted)
        total = int(view.sum())
        taken = sorted(slot for slot, _ in _pin_slots(pins) if slot <= total)
        others = view
        others[np.array([r for _, r in pins], dtype=np.int64)] = False
        others[row] = False
        values = effects.adjusted[others]
        other_ids = None
        # Only others between the lowest and highest candidate need ordering.
        low, high = float(adjusted.min()), float(adjusted.max())
        above_all = int(np.count_nonzero(values > high))
        middle_mask = (values >= low) & (values <= high)
        middle = np.sort(values[middle_mask])
        out: list[int | None] = []
        for score in adjusted:
            right = int(np.searchsorted(middle, score, side="right"))
            above = above_all + len(middle) - right
            if right > np.searchsorted(middle, score, side="left"):  # ties: the id decides
                if other_ids is None:
                    other_ids = np.flatnonzero(others)
                tied = other_ids[values == score]
                above += sum(1 for t in tied if self._ids[t] < item_id)
            out.append(_slot_for(above + 1, taken))
        return adjusted, out

    def placements(
        self,
        item_ids: Sequence[str],
        scores: np.ndarray,
        rules: Iterable[Rule],
        now: datetime,
    ) -> list[list[int | None]]:
        """``placement``'s ranks for many items at once: row i of ``scores`` holds hypothetical
        model scores of ``item_ids[i]``. The rules are resolved once, so a batch costs one pass
        over the catalogue and a binary search per score; ties are broken by id, as there."""
        rules = list(rules)
        effects = self._effects(rules, now)
        view = self._alive[: self._n] & ~effects.removed
        pins = self._pins_in(effects, view)
        pinned = {row for _, row in pins}
        total = int(view.sum())
        taken = sorted(slot for slot, _ in _pin_slots(pins) if slot <= total)
        others = view.copy()
        if pinned:
            others[np.fromiter(pinned, dtype=np.int64)] = False
        rows = np.flatnonzero(others)
        # Ordered by score, then id: within a run of equal scores the ids are sorted, so the
        # tied items that go first are found by a binary search too.
        ids = np.array(self._ids, dtype=object)[rows].astype(str)
        by_value = np.lexsort((ids, effects.adjusted[rows]))
        values = effects.adjusted[rows][by_value]
        ids_by_value = ids[by_value]
        order: np.ndarray | None = None
        out: list[list[int | None]] = []
        for item_id, wanted in zip(item_ids, np.atleast_2d(scores), strict=True):
            row = self._index.get(item_id)
            if row is None:
                raise NotFound(f"item {item_id!r} is not in the ranking")
            if effects.removed[row]:
                out.append([None] * len(wanted))
                continue
            if row in pinned:
                order = self.full_order(rules, now) if order is None else order
                out.append([int(np.flatnonzero(order == row)[0]) + 1] * len(wanted))
                continue
            own = effects.adjusted[row]
            shifted = np.asarray(wanted, dtype=np.float64) + (own - self._scores[row])
            left = np.searchsorted(values, shifted, side="left")
            right = np.searchsorted(values, shifted, side="right")
            above = len(values) - right
            if others[row]:  # the item's own current score is among the others
                above = above - (own > shifted)
            ranks: list[int | None] = []
            for a, lo, hi in zip(above.tolist(), left.tolist(), right.tolist(), strict=True):
                if hi > lo:  # ties with others: the id decides
                    a += int(np.searchsorted(ids_by_value[lo:hi], item_id))
                ranks.append(_slot_for(a + 1, taken))
            out.append(ranks)
        return out

    def adjustment(self, item_id: str, rules: Iterable[Rule], now: datetime) -> float:
        """What the active rules add to the item's model score (boost - demote + clearance)."""
        row = self._index.get(item_id)
        if row is None:
            raise NotFound(f"item {item_id!r} is not in the ranking")
        effects = self._effects(rules, now)
        return float(effects.adjusted[row] - self._scores[row])

    # ------------------------------------------------------------------ internals
    def _view(self, category: str | None, marketplace: str | None, query: str | None) -> np.ndarray:
        n = self._n
        mask = self._alive[:n].copy()
        if category is not None:
            code = category_code(category)
            mask &= self._X[:n, COLUMN["category"]] == code
            if code == OTHER_CODE:
                wanted = category.lower()
                for row in np.flatnonzero(mask):
                    mask[row] = self._categories[row].lower() == wanted
        if marketplace is not None:
            mask &= self._X[:n, COLUMN["marketplace"]] == marketplace_code(marketplace)
        if query:
            needle = query.lower()
            for row in np.flatnonzero(mask):
                if needle not in self._titles[row].lower() and needle not in self._ids[row].lower():
                    mask[row] = False
        return mask

    def _effects(self, rules: Iterable[Rule], now: datetime) -> _Effects:
        n = self._n
        adjusted = self._scores[:n].copy()
        removed = np.zeros(n, dtype=bool)
        effects = _Effects(adjusted, removed, [], {})
        rules = active_rules(rules, now)
        for rule in rules:
            if isinstance(rule, RemoveRule) and (row := self._index.get(rule.item_id)) is not None:
                removed[row] = True
                effects.per_row.setdefault(row, []).append(AppliedRule(rule.id, rule.type))
        spread = self.spread()
        X = self._X[:n]
        for rule in rules:
            if isinstance(rule, BoostRule | DemoteRule):
                row = self._index.get(rule.item_id)
                if row is None or removed[row]:
                    continue
                sign = 1.0 if isinstance(rule, BoostRule) else -1.0
                adjusted[row] += sign * rule.strength * spread
                effects.per_row.setdefault(row, []).append(AppliedRule(rule.id, rule.type))
            elif isinstance(rule, ClearanceRule):
                mask = (
                    self._alive[:n]
                    & ~removed
                    & (X[:, COLUMN["stock"]] >= rule.min_stock)
                    & (X[:, COLUMN["days_of_cover"]] >= rule.min_days_of_cover)
                    & (X[:, COLUMN["units_7d"]] <= rule.max_units_7d)
                )
                if rule.category is not None:
                    mask &= self._view(rule.category, None, None)
                if rule.marketplace is not None:
                    mask &= X[:, COLUMN["marketplace"]] == marketplace_code(rule.marketplace)
                adjusted[mask] += rule.strength * spread
                effects.clearance.append((rule, mask))
        pins = sorted(
            (r for r in rules if isinstance(r, PinRule)),
            key=lambda r: (r.position, r.created_at, r.id),
        )
        for rule in pins:
            row = self._index.get(rule.item_id)
            if row is None or removed[row] or row in effects.pin_rules:
                continue
            effects.pin_rules[row] = rule
            effects.pins.append((rule.position, row))
        return effects

    @staticmethod
    def _pins_in(effects: _Effects, view: np.ndarray) -> list[tuple[int, int]]:
        return [(pos, row) for pos, row in effects.pins if view[row]]

    def _top(self, rows: np.ndarray, adjusted: np.ndarray, k: int) -> list[int]:
        """The ``k`` best rows by adjusted score, ties by item id, without a full sort."""
        if k <= 0 or len(rows) == 0:
            return []
        values = adjusted[rows]
        if len(rows) > k:
            threshold = np.partition(values, len(values) - k)[len(values) - k]
            keep = values >= threshold  # every tie at the boundary competes on item id
            rows, values = rows[keep], values[keep]
        ids = self._ids
        ranked = sorted(
            zip((-values).tolist(), rows.tolist(), strict=True),
            key=lambda pair: (pair[0], ids[pair[1]]),
        )
        return [row for _, row in ranked[:k]]

    def _ids_order(self) -> np.ndarray:
        if self._id_order is None or len(self._id_order) != self._n:
            order = np.argsort(np.asarray(self._ids, dtype=str), kind="stable")
            ranks = np.empty(self._n, dtype=np.int64)
            ranks[order] = np.arange(self._n)
            self._id_order = ranks
        return self._id_order

    def _previous_ranks(self, view: np.ndarray, rows: list[int]) -> dict[int, int]:
        """Ranks of ``rows`` in the published ranking restricted to ``view``."""
        published = self._published[: self._n]
        if not rows or not published.any():
            return {}
        in_view = published[view & (published > 0)]
        in_view.sort()
        out = {}
        for row in rows:
            rank = int(published[row])
            if rank > 0 and view[row]:
                out[row] = int(np.searchsorted(in_view, rank)) + 1
        return out


def _pin_slots(pins: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Slots of pins: the requested position, or the next free one after it."""
    taken: set[int] = set()
    out = []
    for position, row in pins:  # already in application order
        slot = position
        while slot in taken:
            slot += 1
        taken.add(slot)
        out.append((slot, row))
    return out


def _slot_for(k: int, taken: list[int]) -> int:
    """The k-th slot not taken by a pin (``taken`` sorted)."""
    slot = k
    for position in taken:
        if position <= slot:
            slot += 1
        else:
            break
    return slot


def _merge(free_order: list[int], pins: list[tuple[int, int]], want: int) -> list[int]:
    """The first ``want`` rows: pins at their slots, the free rows in order around them.

    ``free_order`` may hold only the best free rows. Pins asking for a slot past the end of
    the list follow the last free row, in slot order.
    """
    slots = _pin_slots(pins)
    by_slot = dict(slots)
    late = iter(row for _, row in sorted(slots))
    placed: set[int] = set()
    out: list[int] = []
    rest = iter(free_order)
    for slot in range(1, want + 1):
        row = by_slot.get(slot)
        if row is not None and row in placed:  # moved up earlier to fill a gap at the end
            row = None
        if row is None:
            row = next(rest, None)
        if row is None:
            row = next((r for r in late if r not in placed), None)
        if row is None:
            break
        out.append(row)
        placed.add(row)
    return out
