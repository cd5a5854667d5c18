"""Ranking quality over many simulated worlds, at the reduced size (``make bench``).

    python bench/bench_quality.py      # JSON on stdout, the per-kind table and progress on stderr

Runs ``python -m demo.evaluate --small``: one model trained as a fresh stack's first one
is (smaller), tested on 10 held-out worlds per kind of data (demo, live-like Amazon,
live-like Myntra/Meesho, sellers who send files, webhook and file sellers mixed). The full
size, whose table is in docs/ranking.md, is ``python -m demo.evaluate``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy/lightgbm load their thread pools

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo.evaluate import SIZES, markdown, run


def main() -> int:
    result = run(SIZES["small"], log=lambda line: print(line, file=sys.stderr, flush=True))
    print(markdown(result), file=sys.stderr)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
