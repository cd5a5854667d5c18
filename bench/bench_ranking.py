"""Ranking benchmark on one core; prints JSON (medians over repeats).

    python bench/bench_ranking.py            # 100k figures, SHAP, what-if, 1M peak memory
    python bench/bench_ranking.py --skip-million

Product states are synthetic but shaped like the projection's documents: catalogue fields,
stock, competitor price and sparse hourly buckets over the last 8 days (heavy-tailed activity:
most items see a few active hours a week, bestsellers most hours) with their daily rollup,
passed through JSON as the Cosmos SDK hands them over. The 1,000,000-product pass runs in a
child process that streams documents into the ranker, and reports its peak RSS.

The process is pinned to one core. ``reconcile_pass_ms`` is what the 30-second reconcile costs
at 100k products: features built from the product documents, context, scoring, rules and the
ranking (``Ranker.full`` + ``full_order`` + a 50-row page) after 1,000 products changed since the
last pass; its target is 1 s. ``reconcile_new_hour_ms`` is the first pass of an hour (rows whose
buckets change window were built ahead by the passes before, ``reconcile_pass_building_ahead``),
``reconcile_new_day_cpu_ms`` the first pass of a UTC day (every row was built and scored ahead
before midnight), ``reconcile_cold_ms`` a pass with nothing to reuse (a new process, a mode
change). Medians of wall
time and of CPU time (``time.process_time``: the machine is shared, and CPU time does not count
time the core spent on other processes) are both reported, with the load average.
``full_rescore_and_rank_ms`` re-scores from the stored feature matrix (a new model, no
documents read).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy/lightgbm load their thread pools

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from bench_ingest import high_water_mb, pin_to_one_core

from demo.sim.catalogue import SPECS
from demo.simulated_training import QUICK, train_simulated
from shared.core.records import MARKETPLACES, hour_key
from shared.ml.explain import explain
from shared.ml.features import FeatureContext, build_features
from shared.ml.model import RankerModel
from shared.ml.vocabulary import CATEGORIES
from shared.projection.fold import BUCKET_HOURS, apply_event, new_state
from shared.projection.windows import band_changes, window_counts
from shared.ranking.ranker import Ranker
from shared.ranking.rule_models import parse_rule
from shared.ranking.whatif import price_whatif

NOW = datetime(2026, 11, 20, 15, 25, tzinfo=UTC)
ETAGS = itertools.count(1)
CHUNK = 10_000


def synthetic_states(n: int, now: datetime, seed: int) -> Iterator[dict]:
    """``n`` projected product documents, generated chunk by chunk (constant memory)."""
    rng = np.random.default_rng(seed)
    start = now.replace(minute=0, second=0, microsecond=0)
    keys = [hour_key(start - timedelta(hours=h)) for h in range(BUCKET_HOURS)]
    specs = [SPECS[c] for c in CATEGORIES]
    for base in range(0, n, CHUNK):
        m = min(CHUNK, n - base)
        cat = rng.integers(0, len(CATEGORIES), m)
        mp = rng.integers(0, 3, m)
        price = np.round(np.exp(rng.uniform(np.log(149), np.log(4999), m))) + 0.0
        mrp = np.round(price / (1 - rng.uniform(0.05, 0.6, m)))
        activity = np.minimum(0.95, rng.lognormal(-2.6, 1.2, m))
        active = rng.binomial(BUCKET_HOURS, activity)
        stock = rng.integers(0, 400, m)
        competitor = np.where(rng.random(m) < 0.6, price * rng.lognormal(0, 0.1, m), np.nan)
        total = int(active.sum())
        hours = rng.integers(0, BUCKET_HOURS, total)
        views = 1 + rng.poisson(2.0, total)
        clicks = rng.binomial(views, 0.28)
        orders = rng.binomial(clicks, 0.45)
        pos = 0
        for i in range(m):
            k = int(active[i])
            buckets = {}
            for j in range(pos, pos + k):
                o = int(orders[j])
                buckets[keys[hours[j]]] = [int(views[j]), int(clicks[j]), o, o, o * price[i]]
            pos += k
            spec = specs[cat[i]]
            item = base + i
            state = new_state(
                {
                    "item_id": f"SKU-{spec.prefix}-{item:07d}",
                    "title": " ".join(
                        (
                            spec.brands[item % len(spec.brands)],
                            spec.kinds[item % len(spec.kinds)],
                            "-",
                            spec.variants[item % len(spec.variants)],
                        )
                    ),
                    "category": CATEGORIES[cat[i]],
                    "brand": spec.brands[item % len(spec.brands)],
                    "marketplace": MARKETPLACES[mp[i]],
                    "price": float(price[i]),
                    "mrp": float(max(mrp[i], price[i])),
                    "rating": round(float(np.clip(rng.normal(4.0, 0.35), 2.5, 5.0)), 1),
                    "review_count": int(rng.lognormal(4.5, 1.6)),
                    "stock": int(stock[i]),
                }
            )
            state["buckets"] = buckets
            # The daily rollup the fold keeps beside the buckets (units, revenue per UTC day).
            for key, counters in buckets.items():
                if counters[3]:
                    day = state["days"].setdefault(key[:8], [0, 0.0])
                    day[0] += counters[3]
                    day[1] = round(day[1] + counters[4], 2)
            if not np.isnan(competitor[i]):
                state["competitor_price"] = float(competitor[i])
            state["last_event_at"] = now.isoformat()
            yield state


def rules_for(ids: list[str]) -> list:
    rng = np.random.default_rng(3)
    pick = rng.choice(len(ids), 45, replace=False)
    rules = [parse_rule("pin", {"item_id": ids[pick[i]], "position": i * 3 + 1}) for i in range(5)]
    rules += [parse_rule("boost", {"item_id": ids[pick[i]], "strength": 0.4}) for i in range(5, 25)]
    rules += [
        parse_rule("demote", {"item_id": ids[pick[i]], "strength": 0.3}) for i in range(25, 35)
    ]
    rules += [parse_rule("remove", {"item_id": ids[pick[i]]}) for i in range(35, 45)]
    rules.append(parse_rule("boost-clearance", {"strength": 0.5}))
    return rules


def median_wall_cpu_ms(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Medians of wall and CPU milliseconds over ``repeats`` runs (no warm-up run)."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return round(statistics.median(wall) * 1000, 1), round(statistics.median(cpu) * 1000, 1)


def median_ms(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 2)


def event_batch(states: dict[str, dict], ids: list[str], rng: np.random.Generator) -> set[str]:
    """Apply 100 shopper events (70/20/10) to the states; returns the touched ids."""
    touched = set()
    for n, item in enumerate(rng.choice(ids, 100)):
        kind = rng.choice(["view", "click", "order"], p=[0.7, 0.2, 0.1])
        state = states[item]
        event = {
            "id": f"b{n}",
            "item_id": item,
            "kind": kind,
            "occurred_at": NOW,
            "views": int(kind == "view"),
            "clicks": int(kind == "click"),
        }
        if kind == "order":
            event.update(orders=1, units=1, revenue=state["price"], stock_delta=-1)
        apply_event(state, event)
        touched.add(str(item))
    return touched


def bench_100k(model: RankerModel, n: int) -> dict:
    # Documents as the Cosmos SDK returns them: parsed from JSON (plain ints, floats, strings).
    docs = [json.loads(json.dumps(d)) for d in synthetic_states(n, NOW, seed=1)]
    for doc in docs:  # as read from Cosmos: the ranker's row cache keys on it
        doc["_etag"] = f'"{next(ETAGS)}"'
    states = {d["item_id"]: d for d in docs}
    ids = list(states)
    rules = rules_for(ids)
    out: dict = {
        "items": n,
        "hourly_buckets": sum(len(d["buckets"]) for d in docs),
        "daily_rollup_days": sum(len(d["days"]) for d in docs),
    }
    load_before = os.getloadavg()[0]
    ctx = FeatureContext.from_products(docs)
    out["feature_build_ms"], out["feature_build_cpu_ms"] = median_wall_cpu_ms(
        lambda: build_features(docs, NOW, ctx), 5
    )
    out["window_counts_ms"], out["window_counts_cpu_ms"] = median_wall_cpu_ms(
        lambda: window_counts(docs, NOW), 5
    )
    ranker = Ranker(model)

    def reconcile_pass():
        ranker.full(docs, NOW)
        ranker.full_order(rules, NOW)
        ranker.ranking(rules, NOW, limit=50)

    # Cold: a new process, or a mode change: every row is built and scored.
    def cold_pass():
        nonlocal ranker
        ranker = Ranker(model)
        reconcile_pass()

    out["reconcile_cold_ms"], out["reconcile_cold_cpu_ms"] = median_wall_cpu_ms(cold_pass, 5)

    # Steady: the 30-second pass after 1,000 products changed (about 33 events/s), once the
    # next hour's rows are built ahead (those passes are measured below).
    while ranker._next_hour.pending:
        reconcile_pass()
    rng = np.random.default_rng(5)
    steady_runs = []
    for _ in range(7):
        for item in rng.choice(ids, 1000, replace=False):
            apply_event(states[item], {"id": f"s{item}", "item_id": item, "kind": "view",
                                       "occurred_at": NOW, "views": 1})  # fmt: skip
            states[item]["_etag"] = f'"{next(ETAGS)}"'
        steady_runs.append(median_wall_cpu_ms(reconcile_pass, 1))
    out["reconcile_pass_ms"] = statistics.median(w for w, _ in steady_runs)
    out["reconcile_pass_cpu_ms"] = statistics.median(c for _, c in steady_runs)

    # The first pass of a new hour: rows holding a bucket that changes window were built ahead
    # during the hour before, a slice per pass (those passes are timed too); the rest is built.
    moved = band_changes(NOW, NOW + timedelta(hours=1)) or frozenset()
    out["new_hour_rows_changed"] = sum(any(k in d["buckets"] for k in moved) for d in docs)
    hour_runs, ahead_runs = [], []

    def next_hour():
        ranker.full(docs, NOW + timedelta(hours=1))
        ranker.full_order(rules, NOW + timedelta(hours=1))
        ranker.ranking(rules, NOW + timedelta(hours=1), limit=50)

    for _ in range(5):
        ranker = Ranker(model)
        ranker.full(docs, NOW)  # cold; plans the next hour
        while ranker._next_hour.pending:
            ahead_runs.append(median_wall_cpu_ms(reconcile_pass, 1))
        hour_runs.append(median_wall_cpu_ms(next_hour, 1))
    out["reconcile_new_hour_ms"] = statistics.median(w for w, _ in hour_runs)
    out["reconcile_new_hour_cpu_ms"] = statistics.median(c for _, c in hour_runs)
    out["passes_building_ahead"] = len(ahead_runs) // 5

    # The first pass of a day: every row was built ahead during the hour before midnight.
    late = NOW.replace(hour=23, minute=30)
    day_runs, late_runs = [], []
    for _ in range(3):
        ranker = Ranker(model)
        ranker.full(docs, late)
        while ranker._next_hour.pending:
            start_cpu = time.process_time()
            ranker.full(docs, late)
            late_runs.append((time.process_time() - start_cpu) * 1000)
        start_cpu = time.process_time()
        ranker.full(docs, late + timedelta(hours=1))
        ranker.full_order(rules, late + timedelta(hours=1))
        ranker.ranking(rules, late + timedelta(hours=1), limit=50)
        day_runs.append((time.process_time() - start_cpu) * 1000)
    out["reconcile_new_day_cpu_ms"] = round(statistics.median(day_runs), 1)
    out["passes_building_ahead_before_midnight"] = len(late_runs) // 3
    out["reconcile_pass_building_ahead_cpu_ms"] = statistics.median(c for _, c in ahead_runs)
    ranker.full(docs, NOW)
    out["load_average_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]

    def rescore_and_rank():
        ranker.set_model(model)
        ranker.full_order(rules, NOW)
        ranker.ranking(rules, NOW, limit=50)

    out["full_rescore_and_rank_ms"] = median_ms(rescore_and_rank, 5)
    X = build_features(docs, NOW, ranker.context)
    out["predict_only_ms"] = median_ms(lambda: model.predict(X), 5)
    out["ranking_page_ms"] = median_ms(lambda: ranker.ranking(rules, NOW, limit=50), 20)
    out["publish_ms"] = median_ms(lambda: ranker.publish(rules, NOW), 5)

    rng = np.random.default_rng(7)
    times = []
    for _ in range(21):
        touched = event_batch(states, ids, rng)
        start = time.perf_counter()
        ranker.update([states[i] for i in touched], NOW)
        ranker.ranking(rules, NOW, limit=50)
        times.append(time.perf_counter() - start)
    out["incremental_100_events_ms"] = round(statistics.median(times[1:]) * 1000, 2)

    item = ids[12345 % n]
    row = ranker.features_of(item)
    out["shap_one_ms"] = median_ms(lambda: explain(model, row), 50, warmup=2)
    prices = list(np.linspace(0.5, 1.5, 50) * states[item]["price"])
    out["whatif_50_points_ms"] = median_ms(
        lambda: price_whatif(ranker, states[item], prices, NOW, rules), 20
    )
    return out


def million_child(model_dir: str, n: int) -> None:
    model = RankerModel.from_text(
        Path(model_dir, "model.txt").read_text(), Path(model_dir, "metadata.json").read_text()
    )
    ranker = Ranker(model)
    generating = [0.0]

    def timed(docs: Iterator[dict]) -> Iterator[dict]:
        # Generating synthetic documents is the benchmark's cost, not the ranker's.
        while True:
            start = time.perf_counter()
            doc = next(docs, None)
            generating[0] += time.perf_counter() - start
            if doc is None:
                return
            yield doc

    start = time.perf_counter()
    ranker.full(timed(synthetic_states(n, NOW, seed=2)), NOW)
    full_s = time.perf_counter() - start - generating[0]
    rules = rules_for(ranker._ids[:100_000])
    start = time.perf_counter()
    ranker.publish(rules, NOW)
    page = ranker.ranking(rules, NOW, limit=50)
    rank_s = time.perf_counter() - start
    peak_mb = high_water_mb()  # this process's own: it is started by the large 100k one
    print(
        json.dumps(
            {
                "items": len(ranker),
                "ranked_total": page.total,
                "full_pass_from_documents_s": round(full_s, 2),
                "generating_documents_s": round(generating[0], 2),
                "publish_and_page_s": round(rank_s, 2),
                "peak_rss_mb": round(peak_mb, 1),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--million", type=int, default=1_000_000)
    parser.add_argument("--skip-million", action="store_true")
    parser.add_argument("--million-child", metavar="MODEL_DIR")
    args = parser.parse_args()
    if args.million_child:
        million_child(args.million_child, args.million)
        return

    core = pin_to_one_core()
    start = time.perf_counter()
    model, _ = train_simulated(QUICK, log=lambda _: None)
    metrics = model.metadata["metrics"]
    result: dict = {
        "pinned_core": core,
        "training": {
            "data": "simulated (demo.sim): not real sellers",
            "config": {k: v for k, v in QUICK.__dict__.items()},
            "seconds": round(time.perf_counter() - start, 1),
            "ndcg@10": metrics["ndcg@10"],
            "ndcg@20": metrics["ndcg@20"],
            "baselines": metrics["baselines"],
            "lift_vs_popularity@20": metrics["lift_vs_popularity@20"],
            "strongest_baseline": metrics["strongest_baseline"],
            "lift_vs_strongest@20": metrics["lift_vs_strongest@20"],
            "second_world": metrics["second_world"],
        },
    }
    result["catalogue_100k"] = bench_100k(model, args.items)
    if not args.skip_million:
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "model.txt").write_text(model.to_text())
            Path(tmp, "metadata.json").write_text(json.dumps(model.metadata))
            child = subprocess.run(
                [sys.executable, __file__, "--million-child", tmp, "--million", str(args.million)],
                capture_output=True,
                text=True,
                check=True,
            )
        result["catalogue_1m"] = json.loads(child.stdout.strip().splitlines()[-1])
    result["targets"] = {
        # Seller scale (issue 28): CPU of the steady and the cold 100k pass, 1M under 1 GB.
        "reconcile_pass_cpu_ms": 500,
        "reconcile_cold_cpu_ms": 1500,
        "reconcile_pass_ms": 1000,
        "reconcile_new_hour_ms": 1000,
        "reconcile_new_day_cpu_ms": 1000,
        "incremental_100_events_ms": 50,
        "shap_one_ms": 5,
        "whatif_50_points_ms": 20,
        "peak_rss_mb": 1024,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
