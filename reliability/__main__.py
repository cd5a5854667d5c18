"""``python -m reliability`` (``make reliability``): the whole harness, then one table.

    python -m reliability                      # everything, the full sizes
    python -m reliability --parts fuzz,crash   # some parts
    python -m reliability --api-cases 2 --burst 300 --kills 5   # a small run

Parts: ``properties`` (Hypothesis on the fold, KPIs, ranking and imports, in a pytest
subprocess with the ``reliability`` profile), ``fuzz`` (API and webhooks), ``crash``,
``outages`` (throttling, 503s, timeouts, a Blob outage during a model reload, SignalR down) and
``load`` (``bench/bench_latency.py`` over 10,000 products with a 1 s p95 target). One local
stack (Azurite, the Cosmos server, devhost) serves fuzz, crash and outages, each in a database
of its own. The properties and the crashes run beside the fuzzing; the outages and the load,
which measure latency, run alone after them. Failing inputs go to ``reliability/corpus/``; the
figures to ``artifacts/reliability.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("properties", "fuzz", "crash", "outages", "load")


def log(message: str) -> None:
    print(f"[reliability {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def start_properties() -> subprocess.Popen:
    """The properties run beside the rest (one process, mostly on the core devhost leaves)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "unit",
            "tests/reliability",
        ],
        cwd=ROOT,
        env={**os.environ, "HYPOTHESIS_PROFILE": "reliability"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_properties(proc: subprocess.Popen, started: float) -> dict[str, Any]:
    stdout, stderr = proc.communicate()
    tail = stdout.strip().splitlines()[-1] if stdout.strip() else stderr[-300:]
    from tests.reliability.conftest import RELIABILITY_EXAMPLES

    words = tail.replace(",", " ").split()
    pairs = itertools.pairwise(words)
    passed = next((int(n) for n, w in pairs if w == "passed" and n.isdigit()), 0)
    return {
        "kind": "properties (Hypothesis)",
        "inputs": passed * RELIABILITY_EXAMPLES,
        "faults": 0,
        "5xx": 0,
        "lost": 0 if proc.returncode == 0 else None,
        "double": 0 if proc.returncode == 0 else None,
        "recovery_s": None,
        "note": f"{tail}; up to {RELIABILITY_EXAMPLES} examples per property",
        "seconds": round(time.monotonic() - started),
    }


def fuzz_row(name: str, tally, seconds: float) -> dict[str, Any]:
    from reliability import corpus

    saved = corpus.save(tally.failures)
    problems = sorted({f["problem"][:90] for f in tally.failures})
    upstream = sum(tally.dependency_503.values())
    row = {
        "kind": name,
        "inputs": tally.requests,
        "faults": 0,
        "5xx": tally.server_errors - upstream,
        "5xx_cell": f"{tally.server_errors - upstream} (+{upstream} dependency 502/503)"
        if upstream
        else None,
        "lost": None,
        "double": None,
        "recovery_s": None,
        "note": f"{len(tally.failures)} failures ({len(saved)} new in the corpus), "
        f"{tally.refused_writes_checked} refused writes checked; statuses "
        f"{dict(sorted(tally.by_status.items()))}; dependency answers "
        f"{dict(tally.dependency_503)}",
        "failures": problems[:20],
        "seconds": round(seconds),
    }
    log(f"{name}: {row['note']}")
    return row


def run_fuzz(lanes: list[Any], api_cases: int, webhook_cases: int) -> list[dict[str, Any]]:
    """The lanes share the marketplaces' webhooks (so every lane's lake has orders), then take
    API operations until none is left. Each lane is a host and database of its own, so a
    refused request's writes (the host's write log) are still its own; the lanes overlap one
    host's work with another's case generation."""
    from reliability import fuzz, payloads

    claims = fuzz.Claims()
    started = time.monotonic()

    def lane(number: int) -> tuple[Any, float, Any]:
        stack = lanes[number]
        stack.start_host()
        mine = list(payloads.VALID)[number :: len(lanes)]
        hooks = fuzz.fuzz_webhooks(stack, webhook_cases, marketplaces=mine, log=log)
        hooks_seconds = time.monotonic() - started
        api = fuzz.fuzz_api(stack, api_cases, claim=claims, log=log)
        stack.stop_host()
        return hooks, hooks_seconds, api

    with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="fuzz") as pool:
        results = list(pool.map(lane, range(len(lanes))))
    hooks, hooks_seconds, api = results[0]
    for other_hooks, other_seconds, other_api in results[1:]:
        hooks.merge(other_hooks)
        api.merge(other_api)
        hooks_seconds = max(hooks_seconds, other_seconds)
    return [
        fuzz_row("webhook fuzzing", hooks, hooks_seconds),
        fuzz_row("API fuzzing (schemathesis)", api, time.monotonic() - started),
    ]


def run_crash(stack, burst: int, kills: int) -> dict[str, Any]:
    from reliability.crash import run_crashes

    started = time.monotonic()
    result = run_crashes(stack, total=burst, kills=kills, log=log)
    restarts = sorted(result.restart_seconds)
    return {
        "kind": "SIGKILL during a burst",
        "inputs": result.deliveries,
        "faults": result.kills,
        "5xx": result.server_errors,
        "lost": result.lost,
        "double": result.double_counted,
        "recovery_s": round(restarts[len(restarts) // 2], 1) if restarts else None,
        "note": f"{result.webhooks} webhooks + {result.imports} sales files; "
        f"{result.acked_in_burst} acknowledged in the burst, {result.redelivered} redelivered; "
        f"recovery = median restart; counters settled {result.settle_seconds:.0f} s after "
        f"the last redelivery"
        + (f"; mismatches: {result.mismatches[:5]}" if result.mismatches else ""),
        "seconds": round(time.monotonic() - started),
    }


def run_outages(stack, seconds: float) -> list[dict[str, Any]]:
    from reliability.outages import SCENARIOS

    rows = []
    for name, scenario in SCENARIOS.items():
        started = time.monotonic()
        log(f"outage: {name}")
        out = scenario(stack, seconds).summary()
        statuses = out["statuses"]
        rows.append(
            {
                "kind": out["kind"],
                "inputs": out["sent"],
                "faults": out["injected"],
                # What marketplaces saw: a 503 during an outage is the retryable answer.
                "5xx": sum(n for s, n in statuses.items() if str(s).isdigit() and int(s) >= 500),
                "5xx_expected": True,
                "lost": out["lost"],
                "double": out["double_counted"],
                "recovery_s": out["recovery_seconds"],
                "dead_lettered": out["dead_lettered"],
                "note": f"{out['note']}; answers {statuses}; items dead-lettered "
                f"{out['dead_lettered']}; latency p50/p95/max "
                f"{out['latency_ms_p50']}/{out['latency_ms_p95']}/{out['latency_ms_max']} ms"
                + (f"; mismatches: {out['mismatches'][:5]}" if out["mismatches"] else ""),
                "seconds": round(time.monotonic() - started),
            }
        )
        log(f"{name}: {rows[-1]['note']}")
    return rows


def run_load(products: int, rates: str, step_seconds: float) -> dict[str, Any]:
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "bench/bench_latency.py",
            "--events",
            "60",
            "--products",
            str(products),
            "--rates",
            rates,
            "--step-seconds",
            str(step_seconds),
            "--slo-ms",
            "1000",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        return {"kind": "load", "note": f"bench failed: {proc.stderr[-500:]}", "inputs": 0}
    sustained = result.get("sustained", {})
    steps = sustained.get("steps", [])
    return {
        "kind": f"load, {products:,} products",
        "inputs": sum(round(s["achieved_per_s"] * step_seconds) for s in steps)
        + result.get("latency", {}).get("count", 0),
        "faults": 0,
        "5xx": 0,
        "lost": None,
        "double": None,
        "recovery_s": None,
        "note": f"highest sustained rate with webhook-to-client p95 < 1 s: "
        f"{sustained.get('max_rate_p95_under_slo_per_s')} events/s; bottleneck "
        f"{sustained.get('bottleneck')} (CPU % of a core at the limit: "
        f"{sustained.get('cpu_percent_at_limit')}); spaced p95 "
        f"{result.get('latency', {}).get('p95_ms')} ms",
        "load": result,
        "seconds": round(time.monotonic() - started),
    }


def table(rows: list[dict[str, Any]]) -> str:
    def cell(v: Any) -> str:
        return "-" if v is None else f"{v:,}" if isinstance(v, int) else str(v)

    head = ["part", "inputs tried", "faults injected", "5xx answered", "events lost"]
    head += ["double-counted", "recovery (s)"]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for r in rows:
        lines.append(
            f"| {r['kind']} | {cell(r.get('inputs'))} | {cell(r.get('faults'))} | "
            f"{r.get('5xx_cell') or cell(r.get('5xx'))} | {cell(r.get('lost'))} | "
            f"{cell(r.get('double'))} | "
            f"{cell(r.get('recovery_s'))} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m reliability", description=__doc__)
    p.add_argument("--parts", default=",".join(PARTS))
    p.add_argument("--api-cases", type=int, default=55, help="per operation, role and mode")
    p.add_argument("--webhook-cases", type=int, default=700, help="per marketplace")
    p.add_argument("--fuzz-lanes", type=int, default=2, help="hosts fuzzed side by side (1-3)")
    p.add_argument("--burst", type=int, default=2000)
    p.add_argument("--kills", type=int, default=20)
    p.add_argument("--fault-seconds", type=float, default=10)
    p.add_argument("--products", type=int, default=10_000)
    p.add_argument("--rates", default="4,8,16,24,32,48,64,96")
    p.add_argument("--step-seconds", type=float, default=10)
    p.add_argument("--out", type=Path, default=ROOT / "artifacts" / "reliability.json")
    p.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the local services' files here (a trained first model is reused next time)",
    )
    args = p.parse_args(argv)
    parts = [x.strip() for x in args.parts.split(",") if x.strip()]
    if not 1 <= args.fuzz_lanes <= 3:
        p.error("--fuzz-lanes must be 1-3: each lane takes at least one marketplace's webhooks")
    unknown = set(parts) - set(PARTS)
    if unknown:
        p.error(f"unknown parts {sorted(unknown)}; choose from {PARTS}")
    started = time.monotonic()
    rows: list[dict[str, Any]] = []
    properties = start_properties() if "properties" in parts else None
    if properties is not None:
        log("properties: started beside the rest")
    if {"fuzz", "crash", "outages"} & set(parts):
        from reliability.stack import Stack, local_stack, stack_env

        with local_stack(args.workdir) as first:
            stacks = [first]

            def fresh() -> Stack:
                # A database of its own on the same services (the model in Blob is shared).
                s = Stack(stack_env(first.services), first.workdir / f"s{len(stacks)}")
                stacks.append(s)
                return s

            try:
                # The crashes run beside the fuzzing, each on a host and database of its own:
                # the crash part mostly waits (restarts, the import sweep), the fuzzing mostly
                # generates cases, so together they take little more than the longer of the two.
                with ThreadPoolExecutor(max_workers=1, thread_name_prefix="crash") as beside:
                    crashes: Future[dict[str, Any]] | None = None
                    if "crash" in parts:
                        first.prepare()  # the first model, once, before two hosts start
                        crash_stack = fresh()
                        log("crashes: started beside the rest")
                        crashes = beside.submit(run_crash, crash_stack, args.burst, args.kills)
                    if "fuzz" in parts:
                        lanes = [first] + [fresh() for _ in range(args.fuzz_lanes - 1)]
                        log(f"fuzzing: {len(lanes)} lanes")
                        rows += run_fuzz(lanes, args.api_cases, args.webhook_cases)
                    if crashes is not None:
                        rows.append(crashes.result())
                        crash_stack.stop_host()
                if "outages" in parts:
                    s = fresh()
                    s.start_host()
                    rows += run_outages(s, args.fault_seconds)
                    s.stop_host()
            finally:
                for s in stacks:
                    s.stop_host()
    if "load" in parts:
        log("load")
        rows.append(run_load(args.products, args.rates, args.step_seconds))
    if properties is not None:
        rows.insert(0, finish_properties(properties, started))
    total = round(time.monotonic() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"seconds": total, "rows": rows}, indent=1, default=str))
    print(table(rows))
    print(f"\n{total} s in all; details in {args.out}")
    for r in rows:
        print(f"- {r['kind']}: {r.get('note', '')}")
    failed = any(
        ((r.get("5xx") or 0) > 0 and not r.get("5xx_expected"))
        or (r.get("lost") or 0) > 0
        or (r.get("double") or 0) > 0
        or (r.get("dead_lettered") or 0) > 0
        for r in rows
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
