"""Append planned events to the log: idempotent creates, several at a time.

The same ``Event`` documents as webhooks (``shared.ingest.webhook.append`` writes one at a
time and audits orders; imports carry no order lines, so they skip the audit and go wide). A
create whose id exists is a duplicate: nothing changes, which is what makes re-imports and a
retry after a crash safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from shared.adapters.cosmos import Store
from shared.core.schema import DAY_SECONDS
from shared.core.settings import get_settings
from shared.ingest.bulk.events import Planned

WORKERS = 8
WINDOW = 256  # events in flight at once: bounds memory whatever the file size


@dataclass
class Written:
    created: int = 0
    duplicates: int = 0


def append_all(
    store: Store,
    planned: Iterable[Planned],
    on_rows: Callable[[int], None] | None = None,
    *,
    import_id: str | None = None,
) -> Written:
    """Create the events; with ``import_id``, each carries it and its rows' natural keys
    (``row_keys``), which later files are checked against (``dedupe``)."""
    ttl = get_settings().events_ttl_days * DAY_SECONDS
    out = Written()

    def create(item: Planned) -> tuple[bool, int]:
        doc = {**item.event.to_doc(), "ttl": ttl}
        if import_id is not None:
            doc["import_id"] = import_id
            if item.keys:
                doc["row_keys"] = list(item.keys)
        return store.create("events", doc), item.rows

    with ThreadPoolExecutor(WORKERS, thread_name_prefix="import-append") as pool:
        batch: list[Planned] = []
        for item in planned:
            batch.append(item)
            if len(batch) >= WINDOW:
                _drain(pool, create, batch, out, on_rows)
                batch = []
        _drain(pool, create, batch, out, on_rows)
    return out


def _drain(pool, create, batch, out: Written, on_rows) -> None:
    rows = 0
    for created, n in pool.map(create, batch):
        if created:
            out.created += 1
        else:
            out.duplicates += 1
        rows += n
    if on_rows is not None and rows:
        on_rows(rows)
