"""The local Cosmos server's cost of the change-feed poll and the catalogue refresh, alone.

    python bench/bench_emulator_feed.py [--sizes 1000,10000,50000]

For each container size: writes that many product-sized documents, then times (server side,
``/_emulator/stats``) the query devhost's change-feed poll and the catalogue refresh send every
poll, ``SELECT * FROM c WHERE c._ts >= @ts`` with the cursor at the newest second, answered by
devhost/cosmos_server.js's ``_ts`` index, against the same filter in a shape the index does not
take (the package's own pass over every document, which is what every poll cost before). This
is the emulator's cost only: Azure answers both from its range index.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import urllib3
from bench_ingest import exit_on_sigterm, local_services

from devhost.services import COSMOS_KEY
from shared.adapters.cosmos import Store
from shared.core.settings import CosmosConnection

INDEXED = "SELECT * FROM c WHERE c._ts >= @ts"
SCANNED = "SELECT * FROM c WHERE c._ts >= @ts AND IS_DEFINED(c.id)"


def server_ms(endpoint: str, store: Store, sql: str, ts: int, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        before = httpx.get(f"{endpoint}/_emulator/stats", verify=False).json()["query_ms"]
        list(store.query("products", sql, [("@ts", ts)]))
        after = httpx.get(f"{endpoint}/_emulator/stats", verify=False).json()["query_ms"]
        times.append(after - before)
    return round(statistics.median(times), 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    exit_on_sigterm()
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    result: dict = {"load_average": os.getloadavg(), "sizes": {}}
    with (
        tempfile.TemporaryDirectory(prefix="resight-bench-") as tmp,
        local_services(Path(tmp) / "services") as svc,
    ):
        written = 0
        for size in (int(s) for s in args.sizes.split(",")):
            store = Store.from_connection(
                CosmosConnection(
                    accountEndpoint=svc.cosmos_endpoint,
                    accountKey=COSMOS_KEY,
                    verifyTls=False,
                    databaseName="benchfeed",
                )
            )
            store.ensure_schema()
            filler = "x" * 3000  # about a product document's size
            while written < size:
                store.create(
                    "products", {"id": f"p{written}", "item_id": f"p{written}", "f": filler}
                )
                written += 1
            time.sleep(1.1)
            store.create("products", {"id": f"p{written}", "item_id": f"p{written}", "f": filler})
            written += 1
            newest = max(d["_ts"] for d in store.query("products", "SELECT c._ts FROM c"))
            result["sizes"][size] = {
                "poll_indexed_server_ms": server_ms(
                    svc.cosmos_endpoint, store, INDEXED, newest, args.repeats
                ),
                "poll_full_scan_server_ms": server_ms(
                    svc.cosmos_endpoint, store, SCANNED, newest, args.repeats
                ),
            }
            print(json.dumps({size: result["sizes"][size]}), file=sys.stderr, flush=True)
    result["load_average_after"] = os.getloadavg()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
