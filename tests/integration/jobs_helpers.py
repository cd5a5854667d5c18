"""Shared by the daily-job tests: a stocked catalogue whose items are in danger, recipients,
and the settings that point the app at devhost's fake WhatsApp Graph API."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from devhost.services import free_port
from shared.adapters.blob import imports_store
from shared.core.records import Event
from shared.core.settings import get_settings
from shared.ingest.bulk import catalogue, writer
from shared.ingest.bulk.events import Planned
from shared.jobs.schedule import ist_day
from shared.projection import apply
from tests.integration.conftest import DevHost, start_devhost

PHONE_ID = "100000000000001"
FOUNDER, CO_FOUNDER, MANAGER_S1, MANAGER_S2 = (
    "919800000001",
    "919800000002",
    "919800000011",
    "919800000012",
)
RECIPIENTS = [
    {"phone": f"+{FOUNDER}", "role": "founder", "name": "Asha"},
    {"phone": CO_FOUNDER, "role": "co-founder", "name": "Ravi"},
    {"phone": MANAGER_S1, "role": "store_manager", "store_id": "S1", "name": "Jaipur"},
    {"phone": MANAGER_S2, "role": "store_manager", "store_id": "S2", "name": "Pune"},
]
# A 1x1 PNG: the product image WhatsApp fetches by its SAS link.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360"
    "000000000200015e2b0e4b0000000049454e44ae426082"
)


def job_settings() -> dict[str, str]:
    return {
        "WhatsApp__baseUrl": f"http://127.0.0.1:{free_port()}/v22.0",
        "WhatsApp__phoneNumberId": PHONE_ID,
        "WhatsApp__accessToken": secrets.token_urlsafe(24),
        "WhatsApp__appSecret": secrets.token_hex(16),
        "WhatsApp__verifyToken": secrets.token_hex(8),
        "ALERT_RECIPIENTS": json.dumps(RECIPIENTS),
        # Always past the run hour; a dead run is stale after 4 s and retried at once.
        "DAILY_JOB_HOUR_IST": "0",
        "JOB_STALE_SECONDS": "4",
        "JOB_BACKOFF_SECONDS": "0",
    }


def start_job_devhost(env: dict[str, str], monkeypatch, tmp: Path) -> DevHost:
    """devhost (no timers: the tests fire the daily job through the host's admin API) with
    the job settings, which this process reads too."""
    extra = job_settings()
    for key, value in extra.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    return start_devhost({**env, **extra}, tmp, "--no-seed", "--no-timers")


def today() -> date:
    return ist_day(datetime.now(UTC))


def seed_danger(store, prefix: str) -> dict[str, str]:
    """Three items counted two days ago: HIGH at S1 (40 days on the shelf, with an image),
    CRITICAL at S2 (100 days, no image), none at S1 (10 days). Returns item id by level."""
    items = {"HIGH": f"{prefix}-HIGH", "CRITICAL": f"{prefix}-CRIT", "NONE": f"{prefix}-OK"}
    blobs = imports_store()
    blobs.ensure_container()
    blobs.put(f"images/{items['HIGH']}.png", PNG)
    catalogue.upsert_products(
        store,
        {
            items["HIGH"]: {
                "title": "Silk saree",
                "mrp": 2500.0,
                "image": f"images/{items['HIGH']}.png",
            },
            items["CRITICAL"]: {"title": "Denim jacket", "mrp": 1800.0},
            items["NONE"]: {"title": "Cotton kurta", "mrp": 900.0},
        },
        {},
        lambda item: "amazon",
        catalogue.CatalogueCounts(),
    )
    counted = datetime.now(UTC) - timedelta(days=2)
    planned = []
    for level, store_id, age in (("HIGH", "S1", 40), ("CRITICAL", "S2", 100), ("NONE", "S1", 10)):
        item = items[level]
        planned.append(
            Planned(
                Event(
                    id=f"test:stock:{item}:{store_id}",
                    item_id=item,
                    marketplace="amazon",
                    kind="stock",
                    raw_type="TEST",
                    source="import",
                    occurred_at=counted,
                    received_at=counted,
                    stock_set=10,
                    location_id=store_id,
                    lifecycle_start=(today() - timedelta(days=age)).isoformat(),
                ),
                1,
            )
        )
    writer.append_all(store, planned)
    apply.project_batch(store, list(store.query("events", "SELECT * FROM c")))
    return items


class GraphFake:
    """The control endpoints of devhost's fake Graph API."""

    def __init__(self, base_url: str) -> None:
        self.root = base_url.rsplit("/", 1)[0]  # without the API version

    def messages(self) -> list[dict]:
        return httpx.get(f"{self.root}/_fake/messages", timeout=10).json()["messages"]

    def fail_next(self, *rules: dict) -> None:
        httpx.post(f"{self.root}/_fake/errors", json={"errors": list(rules)}, timeout=10)

    def clear(self) -> None:
        httpx.delete(f"{self.root}/_fake/messages", timeout=10)
        httpx.delete(f"{self.root}/_fake/errors", timeout=10)
