"""The decision engine: transfer to where the item sells, the markdown from the item's own
price response (what-if), the clearance boost, and which one is recommended."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from demo.sim.simulator import Simulator, simulate_catalogue
from demo.simulated_training import SimConfig, train_simulated
from shared.inventory import decisions
from shared.projection import aging
from shared.projection.fold import apply_event, new_state
from shared.projection.windows import window_counts
from shared.ranking.ranker import Ranker
from shared.ranking.whatif import price_curves, price_whatif

pytestmark = pytest.mark.unit

T = aging.Thresholds()
START = datetime(2026, 10, 1, tzinfo=UTC)
NOW = START + timedelta(days=9, hours=14)


@pytest.fixture(scope="module")
def world():
    model = train_simulated(
        SimConfig(items=150, days=16, seed=5, step_hours=8, holdout_days=3, rounds=60),
        log=lambda _: None,
    )[0]
    catalogue = simulate_catalogue(120, 21)
    sim = Simulator(catalogue, 21)
    states = {p["item_id"]: new_state(p) for p in catalogue}
    for event in sim.history(START, 24 * 9 + 14):
        apply_event(states[event.item_id], event.to_doc())
    ranker = Ranker(model)
    ranker.full(list(states.values()), NOW)
    docs = list(states.values())
    units = window_counts(docs, NOW)[:, 2, 3].tolist()
    sell = decisions.SellThrough.of(
        ranker, {d["item_id"]: u for d, u in zip(docs, units, strict=True)}
    )
    ctx = decisions.RankingContext(ranker, [], sell, states, NOW)
    return ctx, states


def _row(item: dict, store: str = "s1", **fields) -> dict:
    return {
        "item_id": item["item_id"],
        "store_id": store,
        "store_name": store,
        "category": item["category"],
        "marketplace": item["marketplace"],
        "units": 12,
        "unit_value": float(item["price"]),
        "capital": 12 * float(item["price"]),
        "days_since_sale": 95,
        "days_of_cover": 365.0,
        "sold_30d": 0.0,
        "danger": "CRITICAL",
        **fields,
    }


def test_sell_through_is_higher_at_the_top_of_the_ranking(world) -> None:
    ctx, _ = world
    shares = ctx.sell_through.shares
    assert len(shares) == 10 and shares[0] >= shares[-1]
    assert ctx.sell_through.share(1) == shares[0]
    assert ctx.sell_through.share(ctx.sell_through.total) == shares[-1]
    assert ctx.sell_through.share(None) == 0.0


def test_markdown_comes_from_the_items_own_what_if_curve(world) -> None:
    ctx, states = world
    item = copy.deepcopy(
        min(states.values(), key=lambda s: ctx.ranker.scores_for([s["item_id"]])[s["item_id"]])
    )
    row = _row(item)
    decision = decisions.decide(row, [row], ctx, T)
    markdown = next(o for o in decision["options"] if o["action"] == "markdown")
    curve = price_whatif(
        ctx.ranker, item, [round(item["price"] * (1 - m), 2) for m in decisions.MARKDOWNS], NOW, []
    )
    assert [p["rank"] for p in markdown["curve"]] == [p.rank for p in curve.points]
    for point in markdown["curve"]:
        assert point["expected_recovery"] == round(
            12 * point["price"] * ctx.sell_through.share(point["rank"]), 2
        )
    assert markdown["expected_recovery"] == max(p["expected_recovery"] for p in markdown["curve"])
    clearance = next(o for o in decision["options"] if o["action"] == "clearance")
    assert clearance["rank"] <= clearance["current_rank"]  # a boost never sinks the item
    assert clearance["rule"]["category"] == item["category"]
    assert clearance["rule"]["min_stock"] == 12
    assert decision["expected_recovery"] == max(
        o["expected_recovery"] or 0 for o in decision["options"]
    )


def test_transfer_goes_to_the_store_that_sells_and_wins_when_it_recovers_most(world) -> None:
    ctx, states = world
    item = next(iter(states.values()))
    here = _row(item, "s1")
    seller = _row(item, "s2", days_since_sale=3, sold_30d=40.0, danger=None)
    slow = _row(item, "s3", days_since_sale=10, sold_30d=5.0, danger=None)
    decision = decisions.decide(here, [here, seller, slow], ctx, T)
    transfer = next(o for o in decision["options"] if o["action"] == "transfer")
    assert transfer["to_store_id"] == "s2" and transfer["units"] == 12
    assert transfer["expected_recovery"] == 12 * item["price"]
    # the whole stock at full price beats any markdown or share of a boost
    assert decision["action"] == "transfer"


def test_without_a_ranking_only_a_transfer_can_be_recommended(world) -> None:
    _, states = world
    item = next(iter(states.values()))
    row = _row(item)
    decision = decisions.decide(row, [row], None, T)
    assert decision["action"] is None and decision["expected_recovery"] == 0.0
    assert {o["action"]: o["expected_recovery"] for o in decision["options"]} == {
        "transfer": None,
        "markdown": None,
        "clearance": None,
    }
    assert "no ranking model" in decision["options"][1]["reason"]


def test_batch_placements_agree_with_one_item_placement_ties_included(world) -> None:
    ctx, states = world
    ranker = ctx.ranker
    ids = sorted(states)[:40]
    current = ranker.scores_for(ids)
    # each item's own score (ties with itself), others' scores (ties by id), and two shifts
    others = list(current.values())
    wanted = np.array(
        [
            [current[i], others[(k + 1) % len(others)], current[i] + 0.5, current[i] - 0.5]
            for k, i in enumerate(ids)
        ]
    )
    batch = ranker.placements(ids, wanted, [], NOW)
    for item, row, ranks in zip(ids, wanted, batch, strict=True):
        assert ranker.placement(item, row, [], NOW)[1] == ranks


def test_price_curves_match_price_whatif(world) -> None:
    ctx, states = world
    items = [copy.deepcopy(states[i]) for i in sorted(states)[:10]]
    factors = [1 - m for m in decisions.MARKDOWNS]
    for curve, item in zip(price_curves(ctx.ranker, items, factors, NOW, []), items, strict=True):
        single = price_whatif(
            ctx.ranker, item, [round(item["price"] * f, 2) for f in factors], NOW, []
        )
        assert curve.ranks == [p.rank for p in single.points]
        assert curve.current_rank == single.current_rank
