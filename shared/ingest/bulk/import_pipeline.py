"""What the import triggers do: import a file, then tell the caller what it changed.

The blob trigger and the sweep both end here, so whatever follows an import (the function app
composes a data-quality run of the day the file covers) happens whichever of them got the file.
That follow-up is passed in (``after``) because the quality checks sit above ingestion: they
read what imports write. A failed follow-up never fails the import (it is recorded already).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from shared.adapters.blob import imports_store
from shared.adapters.cosmos import get_store
from shared.catalogue import demo
from shared.core.records import utcnow
from shared.core.settings import get_settings
from shared.ingest.bulk import files, import_records, runner, upload

log = logging.getLogger("resight.imports")

# Called with the import's id and the last day its file covers (None: the seller's today).
AfterImport = Callable[[str, date | None], None]


def import_blob(name: str, after: AfterImport | None = None) -> dict[str, Any] | None:
    store, blobs = get_store(), imports_store()
    result = runner.process(store, blobs, name, get_settings())
    if result is not None and result["status"] == "imported":
        demo.real_data("a finished import")
    if after is not None and result is not None and result["status"] in import_records.TERMINAL:
        covers = result.get("covers") or {}
        last = date.fromisoformat(covers["last"]) if covers else None
        try:
            after(result["id"], last)
        except Exception:
            log.exception("after import %s: the follow-up failed; the import stands", result["id"])
    return result


def sweep(after: AfterImport | None = None) -> int:
    """Import every file still in ``incoming/`` that no trigger is handling (a missed or
    failed event): older than a minute, not making progress. Returns how many it handled."""
    blobs = imports_store()
    handled = 0
    now = utcnow()
    for info in runner.pending(blobs):
        if files.is_ignored(info.name) or now - info.last_modified < runner.STALE / 2:
            continue
        try:
            if import_blob(info.name, after) is not None:
                handled += 1
        except Exception:
            # One file's failure never stops the sweep: the attempt is counted on the import
            # (at most ``runner.MAX_ATTEMPTS``), and the next file is taken.
            log.exception("sweep: %s failed; it stays in incoming/ for the next sweep", info.name)
    for import_id in upload.expire_reservations(get_store(), blobs, now):
        log.warning("import %s: its file never arrived before the upload link expired", import_id)
    return handled
