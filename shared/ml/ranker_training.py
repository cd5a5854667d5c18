"""Training the ranking model: time-split dataset -> LightGBM LambdaRank -> a model with its
metrics and fallbacks, ready for the registry. Its commands: ``shared.ml.retrain`` on the
seller's event log, ``demo.train_ranker`` on a simulated world.

Split. The holdout is the cutoffs of the last ``holdout_days``; training uses only cutoffs whose
label window ends before the holdout starts.

Demo and live-like data. A simulated history is observed twice: as the demo feed sends it
(``mock``: views, clicks and orders with prices everywhere) and as the marketplaces really send it
(``live``, ``demo.sim.observed.as_sent``: Amazon's hourly glance views, hourly sales and
ORDER_CHANGE without clicks or prices; Myntra's and Meesho's orders only). Training uses the
cutoffs of both, so the model has seen the missing signals (NaN features). NDCG@20 is reported
per kind of data (``metrics.by_data``): demo, ``live:amazon`` and ``live:myntra+meesho`` (each
live kind restricted to its marketplaces' items), each against its own strongest baseline. On a
live kind where the model does not beat that baseline by ``REQUIRED_LIFT`` (10%), the model's
metadata records a ``fallback``: in live mode those marketplaces' items are ranked by the
baseline (``shared.ml.baselines``) until a model does better.

Fallback by evidence. One holdout of one world cannot tell +12% from noise: the evaluation over
many simulated worlds (``python -m demo.evaluate --write-evidence``) stores, per kind of
data (``demo``, each live kind, ``files``), whether the lower end of the 95% interval of the
model's lift clears ``REQUIRED_LIFT`` and, if not, the baseline to rank that kind by
(``shared/ml/evidence.json``). The models both commands and a fresh stack train apply it
(``ensure_model``; tests and benchmarks pass their own): a rule for each such kind,
fitted on the kind's training rows, in ``fallback`` (keyed by marketplace for a live kind,
``files`` for file-sending sellers, ``demo`` for the demo feed), and the evidence itself in
``fallback_evidence``. Every kind's decision is applied, the demo's too: the demo shows a new
seller what production would do with their data. The model still scores every item (its SHAP
values are shown as "what the model would score"), and an item a baseline ranks is explained
by the baseline's own parts (``shared.ml.baselines.explain_baseline``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import lightgbm as lgb
import numpy as np

from shared.core import signals
from shared.core.errors import HistoryTooShort
from shared.core.records import MARKETPLACES, Event
from shared.ml.baselines import (
    DEMO_KIND,
    FALLBACK_BASELINES,
    FILES_KIND,
    REQUIRED_LIFT,
    fit_fallback,
    from_files,
)
from shared.ml.features import CATEGORICAL, FEATURE_VERSION, FEATURES
from shared.ml.model import RankerModel
from shared.ml.ndcg import evaluate, file_kind, summarise
from shared.ml.registry import ModelRegistry, Promotion
from shared.ml.training_set import Dataset, build_dataset, make_cutoffs

MONOTONE = {"price": -1, "price_vs_category": -1, "price_vs_competitor": -1, "discount": 1}
PARAMS: dict[str, Any] = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [10, 20],
    "lambdarank_truncation_level": 40,
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    # Demand falls as the price rises, all else equal: the what-if curve must say so too.
    "monotone_constraints": [MONOTONE.get(name, 0) for name in FEATURES],
    "monotone_constraints_method": "advanced",
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
    "verbose": -1,
}


class FileSellers(Protocol):
    """Sellers who send files, as training reads them: a training set at given cutoffs."""

    def dataset(self, cutoffs: Sequence[datetime], horizon_hours: int) -> Dataset: ...


def fit(train: Dataset, params: Mapping[str, Any], rounds: int, seed: int) -> lgb.Booster:
    data = lgb.Dataset(
        train.X,
        label=train.relevance,
        group=train.groups,
        feature_name=list(FEATURES),
        categorical_feature=list(CATEGORICAL),
        free_raw_data=False,
    )
    return lgb.train({**params, "seed": seed}, data, num_boost_round=rounds)


def train_on_events(
    events: Sequence[Event | Mapping[str, Any]],
    catalogue: Sequence[Mapping[str, Any]],
    *,
    start: datetime,
    end: datetime,
    source: Mapping[str, Any],
    step_hours: int,
    horizon_hours: int,
    holdout_days: int,
    rounds: int,
    seed: int,
    log: Callable[[str], None] = print,
    mode: str = "mock",
    live_events: Sequence[Event | Mapping[str, Any]] | None = None,
    files: FileSellers | None = None,
    evidence: Mapping[str, Any] | None = None,
    rescale: Callable[[np.ndarray, Sequence[int]], np.ndarray] | None = None,
) -> tuple[RankerModel, Dataset]:
    """Train and evaluate; returns the model (metadata with metrics) and the holdout set.

    ``events`` are read as ``mode``. With ``live_events`` (the same history as the
    marketplaces really send it), training also uses their features and the model is reported
    per data kind (``LIVE_KINDS``), with a fallback to the baseline for the live kinds where it
    does not beat the strongest baseline by ``REQUIRED_LIFT``. ``evidence`` (the stored evaluation,
    ``load_evidence``, as the command line and ``ensure_model`` pass it) adds a fallback for
    each kind it says the model does not clear the bar on. ``rescale`` (an evaluation variant,
    ``demo.evaluate --variant``) transforms each query group's rows before training and scoring.
    """
    clock = time.perf_counter()
    cutoffs = make_cutoffs(start, end - timedelta(hours=horizon_hours), step_hours)
    holdout_start = end - timedelta(days=holdout_days)
    if not cutoffs or cutoffs[0] + timedelta(hours=horizon_hours) > holdout_start:
        raise HistoryTooShort(
            f"history {start:%Y-%m-%d}..{end:%Y-%m-%d} is too short: need 7 days of features, "
            f"training cutoffs and a {holdout_days}-day holdout"
        )
    log(f"building features at {len(cutoffs)} cutoffs over {len(catalogue)} items ...")
    data = build_dataset(events, catalogue, cutoffs, horizon_hours, mode)
    keep_train = [c + timedelta(hours=horizon_hours) <= holdout_start for c in data.cutoffs]
    keep_hold = [c >= holdout_start for c in data.cutoffs]
    train, hold = data.select(keep_train), data.select(keep_hold)
    live = None
    if live_events is not None:
        live = build_dataset(live_events, catalogue, cutoffs, horizon_hours, "live")
        train = Dataset.concat([train, live.select(keep_train)])
    file_hold = file_train = None
    if files is not None:
        file_data = files.dataset(cutoffs, horizon_hours)
        file_train, file_hold = file_data.select(keep_train), file_data.select(keep_hold)
        train = Dataset.concat([train, file_train])
    kinds = ("demo and live-like" if live else mode) + (", files" if files else "")
    log(
        f"dataset: {len(hold.groups)} holdout cutoffs, {len(train.groups)} training groups "
        f"({kinds}), {len(train.X)} training rows "
        f"({time.perf_counter() - clock:.1f}s)"
    )
    if rescale is not None:
        train = Dataset(
            rescale(train.X, train.groups), train.units, train.groups, train.cutoffs, []
        )
    booster = fit(train, PARAMS, rounds, seed)
    log(f"trained {rounds} rounds ({time.perf_counter() - clock:.1f}s)")

    def predict(X: np.ndarray) -> np.ndarray:
        rows = X if rescale is None else rescale(X, [len(X)])
        return np.asarray(booster.predict(rows, num_threads=1))

    scores = evaluate(predict, hold, seed)
    fallback: dict[str, dict[str, Any]] = {}
    by_data: dict[str, Any] = {}
    if live is not None:
        by_data[mode] = {"marketplaces": "all", **summarise(scores), "served": "model"}
        live_train, live_hold = live.select(keep_train), live.select(keep_hold)
        for kind, marketplaces in live_kinds().items():
            keep = np.isin(marketplaces_of(catalogue), marketplaces)
            if not keep.any():
                continue
            result = {
                "marketplaces": list(marketplaces),
                **summarise(evaluate(predict, live_hold.only(keep), seed)),
            }
            result["served"] = "model"
            if result["lift_vs_strongest@20"] < REQUIRED_LIFT:
                baseline = _fallback_baseline(result)
                rows = live_train.only(keep)
                rule = fit_fallback(baseline, rows.X, predict(rows.X))
                fallback.update(dict.fromkeys(marketplaces, rule))
                result["served"] = baseline
            by_data[kind] = result
            log(
                f"{kind}: ndcg@20 {result['ndcg@20']:.4f}, vs {result['strongest_baseline']} "
                f"{result['lift_vs_strongest@20']:+.1%}, served by {result['served']}"
            )
    if file_hold is not None:
        if not by_data:
            by_data[mode] = {"marketplaces": "all", **summarise(scores), "served": "model"}
        by_data[FILES_KIND] = file_kind(predict, file_hold, seed)
        log(
            f"{FILES_KIND}: ndcg@20 {by_data[FILES_KIND]['ndcg@20']:.4f} "
            f"({by_data[FILES_KIND]['without_file_signals']['ndcg@20']:.4f} without them)"
        )
    evidence = evidence or {}
    sources = _KindRows(data.select(keep_train), mode, catalogue, live, keep_train, file_train)
    fallback_evidence: dict[str, Any] = {}
    for kind, decision in (evidence.get("kinds") or {}).items():
        baseline = str(decision.get("ranked_by", "model"))
        if baseline == "model":
            continue
        fallback_evidence[kind] = {
            **decision,
            "command": evidence.get("command"),
            "measured": evidence.get("measured"),
            "feature_version": evidence.get("feature_version"),
        }
        rows = sources.rows(kind)
        rule = fit_fallback(baseline, rows.X, predict(rows.X))
        keys = live_kinds().get(kind, (kind,))
        fallback.update(dict.fromkeys(keys, rule))
        shown = "mock" if kind == DEMO_KIND else kind  # the holdout's name for the demo feed
        if shown in by_data:
            by_data[shown]["served"] = baseline
        log(f"{kind}: ranked by {baseline} (evidence: lift 95% {decision.get('lift_95')})")
    holdout = {
        **source,
        "from": hold.cutoffs[0].isoformat(),
        "to": hold.cutoffs[-1].isoformat(),
        "cutoffs": len(hold.cutoffs),
        "step_hours": step_hours,
        "horizon_hours": horizon_hours,
        "label": "relevance = ceil(log2(1 + units sold in the horizon)), gain 2^rel - 1",
        "group": "one cutoff x the whole catalogue",
    }
    holdout_id = hashlib.sha256(json.dumps(holdout, sort_keys=True).encode()).hexdigest()[:16]
    model_text = booster.model_to_string()
    version = (
        datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        + "-"
        + hashlib.sha256(model_text.encode()).hexdigest()[:8]
    )
    metrics = {
        **summarise(scores),
        "holdout_id": holdout_id,
        "holdout": holdout,
    }
    if by_data:
        metrics["by_data"] = by_data
    metadata = {
        "version": version,
        "features": list(FEATURES),
        "feature_version": FEATURE_VERSION,
        "params": {**PARAMS, "num_boost_round": rounds, "seed": seed},
        "training_window": {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "train_cutoffs": [train.cutoffs[0].isoformat(), train.cutoffs[-1].isoformat()],
            "train_rows": len(train.X),
        },
        "metrics": metrics,
        # The rows ranked by a baseline, not the model: per marketplace (live mode), ``files``
        # (sellers whose sales come in files) and ``demo`` (mock mode).
        "fallback": fallback,
        # The evaluation over many worlds behind the fallbacks of kinds it covers.
        "fallback_evidence": fallback_evidence,
        "trained_at": datetime.now(UTC).isoformat(),
        "train_seconds": round(time.perf_counter() - clock, 2),
    }
    return RankerModel(booster, metadata), hold


EVIDENCE_PATH = Path(__file__).with_name("evidence.json")


def load_evidence(path: Path | None = None) -> dict[str, Any]:
    """The stored per-kind decisions of the evaluation over many worlds (``demo.evaluate
    --write-evidence``); empty when there are none."""
    path = EVIDENCE_PATH if path is None else path
    try:
        return dict(json.loads(path.read_text()))
    except FileNotFoundError:
        return {}


@dataclass(frozen=True)
class _KindRows:
    """Training rows of each kind of data, to map a fallback onto the model's scale."""

    data: Dataset  # the primary events' training rows, read as ``mode``
    mode: str
    catalogue: Sequence[Mapping[str, Any]]
    live: Dataset | None
    keep_train: Sequence[bool]
    files: Dataset | None

    def rows(self, kind: str) -> Dataset:
        if kind == FILES_KIND:
            if self.files is not None and len(self.files.X):
                return self.files
            return self._subset(self.data, from_files(self.data.X))
        if kind == DEMO_KIND:
            return self.data
        marketplaces = live_kinds().get(kind, ())
        keep = np.isin(marketplaces_of(self.catalogue), marketplaces)
        if self.live is not None and keep.any():
            return self.live.select(self.keep_train).only(keep)
        return self._subset(self.data, np.tile(keep, len(self.data.groups)))

    @staticmethod
    def _subset(data: Dataset, rows: np.ndarray) -> Dataset:
        # No rows of that kind: the rule is mapped on every row (the scale is all it takes).
        X = data.X[rows] if rows.any() else data.X
        return Dataset(X, np.zeros(len(X)), [len(X)], data.cutoffs[:1], [])


def live_kinds() -> dict[str, tuple[str, ...]]:
    """The kinds of live-like data: marketplaces grouped by the signals they really send
    (``shared.core.signals``), e.g. ``live:amazon`` and ``live:myntra+meesho``."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for mp in MARKETPLACES:
        groups.setdefault(tuple(sorted(signals.sent(mp, "live"))), []).append(mp)
    return {"live:" + "+".join(mps): tuple(mps) for mps in groups.values()}


def marketplaces_of(catalogue: Sequence[Mapping[str, Any]]) -> np.ndarray:
    return np.array([str(p.get("marketplace")) for p in catalogue])


def _fallback_baseline(result: Mapping[str, Any]) -> str:
    """The strongest baseline a fallback may rank by."""
    return max(FALLBACK_BASELINES, key=lambda name: result["baselines"][name]["ndcg@20"])


def publish(
    registry: ModelRegistry, model: RankerModel, holdout: Dataset, promote: bool
) -> tuple[str, Promotion | None]:
    version = registry.publish(model.to_text(), model.metadata)
    if not promote:
        return version, None

    def on_holdout(current: RankerModel) -> float:
        current.check_features(FEATURES, FEATURE_VERSION)
        return evaluate(current.predict, holdout, seed=0)["model@20"]

    return version, registry.promote_if_better(version, evaluate=on_holdout)
