from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from shared.ml.features import COLUMN
from shared.projection.fold import apply_event
from shared.ranking import scoring
from shared.ranking.ranker import Ranker
from shared.ranking.rule_models import parse_rule, rule_from_doc

NOW = datetime(2026, 10, 10, 14, 20, tzinfo=UTC)  # conftest: end of the simulated history

pytestmark = pytest.mark.unit


def _ranker(model, states, now=NOW):
    ranker = Ranker(model)
    ranker.full(list(states.values()), now)
    return ranker


def _ids(page):
    return [e.item_id for e in page.entries]


def test_ranking_orders_by_score_with_ties_by_item_id(small_model, states):
    ranker = _ranker(small_model, states)
    page = ranker.ranking([], NOW, limit=len(states))
    assert page.total == len(states) == len(page.entries)
    assert [e.rank for e in page.entries] == list(range(1, len(states) + 1))
    keys = [(-e.score, e.item_id) for e in page.entries]
    assert keys == sorted(keys)
    # Identical documents under different ids score the same: the id decides.
    twin_a = {**copy.deepcopy(next(iter(states.values()))), "item_id": "SKU-ZZ-0002"}
    twin_b = {**copy.deepcopy(twin_a), "item_id": "SKU-ZZ-0001"}
    ranker.update([twin_a, twin_b], NOW)
    order = _ids(ranker.ranking([], NOW, limit=1000))
    assert order.index("SKU-ZZ-0001") + 1 == order.index("SKU-ZZ-0002")


def test_pagination_and_filters(small_model, states):
    ranker = _ranker(small_model, states)
    whole = _ids(ranker.ranking([], NOW, limit=1000))
    assert _ids(ranker.ranking([], NOW, limit=10, offset=20)) == whole[20:30]
    footwear = ranker.ranking([], NOW, category="Footwear", limit=1000)
    assert footwear.total == sum(s["category"] == "Footwear" for s in states.values())
    assert _ids(footwear) == [i for i in whole if states[i]["category"] == "Footwear"]
    assert [e.rank for e in footwear.entries] == list(range(1, footwear.total + 1))
    meesho = ranker.ranking([], NOW, marketplace="meesho", limit=1000)
    assert {states[i]["marketplace"] for i in _ids(meesho)} == {"meesho"}
    some = next(iter(states.values()))
    word = some["title"].split()[0]
    found = ranker.ranking([], NOW, query=word.lower(), limit=1000)
    assert some["item_id"] in _ids(found)
    assert all(word.lower() in states[i]["title"].lower() for i in _ids(found))


def test_pins_win_over_everything(small_model, states):
    ranker = _ranker(small_model, states)
    base = _ids(ranker.ranking([], NOW, limit=1000))
    last, second_last = base[-1], base[-2]
    rules = [
        parse_rule("boost", {"item_id": base[5], "strength": 1}),
        parse_rule("pin", {"item_id": last, "position": 1}),
        parse_rule("pin", {"item_id": second_last, "position": 3}),
        parse_rule("demote", {"item_id": last, "strength": 1}),
    ]
    page = ranker.ranking(rules, NOW, limit=5)
    assert page.entries[0].item_id == last and page.entries[0].pinned
    assert page.entries[2].item_id == second_last
    assert page.total == len(states)
    applied = {r.type for r in page.entries[0].rules}
    assert applied == {"pin", "demote"}
    # Same position twice: the earlier pin keeps it, the later takes the next free slot.
    later = rule_from_doc(
        {
            "type": "pin",
            "item_id": base[50],
            "position": 1,
            "created_at": (NOW + timedelta(minutes=5)).isoformat(),
        },
    )
    first = rule_from_doc(
        {"type": "pin", "item_id": base[60], "position": 1, "created_at": NOW.isoformat()}
    )
    order = _ids(ranker.ranking([later, first], NOW, limit=3))
    assert order[:2] == [base[60], base[50]]
    # A pin beyond the end lands last; a pin in a filtered view counts positions in the view.
    assert (
        _ids(
            ranker.ranking(
                [parse_rule("pin", {"item_id": base[0], "position": 10_000})], NOW, limit=1000
            )
        )[-1]
        == base[0]
    )
    category = states[last]["category"]
    view = ranker.ranking([rules[1]], NOW, category=category, limit=3)
    assert view.entries[0].item_id == last


def test_removed_items_never_appear(small_model, states):
    ranker = _ranker(small_model, states)
    base = _ids(ranker.ranking([], NOW, limit=1000))
    gone = {base[0], base[7]}
    rules = [parse_rule("remove", {"item_id": i}) for i in gone]
    rules += [
        parse_rule("pin", {"item_id": base[7], "position": 1}),
        parse_rule("boost", {"item_id": base[0], "strength": 1}),
    ]
    page = ranker.ranking(rules, NOW, limit=1000)
    assert gone.isdisjoint(_ids(page)) and page.total == len(states) - 2
    for category in {states[i]["category"] for i in gone}:
        assert gone.isdisjoint(_ids(ranker.ranking(rules, NOW, category=category, limit=1000)))
    assert ranker.rank_of(base[7], rules, NOW) is None
    # remove_items drops the listing itself.
    assert ranker.remove_items([base[3], "SKU-NOPE"]) == 1
    assert base[3] not in _ids(ranker.ranking([], NOW, limit=1000))
    assert ranker.rank_of(base[3]) is None and len(ranker) == len(states) - 1


def test_validity_windows_are_respected(small_model, states):
    ranker = _ranker(small_model, states)
    base = _ids(ranker.ranking([], NOW, limit=1000))
    future = parse_rule(
        "pin",
        {"item_id": base[-1], "position": 1, "valid_from": (NOW + timedelta(hours=1)).isoformat()},
    )
    expired = parse_rule(
        "remove", {"item_id": base[0], "valid_to": (NOW - timedelta(seconds=1)).isoformat()}
    )
    assert _ids(ranker.ranking([future, expired], NOW, limit=1000)) == base
    later = NOW + timedelta(hours=1)
    assert _ids(ranker.ranking([future, expired], later, limit=1))[0] == base[-1]


def test_boost_and_demote_shift_by_strength_times_spread(small_model, states):
    ranker = _ranker(small_model, states)
    page = ranker.ranking([], NOW, limit=1000)
    scores = np.array([e.score for e in page.entries])
    spread = ranker.spread()
    assert spread == pytest.approx(np.percentile(scores, 95) - np.percentile(scores, 5))
    mid = page.entries[60]
    for kind, strength, sign in (("boost", 0.3, 1), ("boost", 1.0, 1), ("demote", 0.5, -1)):
        rule = parse_rule(kind, {"item_id": mid.item_id, "strength": strength})
        moved = next(
            e for e in ranker.ranking([rule], NOW, limit=1000).entries if e.item_id == mid.item_id
        )
        assert moved.adjusted_score == pytest.approx(mid.score + sign * strength * spread)
        assert (moved.rank < mid.rank) if sign > 0 else (moved.rank > mid.rank)
        assert [r.type for r in moved.rules] == [kind]
    weak = parse_rule("boost", {"item_id": mid.item_id, "strength": 0.05})
    strong = parse_rule("boost", {"item_id": mid.item_id, "strength": 0.8})
    assert ranker.rank_of(mid.item_id, [strong], NOW) < ranker.rank_of(mid.item_id, [weak], NOW)


def test_clearance_targets_high_stock_slow_sellers(small_model, states):
    ranker = _ranker(small_model, states)
    slow = "SKU-CLR-0001"
    fast = "SKU-CLR-0002"
    template = copy.deepcopy(next(iter(states.values())))
    ranker.update(
        [
            {**template, "item_id": slow, "stock": 500, "buckets": {}},
            {
                **template,
                "item_id": fast,
                "stock": 500,
                "buckets": {NOW.strftime("%Y%m%d%H"): [50, 20, 10, 10, 5000.0]},
            },
        ],
        NOW,
    )
    row = ranker.features_of(slow)
    assert row[COLUMN["days_of_cover"]] >= 60 and row[COLUMN["units_7d"]] == 0
    rule = parse_rule("boost-clearance", {"strength": 0.6})
    entries = {e.item_id: e for e in ranker.ranking([rule], NOW, limit=1000).entries}
    assert entries[slow].adjusted_score == pytest.approx(
        entries[slow].score + 0.6 * ranker.spread()
    )
    assert [r.type for r in entries[slow].rules] == ["clearance"]
    assert entries[fast].adjusted_score == entries[fast].score and not entries[fast].rules
    for item, entry in entries.items():
        X = ranker.features_of(item)
        targeted = (
            X[COLUMN["stock"]] >= 20
            and X[COLUMN["days_of_cover"]] >= 60
            and X[COLUMN["units_7d"]] <= 3
        )
        assert bool(entry.rules) == targeted
    scoped = parse_rule("boost-clearance", {"strength": 0.6, "category": "Jewellery"})
    entries = {e.item_id: e for e in ranker.ranking([scoped], NOW, limit=1000).entries}
    assert all(
        states.get(i, template)["category"] == "Jewellery" for i, e in entries.items() if e.rules
    )


def test_incremental_update_equals_full_pass(small_model, simulated_states, states):
    catalogue, _, sim = simulated_states
    rules = [
        parse_rule("pin", {"item_id": catalogue[3]["item_id"], "position": 2}),
        parse_rule("boost-clearance", {"strength": 0.2}),
    ]
    incremental = _ranker(small_model, states)
    context = incremental.context
    # A batch of live events touching a few items, then one brand-new listing.
    later = NOW + timedelta(minutes=30)
    touched = set()
    for e in copy.deepcopy(sim).tick(later, 100):
        doc = {
            "id": f"x-{len(touched)}-{e.occurred_at.timestamp()}",
            "item_id": e.item_id,
            "kind": e.kind,
            "occurred_at": e.occurred_at,
            "views": int(e.kind == "view"),
            "clicks": int(e.kind == "click"),
            "orders": int(e.kind == "order"),
            "units": e.quantity if e.kind == "order" else 0,
            "revenue": e.quantity * e.unit_price if e.kind == "order" else 0.0,
            "stock_delta": -e.quantity if e.kind == "order" else 0,
        }
        apply_event(states[e.item_id], doc)
        touched.add(e.item_id)
    newcomer = {**copy.deepcopy(states[catalogue[0]["item_id"]]), "item_id": "SKU-NEW-0001"}
    states[newcomer["item_id"]] = newcomer
    # Same UTC hour as NOW: untouched rows scored at NOW have the features they'd have now.
    assert later.hour == NOW.hour and len(touched) < len(states) // 2
    batch = [states[i] for i in sorted(touched)]
    incremental.update(batch[: len(batch) // 2], later)
    incremental.update([*batch[len(batch) // 2 :], newcomer], later)
    full = Ranker(small_model)
    full.full(list(states.values()), later, context=context)
    a = incremental.ranking(rules, later, limit=1000)
    b = full.ranking(rules, later, limit=1000)
    assert [(e.item_id, e.rank) for e in a.entries] == [(e.item_id, e.rank) for e in b.entries]
    assert [e.score for e in a.entries] == [e.score for e in b.entries]
    assert a.total == b.total == len(states)


def test_page_full_order_rank_of_and_publish_agree(small_model, states):
    ranker = _ranker(small_model, states)
    base = _ids(ranker.ranking([], NOW, limit=1000))
    rules = [
        parse_rule("pin", {"item_id": base[-1], "position": 2}),
        parse_rule("pin", {"item_id": base[-2], "position": 2}),
        parse_rule("pin", {"item_id": base[-3], "position": 5000}),
        parse_rule("remove", {"item_id": base[1]}),
        parse_rule("demote", {"item_id": base[0], "strength": 0.5}),
        parse_rule("boost-clearance", {"strength": 0.3}),
    ]
    page = _ids(ranker.ranking(rules, NOW, limit=1000))
    assert page == [ranker._ids[row] for row in ranker.full_order(rules, NOW)]
    for item in (base[-1], base[-3], base[0], page[40]):
        assert ranker.rank_of(item, rules, NOW) == page.index(item) + 1
    # Previous ranks refer to the published ranking, also inside a filtered view.
    ranker.publish(rules, NOW)
    moved = parse_rule("boost", {"item_id": page[30], "strength": 1})
    after = ranker.ranking([*rules, moved], NOW, limit=1000)
    for entry in after.entries:
        assert entry.previous_rank == page.index(entry.item_id) + 1
        assert entry.rank_change == entry.previous_rank - entry.rank
    mover = next(e for e in after.entries if e.item_id == page[30])
    assert mover.rank_change > 0
    category = states[page[30]]["category"]
    in_view = [i for i in page if states[i]["category"] == category]
    for entry in ranker.ranking(rules, NOW, category=category, limit=1000).entries:
        assert entry.previous_rank == in_view.index(entry.item_id) + 1 == entry.rank


def test_set_model_rescores_from_stored_features(small_model, states):
    ranker = _ranker(small_model, states)
    before = ranker.ranking([], NOW, limit=1000)
    ranker.set_model(small_model)
    assert ranker.ranking([], NOW, limit=1000) == before


def test_percentiles_place_scores_within_the_catalogue(small_model, states):
    ranker = _ranker(small_model, states)
    page = ranker.ranking([], NOW, limit=len(states))
    scores = [e.score for e in page.entries]
    percentiles = ranker.percentiles(scores)
    assert percentiles == sorted(percentiles, reverse=True)  # best rank, highest percentile
    lowest = min(scores)
    assert ranker.percentiles([lowest, max(scores) + 1]) == [0.0, 100.0]
    below = sum(1 for s in scores if s < scores[10])
    assert percentiles[10] == round(below * 100 / len(scores), 1)


# ------------------------------------------------------------------ live mode and fallback
def test_live_mode_builds_features_without_unsent_signals(small_model, states):
    ranker = Ranker(small_model, mode="live")
    ranker.full(list(states.values()), NOW)
    for item, state in states.items():
        row = ranker.features_of(item)
        assert np.isnan(row[COLUMN["clicks_24h"]])
        assert np.isnan(row[COLUMN["views_24h"]]) == (state["marketplace"] != "amazon")
    assert np.isfinite(ranker.scores_for(states)[next(iter(states))])


def _with_fallback(model, fallback):
    from shared.ml.model import RankerModel

    return RankerModel.from_text(model.to_text(), {**model.metadata, "fallback": fallback})


def test_a_fallback_ranks_live_items_of_its_marketplace_by_the_baseline(small_model, states):
    from shared.ml.baselines import baseline_scores

    rule = {"baseline": "popularity_in_stock", "offset": 0.5, "slope": 2.0}
    model = _with_fallback(small_model, {"myntra": rule})
    live = Ranker(model, mode="live")
    live.full(list(states.values()), NOW)
    plain = Ranker(_with_fallback(small_model, {}), mode="live")
    plain.full(list(states.values()), NOW)
    myntra = [i for i, s in states.items() if s["marketplace"] == "myntra"]
    others = [i for i, s in states.items() if s["marketplace"] != "myntra"]
    assert myntra and others
    # Other marketplaces keep the model's scores; Myntra's follow in-stock popularity.
    assert live.scores_for(others) == plain.scores_for(others)
    page = live.ranking([], NOW, marketplace="myntra", limit=1000)
    X = np.vstack([live.features_of(e.item_id) for e in page.entries])
    baseline = baseline_scores(X)["popularity_in_stock"]
    assert np.all(np.diff(baseline) <= 0), "myntra items not in baseline order"
    scores = np.array([e.score for e in page.entries])
    shaped = np.where(baseline >= 0, np.log1p(np.maximum(baseline, 0)), -1.0)
    np.testing.assert_allclose(scores, 0.5 + 2.0 * shaped)
    # Incremental and full agree with the fallback too.
    one = states[myntra[0]]
    live.update([one], NOW)
    assert live.scores_for([myntra[0]]) == {
        myntra[0]: pytest.approx(scores[_ids(page).index(myntra[0])])
    }
    assert live.ranked_by("myntra") == "popularity_in_stock"
    assert live.ranked_by("amazon") == "model" and live.ranked_by(None) == "model"
    # The demo feed sends every signal: the model ranks everything.
    demo = Ranker(model)
    demo.full(list(states.values()), NOW)
    base = Ranker(_with_fallback(small_model, {}))
    base.full(list(states.values()), NOW)
    assert demo.scores_for(myntra) == base.scores_for(myntra)
    assert demo.ranked_by("myntra") == "model"


def _exact_percentiles(ranker, scores):
    alive = np.sort(np.array(list(ranker.scores_for(ranker._index).values())))
    below = np.searchsorted(alive, np.array(scores), side="left")
    return [round(float(b) * 100 / len(alive), 1) for b in below]


def test_percentiles_keep_the_distribution_for_a_few_rows_and_rebuild_it_after_more(
    small_model, states
):
    # 2,040 items: one re-scored row in a thousand is two rows.
    many = {}
    for k in range(17):
        for item, state in states.items():
            many[f"{item}-{k}"] = {**state, "item_id": f"{item}-{k}"}
    ranker = _ranker(small_model, many)
    by_score = sorted(ranker.scores_for(many).items(), key=lambda kv: kv[1])
    best = by_score[-1][0]
    lowest = [item for item, _ in by_score[:5]]
    ranker.percentiles([0.0])
    computed = ranker._sorted

    # Two of the lowest items become copies of the best: the cached distribution is kept, and
    # every percentile is within the 0.1 it is shown to.
    ranker.update([{**many[best], "item_id": item} for item in lowest[:2]], NOW)
    top = ranker.scores_for([best])[best]
    assert ranker._sorted is computed  # kept: nothing was re-sorted
    got, exact = ranker.percentiles([top]), _exact_percentiles(ranker, [top])
    assert abs(got[0] - exact[0]) <= 0.1 + 1e-9

    # Three more (five in all, over one in a thousand): rebuilt, exact again.
    ranker.update([{**many[best], "item_id": item} for item in lowest[2:]], NOW)
    assert ranker.percentiles([top]) == _exact_percentiles(ranker, [top])
    assert ranker.percentiles([top])[0] < 100 * (len(many) - 5) / len(many)


def test_a_full_pass_over_many_document_chunks_and_feature_blocks_builds_the_same_catalogue(
    small_model, states, monkeypatch
):
    whole = _ranker(small_model, states)
    # Chunks of 3 documents written into blocks of 9 rows: three chunks share a block, and the
    # last block is partly filled.
    monkeypatch.setattr(scoring, "_DOCS", 3)
    monkeypatch.setattr(scoring, "_BLOCK_ROWS", 9)
    chunked = Ranker(small_model)
    chunked.full(iter(list(states.values())), NOW)
    assert len(states) % 9 != 0
    assert chunked._ids == whole._ids
    np.testing.assert_array_equal(chunked._X, whole._X)
    np.testing.assert_array_equal(chunked._scores, whole._scores)
    assert _ids(chunked.ranking([], NOW, limit=1000)) == _ids(whole.ranking([], NOW, limit=1000))
