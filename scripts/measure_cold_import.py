"""Cold import cost of the function app: wall time, CPU time and peak memory of a fresh process.

    .venv/bin/python scripts/measure_cold_import.py [--runs 5] [MODULE ...]

Each run is a new interpreter that imports the given modules (default: ``function_app``, then
``lightgbm, shap`` alone) and reports the import's wall time, the process's CPU time (user +
system) and its peak resident set size (``ru_maxrss``). The median of the runs is printed as
JSON. CPU time matters on Flex Consumption: a 512 MB instance has a quarter of a vCPU, so a
CPU-bound import there takes about four times its CPU time here.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, resource, sys, time
start = time.perf_counter()
for name in sys.argv[1].split(","):
    __import__(name.strip())
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "import_s": wall,
    "cpu_s": usage.ru_utime + usage.ru_stime,
    "peak_rss_mb": usage.ru_maxrss / 1024,
}))
"""


def measure(modules: str, runs: int) -> dict[str, object]:
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", PROBE, modules],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        samples.append(json.loads(out.strip().splitlines()[-1]))
    return {
        "modules": modules,
        "runs": runs,
        **{
            key: round(statistics.median(s[key] for s in samples), 3)
            for key in ("import_s", "cpu_s", "peak_rss_mb")
        },
        "import_s_all": [round(s["import_s"], 3) for s in samples],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("modules", nargs="*", default=["function_app", "lightgbm,shap"])
    args = parser.parse_args()
    baseline = measure("json", args.runs)  # the interpreter alone, for reference
    print(json.dumps(baseline))
    for modules in args.modules:
        print(json.dumps(measure(modules, args.runs)))


if __name__ == "__main__":
    main()
