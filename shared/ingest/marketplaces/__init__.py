"""Marketplace adapters: signature verification and payload -> ``Event`` normalisation.

Each adapter exposes ``normalise(body: dict, received_at) -> list[Event]`` and raises
``ValidationFailed`` naming the offending field. ``NORMALISERS`` maps a marketplace to it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from shared.core.records import Event, Marketplace
from shared.ingest.marketplaces import amazon, meesho, myntra

Normaliser = Callable[[dict, datetime], list[Event]]

NORMALISERS: dict[Marketplace, Normaliser] = {
    "amazon": amazon.normalise,
    "myntra": myntra.normalise,
    "meesho": meesho.normalise,
}
