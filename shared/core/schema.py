"""The Cosmos DB schema: the one definition of every container the code uses.

The repository creates these containers from this list, and a test compares it with the
containers declared in ``infra/bicep`` so Azure and local never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

DAY_SECONDS = 86_400


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    partition_key: str
    # None: documents never expire. -1: TTL on, per-document "ttl" decides.
    default_ttl: int | None = None


EVENTS = ContainerSpec("events", "/item_id", default_ttl=90 * DAY_SECONDS)
PRODUCTS = ContainerSpec("products", "/item_id")
RULES = ContainerSpec("rules", "/id")
STORES = ContainerSpec("stores", "/id")
AUDIT = ContainerSpec("audit", "/day", default_ttl=365 * DAY_SECONDS)
SNAPSHOTS = ContainerSpec("snapshots", "/kind")
LEASES = ContainerSpec("leases", "/id")
# Events of an item whose projection kept failing (shared.projection.dead_letters).
DEADLETTERS = ContainerSpec("deadletters", "/item_id")
# Refused webhook deliveries counted per marketplace, reason and minute, kept a week: the
# Stores page's "rejected deliveries". Never business state.
DELIVERIES = ContainerSpec("deliveries", "/marketplace", default_ttl=7 * DAY_SECONDS)
# One document per imported file: status, progress, counts, where its report is
# (shared.ingest.bulk.import_records).
IMPORTS = ContainerSpec("imports", "/id")
# Saved mappings of marketplaces' order exports onto ReSight's fields, found again by the
# fingerprint of a file's header (shared.ingest.bulk.presets).
IMPORT_PRESETS = ContainerSpec("import_presets", "/id")
# Shops and warehouses from imported workbooks, keyed by the seller's own store id.
LOCATIONS = ContainerSpec("locations", "/id")
# Data-quality runs, partitioned by UTC day, kept 400 days so a year's trend can be drawn.
QUALITY = ContainerSpec("quality", "/day", default_ttl=400 * DAY_SECONDS)
# The run ledger of scheduled jobs: one document per job and day (claim, heartbeats, steps),
# partitioned by job name (shared.jobs.run_ledger), kept 400 days.
JOBS = ContainerSpec("jobs", "/job", default_ttl=400 * DAY_SECONDS)
# The alert log: one document per alert (item, store, danger level, day) with its delivery to
# each recipient, partitioned by IST day (shared.alerts.log), kept 400 days.
ALERTS = ContainerSpec("alerts", "/day", default_ttl=400 * DAY_SECONDS)
# WhatsApp numbers that wrote to the business: when, so free-form messages go out only inside
# the 24-hour window (shared.alerts.inbound).
CONTACTS = ContainerSpec("contacts", "/id")
# Daily inventory snapshots: one document per IST day, store and item (aging, danger level and
# the previous day's, capital at risk, risk score, decision), with a deterministic id so a
# re-run of a day rewrites it (shared.inventory.daily); partitioned by day, kept 400 days.
INVENTORY_SNAPSHOTS = ContainerSpec("inventory_snapshots", "/day", default_ttl=400 * DAY_SECONDS)

CONTAINERS: tuple[ContainerSpec, ...] = (
    EVENTS,
    PRODUCTS,
    RULES,
    STORES,
    AUDIT,
    SNAPSHOTS,
    LEASES,
    DEADLETTERS,
    DELIVERIES,
    IMPORTS,
    IMPORT_PRESETS,
    LOCATIONS,
    QUALITY,
    JOBS,
    ALERTS,
    CONTACTS,
    INVENTORY_SNAPSHOTS,
)
