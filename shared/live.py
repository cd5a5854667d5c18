"""The per-process live state every function shares: catalogue, model, ranking, rules.

One ``LiveRanking`` per process (``live()``), guarded by a lock because the Python worker runs
sync functions on a thread pool. ``sync()`` brings it up to date cheaply: the model pointer is
checked by ETag, and only products written since the last sync are re-scored
(``Ranker.update``); a new model version triggers a full pass. ``full_pass()`` is the
reconcile: every item re-scored at the current time, so windowed features age.
"""

from __future__ import annotations

import threading
from datetime import datetime
from functools import lru_cache
from typing import Any

from shared.blobs import model_store
from shared.catalogue_cache import CatalogueCache
from shared.kpis import KpiAggregate
from shared.ml.registry import ModelRegistry
from shared.models import hour_key, utcnow
from shared.ranking import rules as rules_mod
from shared.ranking.ranker import Ranker
from shared.settings import get_settings
from shared.store import Store, get_store


class LiveRanking:
    def __init__(self, store: Store, registry: ModelRegistry) -> None:
        self.store = store
        self.registry = registry
        self.cache = CatalogueCache(store)
        self.ranker: Ranker | None = None
        self.published_at: datetime | None = None  # when rank changes were last re-based
        self.snapshot_at: datetime | None = None  # when ranks were last saved for history
        self.kpis = KpiAggregate(get_settings().low_stock_threshold)
        self.lock = threading.RLock()

    @property
    def model_version(self) -> str | None:
        return self.ranker.model.version if self.ranker is not None else None

    def sync(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Pull changed products (and a newly promoted model); re-score only what changed."""
        now = now or utcnow()
        with self.lock:
            model = self.registry.current()
            changed = self.cache.refresh()
            if self.kpis.hour != hour_key(now):
                self.kpis.rebase(self.cache.states.values(), now)
            else:
                self.kpis.update(changed, now)
            if self.ranker is None:
                self.ranker = Ranker(model)
                self.ranker.full(self.cache.catalogued(), now)
            elif self.ranker.model.version != model.version:
                # A newly promoted model: re-score everything, keep the rank-change baseline.
                self.ranker.set_model(model)
                self.ranker.update([s for s in changed if s.get("catalogued", True)], now)
            else:
                touched = [s for s in changed if s.get("catalogued", True)]
                if touched:
                    self.ranker.update(touched, now)
            return changed

    def full_pass(self, now: datetime | None = None) -> None:
        now = now or utcnow()
        with self.lock:
            self.sync(now)
            assert self.ranker is not None
            self.ranker.full(self.cache.catalogued(), now)

    def kpi_snapshot(self, now: datetime, *, mode: str) -> dict[str, Any]:
        with self.lock:
            if self.kpis.hour != hour_key(now):  # the window moved on: age every part
                self.kpis.rebase(self.cache.states.values(), now)
            return self.kpis.snapshot(now, mode=mode)

    def active_rules(self) -> list[rules_mod.Rule]:
        return [rules_mod.rule_from_doc(d) for d in self.store.query("rules", "SELECT * FROM c")]


@lru_cache(maxsize=1)
def live() -> LiveRanking:
    return LiveRanking(get_store(), ModelRegistry(model_store()))
