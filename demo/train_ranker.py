"""The command that trains the ranking model and publishes it to the registry.

``python -m demo.train_ranker --items 1000 --days 35 --seed 11 --promote``

Training reads a simulated world (``--source sim``, ``demo.simulated_training``) or the
event log in Cosmos (``--source cosmos``); how a model is trained and judged is
``shared.ml.ranker_training``'s. The command lives with the demo because its default source,
and a fresh deployment's first model, is a simulated world; the function app never imports it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from demo.simulated_training import SimConfig, train_simulated
from shared.ml.ranker_training import load_evidence, publish, train_on_events
from shared.ml.registry import ModelRegistry
from shared.ml.training_set import event_doc, event_time


def metrics_table(metrics: Mapping[str, Any]) -> str:
    lines = _table(metrics)
    if "by_data" in metrics:
        lines += ["", "by kind of data (holdout), NDCG@20:", _kinds_header()]
        lines += [_kind_row(kind, m) for kind, m in metrics["by_data"].items()]
    if "second_world" in metrics:
        world = metrics["second_world"]
        lines += ["", f"second simulated world (seed {world['seed']}, disjoint items):"]
        lines += _table(world)
        if "by_data" in world:
            lines += ["", _kinds_header()]
            lines += [_kind_row(kind, m) for kind, m in world["by_data"].items()]
    lines += ["", "(simulated data: the demand simulator, not real sellers)"]
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


def _table(metrics: Mapping[str, Any]) -> list[str]:
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
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    defaults = SimConfig()
    parser = argparse.ArgumentParser(
        prog="python -m demo.train_ranker",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--items", type=int, default=defaults.items)
    parser.add_argument("--days", type=int, default=defaults.days)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--rounds", type=int, default=defaults.rounds)
    parser.add_argument("--source", choices=("sim", "cosmos"), default="sim")
    parser.add_argument(
        "--promote",
        action="store_true",
        help="move ranker/current.json if the model is at least as good",
    )
    parser.add_argument(
        "--no-publish", action="store_true", help="train and evaluate only; write nothing to Blob"
    )
    args = parser.parse_args(argv)
    if args.items < 10 or args.days < 7 + defaults.holdout_days + 2:
        parser.error(f"--items must be >= 10 and --days >= {7 + defaults.holdout_days + 2}")

    if args.source == "cosmos":
        from shared.adapters.cosmos import get_store
        from shared.catalogue.connections import mode as store_mode
        from shared.ml.cosmos_source import load_history

        catalogue, events = load_history()
        # What the log holds: the demo feed's signals, or what connected marketplaces send.
        mode = store_mode(get_store())
        if not events:
            parser.error("the events container is empty: nothing to train on")
        first = min(event_time(event_doc(e)["occurred_at"]) for e in events)
        last = max(event_time(event_doc(e)["occurred_at"]) for e in events)
        start = first.replace(minute=0, second=0, microsecond=0)
        end = last.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        model, holdout = train_on_events(
            events,
            catalogue,
            start=start,
            end=end,
            source={"source": "cosmos", "from": start.isoformat(), "to": end.isoformat()},
            step_hours=defaults.step_hours,
            horizon_hours=defaults.horizon_hours,
            holdout_days=defaults.holdout_days,
            rounds=args.rounds,
            seed=args.seed,
            mode=mode,
            evidence=load_evidence(),
        )
    else:
        cfg = SimConfig(items=args.items, days=args.days, seed=args.seed, rounds=args.rounds)
        model, holdout = train_simulated(cfg, evidence=load_evidence())

    if not args.no_publish:
        from shared.adapters.blob import model_store

        store = model_store()
        store.ensure_container()
        version, decision = publish(ModelRegistry(store), model, holdout, args.promote)
        print(f"published ranker/{version}/")
        if decision is not None:
            print(("promoted: " if decision else "not promoted: ") + decision.reason)
    print()
    print(metrics_table(model.metadata["metrics"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
