"""The daily inventory computation over 100,000 inventory rows, and risk scoring throughput.

    python bench/bench_inventory.py [--rows 100000] [--repeat 3]

Builds product documents (40 % of items in 2-4 stores, the rest one row; a week of hourly
sales buckets on a third of them, lifecycle dates up to two years back) and the previous
day's snapshot rows, then times on one core, in this process:

- ``snapshot``: ``shared.inventory.snapshot.rows_for_day`` (aging, days since the last sale,
  days of cover, danger level, capital) over every row;
- ``risk``: features and the calibrated risk model (trained here on simulated snapshots) for
  every row, without and with SHAP reasons;
- ``decisions``: the decision engine over every row in danger (what-if price curves and
  clearance placements of their items in one batch against a ranking of the same catalogue,
  whose build is timed too).

``daily_compute_s`` is snapshot + risk with reasons + ranking build + decisions: what the
three daily steps compute.

Prints JSON with medians; peak memory is reported by ``bench/run_all.py`` (or ``ru_maxrss``
here; the models are trained in a child process, as the job loads them from Blob). Cosmos
reads and writes are not included (the local server is the limit there).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo.sim.catalogue import simulate_catalogue
from demo.simulated_training import SimConfig, train_simulated
from demo.train_risk import Config, train
from shared.core.records import hour_key
from shared.inventory import decisions
from shared.inventory.risk import Scorer
from shared.inventory.snapshot import end_of_day, previous_rows, rows_for_day
from shared.ml.model import RankerModel
from shared.ml.risk.model import RiskModel
from shared.projection import aging
from shared.projection.windows import window_counts
from shared.ranking.ranker import Ranker

DAY = date(2026, 12, 1)
AS_OF = end_of_day(DAY)


def catalogue(rows: int, rng: random.Random) -> list[dict]:
    base = simulate_catalogue(500, 3)
    keys = [hour_key(AS_OF - timedelta(hours=h)) for h in range(7 * 24)]
    products: list[dict] = []
    made = 0
    i = 0
    while made < rows:
        p = dict(base[i % len(base)])
        item = f"SKU-{i:07d}"
        stores = rng.randint(2, 4) if rng.random() < 0.4 else 1
        stores = min(stores, rows - made)
        start = (DAY - timedelta(days=rng.randint(0, 730))).isoformat()
        sold = rng.random() < 0.33
        p.update(
            {
                "item_id": item,
                "id": item,
                "department": p["category"],
                "stock": 0,
                "stock_locations": {},
                "location_since": {},
                "buckets": {k: [5, 1, 1, 1, float(p["price"])] for k in rng.sample(keys, 6)}
                if sold
                else {},
                "last_sale_at": (AS_OF - timedelta(days=rng.randint(0, 6))).isoformat()
                if sold
                else None,
                "first_stock_at": start + "T00:00:00+00:00",
            }
        )
        for s in range(stores):
            units = rng.randint(0, 60)
            p["stock_locations"][f"st-{s}"] = {"value": units, "at": "", "reserved": 0}
            p["location_since"][f"st-{s}"] = {"first_at": "", "lifecycle_start": start}
            p["stock"] += units
        products.append(p)
        made += stores
        i += 1
    return products


def trained_models() -> dict[str, tuple[str, dict]]:
    """Model texts and metadata, trained in a child process."""
    risk_model, text = train(Config(pairs=1500, days=240, seed=5, rounds=200))
    ranking_model = train_simulated(
        SimConfig(items=150, days=16, seed=5, step_hours=8, holdout_days=3, rounds=60),
        log=lambda _: None,
    )[0]
    return {
        "risk": (text, risk_model.metadata),
        "ranker": (ranking_model.to_text(), ranking_model.metadata),
    }


def median_ms(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        out = None  # one result alive at a time, as in the job
        t0 = time.process_time()
        out = fn()
        times.append((time.process_time() - t0) * 1000)
    return round(statistics.median(times), 1), out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    # The job loads its models from Blob; training them here would count the trainers' memory.
    with ProcessPoolExecutor(1) as pool:
        models = pool.submit(trained_models).result()
    rng = random.Random(11)
    products = catalogue(args.rows, rng)
    print(f"{len(products)} items", file=sys.stderr, flush=True)
    thresholds = aging.Thresholds()
    # As the job reads the day before: only the fields a day's rows need of it.
    previous = previous_rows(rows_for_day(products, {}, DAY - timedelta(days=1), AS_OF, thresholds))

    snapshot_ms, rows = median_ms(
        lambda: rows_for_day(products, previous, DAY, AS_OF, thresholds), args.repeat
    )
    assert isinstance(rows, list)
    print(f"snapshot {snapshot_ms} ms", file=sys.stderr, flush=True)
    scorer = Scorer(RiskModel.from_text(*models["risk"]))
    risk_ms, _ = median_ms(lambda: scorer.score(rows, reasons=False), args.repeat)
    reasons_ms, _ = median_ms(lambda: scorer.score(rows, reasons=True), 1)
    print(f"risk {risk_ms} ms, with reasons {reasons_ms} ms", file=sys.stderr, flush=True)

    ranker = Ranker(RankerModel.from_text(*models["ranker"]))
    t0 = time.process_time()
    ranker.full(products, AS_OF)
    ranker_ms = (time.process_time() - t0) * 1000
    units = window_counts(products, AS_OF)[:, 2, 3].tolist()
    context = decisions.RankingContext(
        ranker,
        [],
        decisions.SellThrough.of(
            ranker, {p["item_id"]: u for p, u in zip(products, units, strict=True)}
        ),
        {p["item_id"]: p for p in products},
        AS_OF,
    )
    by_item: dict[str, list[dict]] = {}
    for r in rows:
        by_item.setdefault(r["item_id"], []).append(r)
    danger = [r for r in rows if r["danger"]]
    # A page at a time, as the job decides, writes and drops them.
    t0 = time.process_time()
    decided = 0
    for start in range(0, len(danger), decisions.PAGE):
        page = danger[start : start + decisions.PAGE]
        decided += len(decisions.decide_all(page, by_item, context, thresholds))
    decisions_ms = (time.process_time() - t0) * 1000
    assert decided == len(danger)
    print(f"decisions {decisions_ms:.0f} ms", file=sys.stderr, flush=True)

    result = {
        "rows": len(rows),
        "items": len(products),
        "in_danger": len(danger),
        "snapshot_ms_median": snapshot_ms,
        "risk_scoring_ms_median": risk_ms,
        "risk_rows_per_s": round(len(rows) / (risk_ms / 1000)),
        "risk_with_shap_reasons_ms": reasons_ms,
        "ranking_build_ms": round(ranker_ms, 1),
        "decisions_ms": round(decisions_ms, 1),
        "daily_compute_s": round((snapshot_ms + reasons_ms + ranker_ms + decisions_ms) / 1000, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "cpu": "one core (process time)",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
