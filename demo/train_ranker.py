"""The command that trains the ranking model on a simulated world and publishes it.

``python -m demo.train_ranker --items 1000 --days 35 --seed 11 --promote``

A fresh deployment's first model, before any seller data exists: the world is simulated by
``demo.simulated_training``, and the model is judged on a second world it never saw. Publishing
and the metrics table are ``shared.ml.retrain``'s, the command that retrains on the seller's
own event log once there is one; the function app never imports this one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from demo.simulated_training import SimConfig, train_simulated
from shared.ml.ranker_training import load_evidence
from shared.ml.retrain import add_publish_options, finish, metrics_table


def simulated_table(metrics: Mapping[str, Any]) -> str:
    """The metrics table, the second world's after it, and where the figures come from."""
    lines = [metrics_table(metrics)]
    if "second_world" in metrics:
        world = metrics["second_world"]
        lines += ["", f"second simulated world (seed {world['seed']}, disjoint items):"]
        lines.append(metrics_table(world))
    lines += ["", "(simulated data: the demand simulator, not real sellers)"]
    return "\n".join(lines)


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
    add_publish_options(parser)
    args = parser.parse_args(argv)
    if args.items < 10 or args.days < 7 + defaults.holdout_days + 2:
        parser.error(f"--items must be >= 10 and --days >= {7 + defaults.holdout_days + 2}")

    cfg = SimConfig(items=args.items, days=args.days, seed=args.seed, rounds=args.rounds)
    model, holdout = train_simulated(cfg, evidence=load_evidence())
    finish(model, holdout, args, simulated_table(model.metadata["metrics"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
