"""The ranking engine: the scored catalogue (``shared.ranking.scoring``) placed into a ranking.

Ranking applies the rules (see ``shared.ranking.rule_models``) and orders by adjusted score, ties by
item id; pins take their slots. ``publish()`` remembers the ranking that was broadcast, and later
rankings report each item's previous rank and its change against it. What-if placements rank
hypothetical scores of one item against everyone else's current adjusted score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from shared.core.errors import NotFound
from shared.core.records import utcnow
from shared.ml.features import COLUMN
from shared.ml.vocabulary import OTHER_CODE, category_code, marketplace_code
from shared.ranking.rule_models import (
    BoostRule,
    ClearanceRule,
    DemoteRule,
    PinRule,
    RemoveRule,
    Rule,
    active_rules,
)
from shared.ranking.scoring import ScoredCatalogue


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


class Ranker(ScoredCatalogue):
    """The scored catalogue with the rules applied: pages, full orders, ranks and placements."""

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
            # Variable-width strings: 16 B an id, where fixed-width unicode took 4 B a character
            # of the longest id (60 MB at 1M items); UTF-8 bytes sort as code points do.
            order = np.argsort(np.asarray(self._ids, dtype=np.dtypes.StringDType()), kind="stable")
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
