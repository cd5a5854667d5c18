"""``python -m shared.projection.rebuild`` restores a damaged projection from the event log."""

from __future__ import annotations

import pytest

from demo import seed
from demo.sim.simulator import simulate_catalogue
from shared.projection import apply, rebuild

pytestmark = pytest.mark.integration


def test_rebuild_repairs_a_damaged_product_and_leaves_good_ones(store, monkeypatch, capsys):
    products = simulate_catalogue(4, seed=41)
    seed.seed_catalogue(store, products, history_hours=3, seed=41)
    # Project once through the normal path (what the change feed would have done).
    events = sorted(store.query("events", "SELECT * FROM c"), key=lambda d: d["_ts"])

    apply.project_batch(store, events)
    good = {p["item_id"]: store.read("products", p["item_id"], p["item_id"]) for p in products}
    damaged_id = products[0]["item_id"]
    damaged = {**good[damaged_id], "stock": 99_999, "totals": {}}
    store.upsert("products", {k: v for k, v in damaged.items() if not k.startswith("_")})

    assert rebuild.main([]) == 0
    assert "4 products; 1 differed" in capsys.readouterr().out
    repaired = store.read("products", damaged_id, damaged_id)
    for key in ("stock", "totals", "buckets"):
        assert repaired[key] == good[damaged_id][key]
    assert rebuild.main(["--item", damaged_id]) == 0
    assert "1 products; 0 differed" in capsys.readouterr().out
