"""What the import triggers do: import a file, then run the quality checks on what it changed.

The blob trigger and the sweep both end here, so an import is followed by a quality run
whichever of them got the file. A failed quality run never fails the import (it is recorded
already); the daily run catches up.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from shared.adapters.blob import imports_store
from shared.adapters.cosmos import get_store
from shared.catalogue import demo
from shared.core.records import utcnow
from shared.core.settings import get_settings
from shared.ingest.bulk import files, import_records, runner, upload
from shared.quality import runs

log = logging.getLogger("resight.imports")


def import_blob(name: str) -> dict[str, Any] | None:
    store, blobs = get_store(), imports_store()
    result = runner.process(store, blobs, name, get_settings())
    if result is not None and result["status"] == "imported":
        demo.real_data("a finished import")
    if result is not None and result["status"] in import_records.TERMINAL:
        covers = result.get("covers") or {}
        _quality_after(result["id"], date.fromisoformat(covers["last"]) if covers else None)
    return result


def sweep() -> int:
    """Import every file still in ``incoming/`` that no trigger is handling (a missed or
    failed event): older than a minute, not making progress. Returns how many it handled."""
    blobs = imports_store()
    handled = 0
    now = utcnow()
    for info in runner.pending(blobs):
        if files.is_ignored(info.name) or now - info.last_modified < runner.STALE / 2:
            continue
        try:
            if import_blob(info.name) is not None:
                handled += 1
        except Exception:
            # One file's failure never stops the sweep: the attempt is counted on the import
            # (at most ``runner.MAX_ATTEMPTS``), and the next file is taken.
            log.exception("sweep: %s failed; it stays in incoming/ for the next sweep", info.name)
    for import_id in upload.expire_reservations(get_store(), blobs, now):
        log.warning("import %s: its file never arrived before the upload link expired", import_id)
    return handled


def daily_quality() -> dict[str, Any] | None:
    return runs.run_daily(get_store())


def _quality_after(import_id: str, day: date | None) -> None:
    """Judge the day the file covers (its last), or the seller's today."""
    try:
        runs.run(get_store(), trigger=f"import:{import_id}", day=day)
    except Exception:
        log.exception("quality run after import %s failed; the daily run will cover it", import_id)
