"""The ranking model against the baselines over many simulated worlds, per kind of data.

``python -m demo.evaluate``           the full run (docs/ranking.md's table)
``python -m demo.evaluate --small``   a reduced size, a few minutes (``make bench``)

Training. One model is trained exactly as a fresh stack's first model is
(``demo.simulated_training``'s ``QUICK`` configuration, or a smaller one with ``--small``): the
demo and live-like observation of one simulated world and the world of file-sending sellers beside
it.

Test worlds. ``--worlds`` (at least 10) further worlds, each with its own seed (none of the
training seeds) and its own item ids (``T<k>-``), so no item, shopper or hidden demand of a test
world was seen in training. Each world is evaluated on the cutoffs of its last holdout days, for
every kind of data:

- ``demo``: the demo feed's signals (views, clicks, orders, prices), the whole catalogue;
- ``live:amazon``, ``live:myntra+meesho``: the same shoppers as those marketplaces really report
  them (``demo.sim.observed.as_sent``), each kind ranked among its own items;
- ``files``: sellers who send sales, inventory and demand files (a world of its own seed);
- ``mixed``: one catalogue of the webhook sellers (live-like) and the file-sending sellers, ranked
  together.

Per kind: mean NDCG@20 over worlds of the model and of each baseline (``shared.ml.baselines``),
the strongest baseline (highest mean), the model's lift over it with a 95% interval over worlds
(Student's t, and a BCa bootstrap in the JSON), and the share of worlds where the model is below
it. The decision: where the interval's lower bound is below ``REQUIRED_LIFT`` (+10%), the kind is
ranked by its strongest fallback baseline in production. ``--write-evidence`` stores the decisions
(``shared/ml/evidence.json``), which the trainer applies to every model it trains
(``shared.ml.ranker_training``: ``fallback`` and ``fallback_evidence`` in the model's metadata).
``served`` is what production ranks with those decisions (every kind's, the demo's too): on
``mixed`` each row is scored by its own kind's rule (fallback rows mapped onto the model's scale
from the world's own features, no labels).

``--variant seller-scale`` trains and scores with counts on each seller's scale
(``demo.seller_scale``): an experiment, reported in docs/ranking.md, never stored as evidence.

All of it is simulated data (``demo.sim``), not real sellers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scipy import stats

from demo.seller_scale import SellerScaled, rescale
from demo.sim.observed import as_sent
from demo.sim.simulator import Simulator, simulate_catalogue
from demo.simulated_training import (
    FILES_SEED_OFFSET,
    QUICK,
    FileWorld,
    SimConfig,
    train_simulated,
)
from shared.ml.baselines import (
    BASELINES,
    DEMO_KIND,
    FALLBACK_BASELINES,
    FILES_KIND,
    REQUIRED_LIFT,
    apply_fallback,
    fit_fallback,
)
from shared.ml.features import COLUMN, FEATURE_VERSION, FILE_SIGNALS, apply_context, context_of
from shared.ml.ndcg import evaluate
from shared.ml.ranker_training import EVIDENCE_PATH, live_kinds
from shared.ml.training_set import Dataset, build_dataset, make_cutoffs

MIXED_KIND = "mixed"
TEST_SEED_OFFSET = 2000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class EvalSize:
    train: SimConfig
    items: int  # webhook items per test world (file-sending items: ``file_share`` of it)
    days: int
    worlds: int


SIZES: dict[str, EvalSize] = {
    # The first model of a fresh stack, tested on worlds of its own shape.
    "full": EvalSize(train=QUICK, items=QUICK.items, days=QUICK.days, worlds=10),
    "small": EvalSize(
        train=SimConfig(items=100, days=16, seed=7, step_hours=6, holdout_days=3, rounds=100),
        items=80,
        days=16,
        worlds=10,
    ),
}


def kinds() -> list[str]:
    return [DEMO_KIND, *live_kinds(), FILES_KIND, MIXED_KIND]


@dataclass
class World:
    """One test world's holdout datasets, by kind of data."""

    seed: int
    data: dict[str, Dataset]


def held_out_world(size: EvalSize, k: int) -> World:
    """Test world ``k``: its own seed and item ids, the cutoffs of its last holdout days."""
    cfg = size.train
    seed = cfg.seed + TEST_SEED_OFFSET + k
    prefix = f"T{k}-"
    start = datetime.fromisoformat(cfg.start)
    end = start + timedelta(days=size.days)
    catalogue = [
        {**p, "item_id": prefix + str(p["item_id"])} for p in simulate_catalogue(size.items, seed)
    ]
    events = Simulator(catalogue, seed).history(start, size.days * 24)
    holdout_start = end - timedelta(days=cfg.holdout_days)
    cutoffs = [
        c
        for c in make_cutoffs(start, end - timedelta(hours=cfg.horizon_hours), cfg.step_hours)
        if c >= holdout_start
    ]
    data: dict[str, Dataset] = {
        DEMO_KIND: build_dataset(events, catalogue, cutoffs, cfg.horizon_hours)
    }
    live = build_dataset(as_sent(events, "live"), catalogue, cutoffs, cfg.horizon_hours, "live")
    marketplaces = np.array([str(p.get("marketplace")) for p in catalogue])
    for kind, mps in live_kinds().items():
        data[kind] = live.only(np.isin(marketplaces, mps))
    files = FileWorld.simulate(
        max(1, round(size.items * cfg.file_share)),
        seed + FILES_SEED_OFFSET,
        start,
        size.days,
        prefix + "F-",
    )
    data[FILES_KIND] = files.dataset(cutoffs, cfg.horizon_hours)
    data[MIXED_KIND] = mix(live, data[FILES_KIND])
    return World(seed, data)


def mix(a: Dataset, b: Dataset) -> Dataset:
    """One catalogue of both datasets' items at each (shared) cutoff, with the catalogue-wide
    features (price against the category median) of the combined catalogue."""
    if a.cutoffs != b.cutoffs:
        raise ValueError("datasets to mix need the same cutoffs")
    blocks, units = [], []
    sa = sb = 0
    for ga, gb in zip(a.groups, b.groups, strict=True):
        rows = np.vstack([a.X[sa : sa + ga], b.X[sb : sb + gb]])
        apply_context(rows, context_of(rows))
        blocks.append(rows)
        units.append(np.concatenate([a.units[sa : sa + ga], b.units[sb : sb + gb]]))
        sa, sb = sa + ga, sb + gb
    return Dataset(
        np.vstack(blocks),
        np.concatenate(units),
        [ga + gb for ga, gb in zip(a.groups, b.groups, strict=True)],
        list(a.cutoffs),
        [*a.item_ids, *b.item_ids],
    )


class Scorer(Protocol):
    """What the evaluation needs of a model: scores for feature rows."""

    def predict(self, X: np.ndarray) -> np.ndarray: ...


VARIANTS = ("seller-scale",)


def mode_of(kind: str) -> str:
    return "mock" if kind == DEMO_KIND else "live"


def served_fallback(
    decisions: Mapping[str, Mapping[str, Any]], data: Mapping[str, Dataset], model: Scorer
) -> dict[str, dict[str, Any]]:
    """The fallback rules production would apply with ``decisions``, each mapped onto the
    model's scale from the rows of its kind (features and model scores only, no labels)."""
    rules: dict[str, dict[str, Any]] = {}
    for kind, decision in decisions.items():
        if decision.get("ranked_by", "model") == "model" or kind not in data:
            continue
        rows = data[kind].X
        rule = fit_fallback(str(decision["ranked_by"]), rows, model.predict(rows))
        # Keyed as training keys it: a live kind by its marketplaces, files and demo by name.
        rules.update(dict.fromkeys(live_kinds().get(kind, (kind,)), rule))
    return rules


def score_world(
    model: Scorer, world: World, decisions: Mapping[str, Mapping[str, Any]] | None
) -> dict[str, dict[str, float]]:
    """Mean NDCG@20 over the world's holdout cutoffs, per kind: the model, each baseline and,
    given the decisions, what production serves."""
    out: dict[str, dict[str, float]] = {}
    rules = served_fallback(decisions, world.data, model) if decisions else {}
    for kind, data in world.data.items():
        scores = evaluate(model.predict, data, world.seed)
        row = {name: scores[f"{name}@20"] for name in ("model", *BASELINES, "random")}
        if kind == FILES_KIND:
            blanked = data.X.copy()
            blanked[:, [COLUMN[c] for cs in FILE_SIGNALS.values() for c in cs]] = np.nan
            without = Dataset(blanked, data.units, data.groups, data.cutoffs, data.item_ids)
            row["model_without_file_signals"] = evaluate(model.predict, without, world.seed)[
                "model@20"
            ]
        if rules:
            mode = mode_of(kind)

            def served(X: np.ndarray, mode: str = mode) -> np.ndarray:
                return apply_fallback(X, model.predict(X), rules, mode)

            row["served"] = evaluate(served, data, world.seed)["model@20"]
        out[kind] = row
    return out


def interval(values: np.ndarray, seed: int) -> dict[str, Any]:
    """Mean of ``values`` with a 95% t interval and a BCa bootstrap interval."""
    mean = float(np.mean(values))
    if len(values) < 2 or float(np.std(values)) == 0.0:
        return {"mean": mean, "t": [mean, mean], "bootstrap": [mean, mean]}
    t = stats.ttest_1samp(values, 0.0).confidence_interval(CONFIDENCE)
    boot = stats.bootstrap(
        (values,),
        np.mean,
        confidence_level=CONFIDENCE,
        n_resamples=10_000,
        method="BCa",
        random_state=np.random.default_rng(seed),
    ).confidence_interval
    return {
        "mean": mean,
        "t": [float(t.low), float(t.high)],
        "bootstrap": [float(boot.low), float(boot.high)],
    }


def summarise_kind(per_world: Sequence[Mapping[str, float]], seed: int) -> dict[str, Any]:
    """The model against the strongest baseline over worlds, and the decision it supports."""
    names = ("model", *BASELINES, "random")
    ndcg = {name: np.array([w[name] for w in per_world]) for name in names}
    strongest = max(BASELINES, key=lambda name: float(ndcg[name].mean()))
    fallback_to = max(FALLBACK_BASELINES, key=lambda name: float(ndcg[name].mean()))
    lifts = ndcg["model"] / np.maximum(ndcg[strongest], 1e-9) - 1.0
    lift = interval(lifts, seed)
    low = lift["t"][0]
    result: dict[str, Any] = {
        "worlds": len(per_world),
        "ndcg@20": {name: round(float(v.mean()), 4) for name, v in ndcg.items()},
        "ndcg@20_by_world": {name: [round(float(x), 4) for x in v] for name, v in ndcg.items()},
        "strongest_baseline": strongest,
        "lift_by_world": [round(float(x), 4) for x in lifts],
        "lift": {key: _round(value) for key, value in lift.items()},
        "model_loses_share": round(float(np.mean(ndcg["model"] < ndcg[strongest])), 3),
        "required_lift": REQUIRED_LIFT,
        "ranked_by": "model" if low >= REQUIRED_LIFT else fallback_to,
    }
    for extra in ("model_without_file_signals", "served"):
        if all(extra in w for w in per_world):
            result["ndcg@20"][extra] = round(float(np.mean([w[extra] for w in per_world])), 4)
    return result


def _round(value: Any) -> Any:
    if isinstance(value, list):
        return [round(v, 4) for v in value]
    return round(value, 4)


def run(
    size: EvalSize,
    log: Callable[[str], None] = print,
    decisions: Mapping[str, Any] | None = None,
    variant: str | None = None,
) -> dict[str, Any]:
    """Train, test on ``size.worlds`` worlds, summarise per kind (see the module docstring).
    ``variant`` (``VARIANTS``): an experiment, e.g. counts on each seller's scale."""
    clock = time.perf_counter()
    scaled = variant == "seller-scale"
    # The model alone: no evidence applied, so the evaluation judges the model, not a fallback.
    trained, _ = train_simulated(
        size.train,
        log,
        check_second_world=False,
        evidence={},
        rescale=rescale if scaled else None,
    )
    model: Scorer = SellerScaled(trained) if scaled else trained
    log(f"trained ({time.perf_counter() - clock:.0f}s); testing on {size.worlds} worlds ...")
    per_world: list[dict[str, dict[str, float]]] = []
    worlds: list[World] = []
    for k in range(size.worlds):
        world = held_out_world(size, k)
        worlds.append(world)
        per_world.append(score_world(model, world, None))
        log(
            f"world {k + 1}/{size.worlds} (seed {world.seed}): "
            + ", ".join(f"{kind} {w['model']:.3f}" for kind, w in per_world[-1].items())
            + f" ({time.perf_counter() - clock:.0f}s)"
        )
    seed = size.train.seed
    by_kind = {
        kind: summarise_kind([w[kind] for w in per_world], seed + i)
        for i, kind in enumerate(kinds())
    }
    # What production serves with these decisions (the mixture's rows each by their kind's rule).
    chosen = {kind: {"ranked_by": r["ranked_by"]} for kind, r in by_kind.items()}
    if decisions is not None:
        chosen = {kind: dict(d) for kind, d in decisions.items()}
    for k, world in enumerate(worlds):
        for kind, row in score_world(model, world, chosen).items():
            per_world[k][kind]["served"] = row.get("served", row["model"])
    for kind in by_kind:
        served = np.array([w[kind]["served"] for w in per_world])
        by_kind[kind]["ndcg@20"]["served"] = round(float(served.mean()), 4)
        strongest = np.array(by_kind[kind]["ndcg@20_by_world"][by_kind[kind]["strongest_baseline"]])
        lift = interval(served / np.maximum(strongest, 1e-9) - 1.0, seed)
        by_kind[kind]["served_lift"] = {key: _round(value) for key, value in lift.items()}
    return {
        "command": "python -m demo.evaluate"
        + ("" if size == SIZES["full"] else " --small")
        + (f" --variant {variant}" if variant else ""),
        "measured": datetime.now(UTC).date().isoformat(),
        "feature_version": FEATURE_VERSION,
        "size": {
            "train": asdict(size.train),
            "test_worlds": size.worlds,
            "test_items": size.items,
            "test_file_items": max(1, round(size.items * size.train.file_share)),
            "test_days": size.days,
            "test_seeds": [w.seed for w in worlds],
        },
        "interval": f"{CONFIDENCE:.0%} Student t over worlds (bootstrap BCa also given)",
        "kinds": by_kind,
        "seconds": round(time.perf_counter() - clock, 1),
        "simulated": True,
    }


LABELS = {
    DEMO_KIND: "demo (mock feed)",
    "live:amazon": "live-like Amazon",
    "live:myntra+meesho": "live-like Myntra/Meesho",
    FILES_KIND: "sellers who send files",
    MIXED_KIND: "webhook and file sellers mixed",
}
SHORT = {
    "popularity": "popularity",
    "popularity_in_stock": "in-stock popularity",
    "recent_velocity": "recent velocity",
    "recency_weighted": "recency-weighted",
    "conversion_7d": "7-day conversion",
}


def markdown(result: Mapping[str, Any]) -> str:
    """The per-kind table (NDCG@20 means over the test worlds)."""
    head = ["data", "model", *(SHORT[b] for b in BASELINES), "lift over strongest [95% CI]"]
    head += ["model loses", "ranked by", "served"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for kind, r in result["kinds"].items():
        n = r["ndcg@20"]
        lift = r["lift"]
        cells = [LABELS.get(kind, kind), f"{n['model']:.3f}"]
        cells += [
            f"**{n[b]:.3f}**" if b == r["strongest_baseline"] else f"{n[b]:.3f}" for b in BASELINES
        ]
        cells += [
            f"{lift['mean']:+.1%} [{lift['t'][0]:+.1%}, {lift['t'][1]:+.1%}]",
            f"{r['model_loses_share']:.0%} of {r['worlds']}",
            _ranked_by(kind, r["ranked_by"]),
            f"{n['served']:.3f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _ranked_by(kind: str, decision: str) -> str:
    if kind == MIXED_KIND:
        return "each row by its kind"
    return "model" if decision == "model" else SHORT[decision]


def evidence(result: Mapping[str, Any]) -> dict[str, Any]:
    """The decisions per kind, as the trainer reads them
    (``shared.ml.ranker_training.load_evidence``)."""
    return {
        "command": result["command"],
        "measured": result["measured"],
        "feature_version": result["feature_version"],
        "required_lift": REQUIRED_LIFT,
        "interval": result["interval"],
        "kinds": {
            kind: {
                "ranked_by": r["ranked_by"],
                "strongest_baseline": r["strongest_baseline"],
                "lift": r["lift"]["mean"],
                "lift_95": r["lift"]["t"],
                "worlds": r["worlds"],
            }
            for kind, r in result["kinds"].items()
            if kind != MIXED_KIND  # a mixture is ranked row by row, by its rows' kinds
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo.evaluate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--small", action="store_true", help="reduced size (a few minutes)")
    parser.add_argument("--worlds", type=int, help="test worlds (at least 10)")
    parser.add_argument("--json", type=Path, help="write the JSON result here")
    parser.add_argument(
        "--write-evidence",
        action="store_true",
        help=f"store the per-kind decisions in {EVIDENCE_PATH.name} for the trainer",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument(
        "--variant", choices=VARIANTS, help="an experiment (docs/ranking.md); not for evidence"
    )
    args = parser.parse_args(argv)
    size = SIZES["small" if args.small else "full"]
    if args.worlds is not None:
        if args.worlds < 10:
            parser.error("--worlds must be at least 10")
        size = replace(size, worlds=args.worlds)

    def log(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    if args.variant and args.write_evidence:
        parser.error("a --variant is an experiment: its decisions are not stored as evidence")
    result = run(size, log, variant=args.variant)
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    if args.write_evidence:
        EVIDENCE_PATH.write_text(json.dumps(evidence(result), indent=2) + "\n")
    print(markdown(result))
    print()
    print(f"NDCG@20, mean over {size.worlds} test worlds; simulated data, not real sellers.")
    print(text if not args.json else f"JSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
