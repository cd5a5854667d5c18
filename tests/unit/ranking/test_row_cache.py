"""The full pass's row cache: whatever it reuses, the result equals a pass built from scratch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import numpy as np
import pytest

from shared.core.records import hour_key
from shared.projection.fold import apply_event
from shared.projection.windows import band_changes
from shared.ranking import row_cache
from shared.ranking.ranker import Ranker

NOW = datetime(2026, 10, 10, 14, 20, tzinfo=UTC)  # conftest: end of the simulated history

pytestmark = pytest.mark.unit

_etag = count(1)


def _stamp(states):
    """Give every state an ``_etag``, as documents read from Cosmos have."""
    for state in states.values():
        state["_etag"] = f'"{next(_etag)}"'
    return list(states.values())


def _touch(state, now, **counters):
    apply_event(
        state,
        {"id": f"e{next(_etag)}", "item_id": state["item_id"], "kind": "view",
         "occurred_at": now, **counters},
    )  # fmt: skip
    state["_etag"] = f'"{next(_etag)}"'


def _same_as_fresh(ranker, docs, now, model):
    fresh = Ranker(model, ranker.mode)
    fresh.full(docs, now)
    n = len(docs)
    np.testing.assert_array_equal(ranker._X[:n], fresh._X[:n])
    np.testing.assert_array_equal(ranker._scores[:n], fresh._scores[:n])
    assert ranker.ranking([], now, limit=n).to_dict() == fresh.ranking([], now, limit=n).to_dict()


def _built_rows(ranker, monkeypatch):
    """Count the rows the next full pass builds."""
    import shared.ranking.scoring as module

    built = []
    real = module.build_raw

    def spy(products, now, mode="mock"):
        built.append(len(products))
        return real(products, now, mode)

    monkeypatch.setattr(module, "build_raw", spy)
    return built


def _scored_rows(ranker, monkeypatch):
    """Count the rows the ranker scores."""
    scored = []
    real = ranker.score

    def spy(X):
        scored.append(len(X))
        return real(X)

    monkeypatch.setattr(ranker, "score", spy)
    return scored


def _build_the_new_day_ahead(ranker, docs, late):
    ranker.full(docs, late)
    passes = 1
    while ranker._next_hour.pending:
        ranker.full(docs, late + timedelta(minutes=passes))
        passes += 1
    return passes


def test_band_changes_one_hour_later_are_the_four_keys_that_change_window():
    later = NOW + timedelta(hours=1)
    assert band_changes(NOW, NOW + timedelta(minutes=30)) == frozenset()
    assert band_changes(NOW, later) == {
        hour_key(later),  # enters the current hour
        hour_key(NOW),  # current hour -> rest of the day
        hour_key(NOW - timedelta(hours=23)),  # day -> rest of the week
        hour_key(NOW - timedelta(hours=167)),  # leaves the week
    }
    assert band_changes(NOW, NOW - timedelta(hours=1)) is None
    assert band_changes(NOW, NOW + timedelta(days=1)) is None


def test_an_unchanged_catalogue_is_not_rebuilt_and_equals_a_fresh_pass(
    small_model, states, monkeypatch
):
    docs = _stamp(states)
    ranker = Ranker(small_model)
    ranker.full(docs, NOW)
    built = _built_rows(ranker, monkeypatch)
    ranker.full(docs, NOW + timedelta(seconds=30))
    assert sum(built) == 0
    _same_as_fresh(ranker, docs, NOW + timedelta(seconds=30), small_model)


def test_changed_documents_are_rebuilt_and_the_rest_reused(small_model, states, monkeypatch):
    docs = _stamp(states)
    ranker = Ranker(small_model)
    ranker.full(docs, NOW)
    for state in docs[:5]:
        _touch(state, NOW, views=7, clicks=3)
    docs[5]["price"] = docs[5]["price"] * 0.5  # a price change moves its category median too
    docs[5]["_etag"] = '"repriced"'
    built = _built_rows(ranker, monkeypatch)
    ranker.full(docs, NOW + timedelta(seconds=30))
    assert sum(built) == 6
    _same_as_fresh(ranker, docs, NOW + timedelta(seconds=30), small_model)


def test_a_new_hour_rebuilds_only_rows_with_buckets_that_change_window(
    small_model, states, monkeypatch
):
    later = NOW + timedelta(hours=1)
    moved = band_changes(NOW, later)
    assert moved
    # Every simulated item sells every hour; a real catalogue has quiet items: make half quiet
    # at the hours that change window.
    docs = list(states.values())
    for state in docs[::2]:
        for key in moved:
            state["buckets"].pop(key, None)
    docs = _stamp(states)
    monkeypatch.setattr(row_cache, "PREPARE_PER_PASS", 0)  # nothing built ahead here
    ranker = Ranker(small_model)
    ranker.full(docs, NOW)
    expected = sum(any(k in (d.get("buckets") or {}) for k in moved) for d in docs)
    assert 0 < expected < len(docs)
    built = _built_rows(ranker, monkeypatch)
    ranker.full(docs, later)
    assert sum(built) == expected
    _same_as_fresh(ranker, docs, later, small_model)


def test_rows_the_next_hour_changes_are_built_ahead_a_slice_per_pass(
    small_model, states, monkeypatch
):
    later = NOW + timedelta(hours=1)
    docs = _stamp(states)
    changing = [
        d for d in docs if any(k in (d.get("buckets") or {}) for k in band_changes(NOW, later))
    ]
    monkeypatch.setattr(row_cache, "PREPARE_PER_PASS", 25)
    built = _built_rows(Ranker(small_model), monkeypatch)
    ranker = Ranker(small_model)
    ranker.full(docs, NOW)  # builds every row, plans the next hour, builds 25 ahead
    assert built == [len(docs), 25]
    passes = 1
    while ranker._next_hour.pending:
        ranker.full(docs, NOW + timedelta(minutes=passes))
        passes += 1
    assert passes == -(-len(changing) // 25)
    assert sum(built[1:]) == len(changing)
    _touch(docs[0], NOW, views=1)  # changed after its row was built ahead: built again
    built.clear()
    ranker.full(docs, later + timedelta(minutes=10))
    assert built == [1]  # the pass that takes the rows plans the next hour only after
    _same_as_fresh(ranker, docs, later + timedelta(minutes=10), small_model)
    ranker.full(docs, later + timedelta(minutes=11))
    assert ranker._next_hour.hour == row_cache.hour_start(later) + timedelta(hours=1)


def test_before_midnight_every_row_is_built_ahead_for_the_new_day(small_model, states, monkeypatch):
    docs = _stamp(states)
    late = NOW.replace(hour=23, minute=40)
    midnight = late.replace(hour=0, minute=0) + timedelta(days=1)
    monkeypatch.setattr(row_cache, "PREPARE_PER_PASS", 50)
    ranker = Ranker(small_model)
    assert _build_the_new_day_ahead(ranker, docs, late) == -(-len(docs) // 50)
    built = _built_rows(ranker, monkeypatch)
    scored = _scored_rows(ranker, monkeypatch)
    ranker.full(docs, midnight + timedelta(minutes=1))
    assert built == []  # the first pass of the day builds nothing
    assert sum(scored) == 0  # and scores nothing: the rows were scored when built
    _same_as_fresh(ranker, docs, midnight + timedelta(minutes=1), small_model)


def test_rows_built_ahead_are_scored_again_when_their_category_median_or_the_model_moved(
    small_model, states, monkeypatch
):
    docs = _stamp(states)
    late = NOW.replace(hour=23, minute=40)
    midnight = late.replace(hour=0, minute=0) + timedelta(days=1) + timedelta(minutes=1)
    monkeypatch.setattr(row_cache, "PREPARE_PER_PASS", 50)
    ranker = Ranker(small_model)
    _build_the_new_day_ahead(ranker, docs, late)
    # Most items of one category double their price after their rows were built ahead: the
    # category's median moves, so the scores of its unchanged rows (price_vs_category) are
    # stale too.
    category = docs[0]["category"]
    same_category = [d for d in docs if d["category"] == category]
    assert 3 < len(same_category) < len(docs)
    for doc in same_category[: len(same_category) // 2 + 1]:
        doc["price"] = doc["price"] * 2
        doc["_etag"] = f'"{next(_etag)}"'
    scored = _scored_rows(ranker, monkeypatch)
    ranker.full(docs, midnight)
    assert sum(scored) == len(same_category)
    _same_as_fresh(ranker, docs, midnight, small_model)

    # Another model served since the rows were scored: nothing built ahead keeps its score.
    other = Ranker(small_model)
    _build_the_new_day_ahead(other, docs, late + timedelta(days=1))
    other.set_model(type(small_model)(small_model.booster, small_model.metadata))
    scored = _scored_rows(other, monkeypatch)
    other.full(docs, midnight + timedelta(days=1))
    assert sum(scored) == len(docs)
    _same_as_fresh(other, docs, midnight + timedelta(days=1), small_model)


def test_rows_from_the_incremental_path_are_reused_and_a_mode_change_rebuilds_all(
    small_model, states, monkeypatch
):
    docs = _stamp(states)
    ranker = Ranker(small_model)
    ranker.full(docs, NOW)
    _touch(docs[0], NOW, views=2)
    ranker.update([docs[0]], NOW)
    built = _built_rows(ranker, monkeypatch)
    ranker.full(docs, NOW)
    assert sum(built) == 0
    ranker.mode = "live"
    ranker.full(docs, NOW)
    assert built[0] == len(docs)  # then the next hour is planned again, for live rows
    _same_as_fresh(ranker, docs, NOW, small_model)


def test_documents_without_etag_are_always_rebuilt(small_model, states, monkeypatch):
    docs = list(states.values())
    ranker = Ranker(small_model)
    ranker.full(docs, NOW)
    built = _built_rows(ranker, monkeypatch)
    ranker.full(docs, NOW)
    assert sum(built) == len(docs)
