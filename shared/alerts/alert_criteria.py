"""Which rows of a day's inventory snapshot deserve an alert, under which key, and for whom.

One alert per item (and store) per danger-level change per day: a row alerts when the item is
in danger (EARLY, HIGH, CRITICAL) at a level other than the previous day's; its key is the
day, store, item and the new level, so the same change alerts once however many times the
day's job or the alerts run again, and a second change on the same day (new data, a re-run)
is a new alert. An item that leaves danger is not alerted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from shared.core.settings import AlertRecipient

LEVELS = ("EARLY", "HIGH", "CRITICAL")
_UNSAFE = re.compile(r"[/\\?#]")


def alertable(row: Mapping[str, Any]) -> bool:
    level = row.get("danger")
    return level in LEVELS and level != row.get("previous_danger")


def alert_id(day: str, store_id: str, item_id: str, level: str) -> str:
    """The deduplication key (a Cosmos id may not hold ``/ \\ ? #``: made safe, kept unique)."""
    raw = f"{day}:{store_id}:{item_id}:{level}"
    if not _UNSAFE.search(raw):
        return raw
    return f"{_UNSAFE.sub('_', raw)}~{hashlib.sha256(raw.encode()).hexdigest()[:12]}"


def recipients_for(store_id: str, recipients: Iterable[AlertRecipient]) -> list[AlertRecipient]:
    """Founders and co-founders hear about every store, a store manager about their own."""
    return [r for r in recipients if r.role != "store_manager" or r.store_id == store_id]
