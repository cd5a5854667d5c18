"""The command that retrains the ranking model on the seller's own event log.

``python -m shared.ml.retrain --promote``

It reads the catalogue and every logged event from Cosmos (``shared.ml.cosmos_source``),
trains and judges a model over the log's whole span as ``shared.ml.ranker_training`` does (its
last ``HOLDOUT_DAYS`` held out), publishes it to the model registry in Blob and prints its
metrics against the baselines. With ``--promote`` it becomes the current model if it is at
least as good on this holdout as the one serving. The log is read as the feed that wrote it:
the demo feed's signals, or what connected marketplaces send
(``shared.catalogue.connections.mode``).

A fresh deployment's first model, before any seller data exists, is trained on simulated
worlds by ``python -m demo.train_ranker``, which publishes and prints through this module.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from shared.adapters.blob import model_store
from shared.adapters.cosmos import get_store
from shared.catalogue.connections import mode as store_mode
from shared.core.errors import HistoryTooShort
from shared.core.records import Event
from shared.ml.cosmos_source import load_history
from shared.ml.model import RankerModel
from shared.ml.ranker_training import load_evidence, publish, train_on_events
from shared.ml.registry import ModelRegistry
from shared.ml.training_set import Dataset, event_doc, event_time

# The split of a log: features at a cutoff every STEP_HOURS, each labelled by the sales of the
# next HORIZON_HOURS; the cutoffs of the last HOLDOUT_DAYS judge the model.
STEP_HOURS = 4
HORIZON_HOURS = 24
HOLDOUT_DAYS = 5
ROUNDS = 300
SEED = 11


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shared.ml.retrain",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="boosting rounds")
    parser.add_argument("--seed", type=int, default=SEED, help="LightGBM's seed")
    add_publish_options(parser)
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be >= 1")

    store = get_store()
    catalogue, events = load_history(store)
    if not events:
        parser.error("the events container is empty: nothing to train on")
    start, end = log_span(events)
    try:
        model, holdout = train_on_events(
            events,
            catalogue,
            start=start,
            end=end,
            source={"source": "cosmos", "from": start.isoformat(), "to": end.isoformat()},
            step_hours=STEP_HOURS,
            horizon_hours=HORIZON_HOURS,
            holdout_days=HOLDOUT_DAYS,
            rounds=args.rounds,
            seed=args.seed,
            mode=store_mode(store),
            evidence=load_evidence(),
        )
    except HistoryTooShort as exc:
        parser.error(exc.message)
    finish(model, holdout, args, metrics_table(model.metadata["metrics"]))
    return 0


def log_span(events: Sequence[Event | Mapping[str, Any]]) -> tuple[datetime, datetime]:
    """The whole hours the log covers: from its first event's hour to the end of its last's."""
    times = [event_time(event_doc(e)["occurred_at"]) for e in events]
    start = min(times).replace(minute=0, second=0, microsecond=0)
    end = max(times).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return start, end


def add_publish_options(parser: argparse.ArgumentParser, kind: str = "ranker") -> None:
    """The options of every training command (the ranker's and the risk model's) about what
    becomes of the model."""
    parser.add_argument(
        "--promote",
        action="store_true",
        help=f"move {kind}/current.json if the model is at least as good",
    )
    parser.add_argument(
        "--no-publish", action="store_true", help="train and evaluate only; write nothing to Blob"
    )


def finish(model: RankerModel, holdout: Dataset, options: argparse.Namespace, table: str) -> None:
    """As ``options`` (``add_publish_options``) say, publish ``model`` to the registry and
    make it current if it is at least as good on ``holdout``; say what became of it, then
    print ``table``."""
    if not options.no_publish:
        blobs = model_store()
        blobs.ensure_container()
        version, decision = publish(ModelRegistry(blobs), model, holdout, options.promote)
        print(f"published ranker/{version}/")
        if decision is not None:
            print(("promoted: " if decision else "not promoted: ") + decision.reason)
    print()
    print(table)


def metrics_table(metrics: Mapping[str, Any]) -> str:
    """The model against the baselines on the holdout, then per kind of data when trained on
    several (``by_data``)."""
    rows = [("model", metrics["ndcg@10"], metrics["ndcg@20"])]
    rows += [(name, m["ndcg@10"], m["ndcg@20"]) for name, m in metrics["baselines"].items()]
    lines = [f"{'ranker':<22}{'NDCG@10':>10}{'NDCG@20':>10}", "-" * 42]
    lines += [f"{name:<22}{a:>10.4f}{b:>10.4f}" for name, a, b in rows]
    lines.append(f"lift vs popularity @20: {metrics['lift_vs_popularity@20']:+.1%}")
    if "strongest_baseline" in metrics:
        lines.append(
            f"lift vs the strongest baseline ({metrics['strongest_baseline']}) @20: "
            f"{metrics['lift_vs_strongest@20']:+.1%}"
        )
    if "by_data" in metrics:
        lines += ["", "by kind of data (holdout), NDCG@20:", _kinds_header()]
        lines += [_kind_row(kind, m) for kind, m in metrics["by_data"].items()]
    return "\n".join(lines)


def _kinds_header() -> str:
    return f"{'data':<22}{'model':>8}  {'strongest baseline':<28}{'lift':>8}  served by"


def _kind_row(kind: str, m: Mapping[str, Any]) -> str:
    strongest = m["strongest_baseline"]
    baseline = f"{strongest} {m['baselines'][strongest]['ndcg@20']:.4f}"
    row = (
        f"{kind:<22}{m['ndcg@20']:>8.4f}  {baseline:<28}{m['lift_vs_strongest@20']:>+8.1%}"
        f"  {m['served']}"
    )
    if "without_file_signals" in m:
        row += f" (without the file-only columns: {m['without_file_signals']['ndcg@20']:.4f})"
    return row


if __name__ == "__main__":
    sys.exit(main())
