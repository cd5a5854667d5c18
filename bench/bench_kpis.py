"""KPI aggregate cost: what a broadcast pays for KPIs, and the hourly full pass.

    python bench/bench_kpis.py [--products 100000]

Prints JSON: median milliseconds to rebase the aggregate over the whole catalogue (cold start
and once per UTC hour), to update it after a 100-product batch (every broadcast), and to take
a snapshot.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.core.records import MARKETPLACES, hour_key
from shared.projection.projected_kpis import KpiAggregate


def catalogue(n: int, now: datetime, rng: random.Random) -> list[dict]:
    keys = [hour_key(now - timedelta(hours=h)) for h in range(7 * 24)]
    out = []
    for i in range(n):
        buckets = {
            k: [rng.randint(0, 20), rng.randint(0, 5), rng.randint(0, 2), 1, 499.0]
            for k in rng.sample(keys, 24)
        }
        out.append(
            {
                "item_id": f"SKU-{i:07d}",
                "marketplace": MARKETPLACES[i % 3],
                "stock": rng.randint(0, 200),
                "buckets": buckets,
                "totals": {"views": 100, "clicks": 20, "orders": 5, "units": 6, "revenue": 2994.0},
            }
        )
    return out


def median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 2)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    args = parser.parse_args()
    now = datetime.now(UTC)
    rng = random.Random(5)
    products = catalogue(args.products, now, rng)
    aggregate = KpiAggregate(low_stock_threshold=10)
    rebase = median_ms(lambda: aggregate.rebase(products, now), 3)
    batch = [products[rng.randrange(len(products))] for _ in range(100)]
    update = median_ms(lambda: aggregate.update(batch, now), 20)
    snapshot = median_ms(lambda: aggregate.snapshot(now, mode="mock"), 20)
    print(
        json.dumps(
            {
                "products": args.products,
                "rebase_ms": rebase,
                "update_100_products_ms": update,
                "snapshot_ms": snapshot,
                "targets": {"update_100_products_ms": 50},
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
