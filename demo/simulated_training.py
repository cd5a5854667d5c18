"""Training the ranking model on simulated worlds: the first model of a fresh stack, the
command line's default source and the evaluation's worlds.

Sellers who send files. A third kind of data: a world of its own (another seed, disjoint
items, ``file_share`` of the catalogue's size) whose sellers send sales, inventory and demand
files instead of webhooks (``demo.sim.files``), with the demand-file signals acting on
demand. Its features are built in live mode from what the files become; its labels are what the
shoppers really bought in the horizon (a daily sales file reports a day at once). It is
trained on with the others and reported as ``files``, with the same model's NDCG when the
file-only columns are blanked (``without_file_signals``): what those signals add.

Second world. A simulated model is also evaluated on a second simulated world: another seed and
disjoint items (new products, their own hidden demand), the same number of holdout days, nothing
of it seen in training. It says whether the lift is a property of the model or of one world.
All of these figures come from the demand simulator, not from real sellers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from demo.sim.files import as_files
from demo.sim.observed import as_sent
from demo.sim.simulator import Simulator, simulate_catalogue
from shared.core.records import Event
from shared.ml.baselines import FILES_KIND
from shared.ml.features import FEATURE_VERSION
from shared.ml.model import RankerModel
from shared.ml.ndcg import evaluate, file_kind, summarise
from shared.ml.ranker_training import (
    live_kinds,
    load_evidence,
    marketplaces_of,
    publish,
    train_on_events,
)
from shared.ml.registry import ModelRegistry
from shared.ml.training_set import Dataset, build_dataset, make_cutoffs


@dataclass(frozen=True)
class SimConfig:
    """A simulated training run. The defaults are the command line's; ``QUICK`` starts the app."""

    items: int = 1000
    days: int = 35
    seed: int = 11
    step_hours: int = 4
    horizon_hours: int = 24
    holdout_days: int = 5
    rounds: int = 300
    start: str = "2026-09-01T00:00:00+00:00"
    # Items of the world of file-sending sellers, as a share of ``items`` (0: none).
    file_share: float = 0.5


# The first model of a fresh local stack: about 30 s on one core, demo and live-like data
# (fewer items than the command line's, so training on both kinds costs no more than one did).
QUICK = SimConfig(items=200, days=22, seed=7, step_hours=6, holdout_days=4, rounds=150)


FILES_SEED_OFFSET = 500
FILES_PREFIX = "F-"


@dataclass(frozen=True)
class FileWorld:
    """Simulated sellers who send files: their catalogue, what their files become and what
    their shoppers really bought (the labels)."""

    catalogue: list[dict[str, Any]]
    events: list[Event]
    truth: list[Event]

    @classmethod
    def simulate(cls, items: int, seed: int, start: datetime, days: int, prefix: str) -> FileWorld:
        catalogue = [
            {**p, "item_id": prefix + str(p["item_id"])} for p in simulate_catalogue(items, seed)
        ]
        truth = Simulator(catalogue, seed, files=True).history(start, days * 24)
        return cls(catalogue, as_files(truth, seed), truth)

    def dataset(self, cutoffs: Sequence[datetime], horizon_hours: int) -> Dataset:
        # A file-sending seller is a real seller: features as in live mode.
        return build_dataset(
            self.events, self.catalogue, cutoffs, horizon_hours, "live", label_events=self.truth
        )


def train_simulated(
    cfg: SimConfig,
    log: Callable[[str], None] = print,
    *,
    check_second_world: bool = True,
    evidence: Mapping[str, Any] | None = None,
    rescale: Callable[[np.ndarray, Sequence[int]], np.ndarray] | None = None,
) -> tuple[RankerModel, Dataset]:
    """Train on one simulated world; with ``check_second_world``, also evaluate on another.
    ``evidence`` and ``rescale``: as ``train_on_events`` (none: the model alone)."""
    start = datetime.fromisoformat(cfg.start)
    log(f"simulating {cfg.items} items x {cfg.days} days (seed {cfg.seed}) ...")
    catalogue = simulate_catalogue(cfg.items, cfg.seed)
    events = Simulator(catalogue, cfg.seed).history(start, cfg.days * 24)
    # The same shoppers as the marketplaces really report them: Amazon without clicks,
    # Myntra and Meesho with orders only (``shared.core.signals``).
    live_events = as_sent(events, "live")
    log(f"{len(events)} demo events, {len(live_events)} live-like events")
    files = None
    if _file_items(cfg):
        files = FileWorld.simulate(
            _file_items(cfg), cfg.seed + FILES_SEED_OFFSET, start, cfg.days, FILES_PREFIX
        )
        log(f"{len(files.catalogue)} items of sellers who send files: {len(files.events)} events")
    source = {
        "source": "sim",
        "items": cfg.items,
        "days": cfg.days,
        "seed": cfg.seed,
        "start": cfg.start,
    }
    model, holdout = train_on_events(
        events,
        catalogue,
        start=start,
        end=start + timedelta(days=cfg.days),
        source=source,
        step_hours=cfg.step_hours,
        horizon_hours=cfg.horizon_hours,
        holdout_days=cfg.holdout_days,
        rounds=cfg.rounds,
        seed=cfg.seed,
        log=log,
        live_events=live_events,
        files=files,
        evidence=evidence,
        rescale=rescale,
    )
    if check_second_world:
        model.metadata["metrics"]["second_world"] = second_world(model, cfg, log)
    return model, holdout


def _file_items(cfg: SimConfig) -> int:
    return round(cfg.items * cfg.file_share)


SECOND_WORLD_SEED_OFFSET = 1000
SECOND_WORLD_PREFIX = "W2-"


def second_world(
    model: RankerModel, cfg: SimConfig, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """The model and the baselines on another simulated world: its own seed, disjoint items.

    Same shape of history as training (``cfg.days``), evaluated on the cutoffs of its last
    ``cfg.holdout_days`` only: nothing of this world was seen in training.
    """
    seed = cfg.seed + SECOND_WORLD_SEED_OFFSET
    start = datetime.fromisoformat(cfg.start)
    end = start + timedelta(days=cfg.days)
    catalogue = [
        {**p, "item_id": SECOND_WORLD_PREFIX + str(p["item_id"])}
        for p in simulate_catalogue(cfg.items, seed)
    ]
    events = Simulator(catalogue, seed).history(start, cfg.days * 24)
    holdout_start = end - timedelta(days=cfg.holdout_days)
    cutoffs = [
        c
        for c in make_cutoffs(start, end - timedelta(hours=cfg.horizon_hours), cfg.step_hours)
        if c >= holdout_start
    ]
    data = build_dataset(events, catalogue, cutoffs, cfg.horizon_hours)
    scores = evaluate(model.predict, data, seed)
    out = {
        "source": "sim",
        "seed": seed,
        "items": cfg.items,
        "item_ids": f"{SECOND_WORLD_PREFIX}*: disjoint from the training world",
        "cutoffs": len(cutoffs),
        **summarise(scores),
    }
    live = build_dataset(as_sent(events, "live"), catalogue, cutoffs, cfg.horizon_hours, "live")
    by_data: dict[str, Any] = {"mock": {"marketplaces": "all", **summarise(scores)}}
    by_data["mock"]["served"] = "model"
    for kind, marketplaces in live_kinds().items():
        keep = np.isin(marketplaces_of(catalogue), marketplaces)
        if keep.any():
            result = summarise(evaluate(model.predict, live.only(keep), seed))
            served = model.fallback.get(marketplaces[0], {}).get("baseline", "model")
            by_data[kind] = {"marketplaces": list(marketplaces), **result, "served": served}
    if _file_items(cfg):
        files = FileWorld.simulate(
            _file_items(cfg),
            seed + FILES_SEED_OFFSET,
            start,
            cfg.days,
            SECOND_WORLD_PREFIX + FILES_PREFIX,
        )
        by_data[FILES_KIND] = file_kind(
            model.predict, files.dataset(cutoffs, cfg.horizon_hours), seed
        )
        by_data[FILES_KIND]["served"] = model.fallback.get(FILES_KIND, {}).get("baseline", "model")
    out["by_data"] = by_data
    log(
        f"second world (seed {seed}): ndcg@20 {out['ndcg@20']:.4f}, "
        f"lift vs popularity {out['lift_vs_popularity@20']:+.1%}, "
        f"vs {out['strongest_baseline']} {out['lift_vs_strongest@20']:+.1%}"
    )
    return out


def ensure_model(registry: ModelRegistry, log: Callable[[str], None] = print) -> str:
    """The current model's version; trains and promotes a quick simulated one if there is none,
    or if the current one was trained on features of another version (it cannot serve)."""
    current = registry.current_version()
    if current is not None:
        trained_with = registry.metadata(current).get("feature_version")
        if trained_with == FEATURE_VERSION:
            return current
        log(
            f"current ranking model {current} has feature version {trained_with}, the scorer "
            f"builds {FEATURE_VERSION}: retraining on simulated history"
        )
    else:
        log("no current ranking model in Blob: training a first one on simulated history")
    # A cold start waits for this model: the second-world check is for the trainer and benchmark.
    model, holdout = train_simulated(QUICK, log, check_second_world=False, evidence=load_evidence())
    version, _ = publish(registry, model, holdout, promote=True)
    return registry.current_version() or version
