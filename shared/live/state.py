"""The per-process live state every function shares: catalogue, model, ranking, KPIs, and
what the triggers carry between invocations (ticker, mock feed, reconcile mark).

One ``LiveState`` per process and dataset (the seller's and the demo's, ``shared.core.dataset``),
the only mutable state of the app. Lifecycle: built on first use
by ``live()`` (cheap: nothing is read until ``sync``), kept for the life of the worker process,
dropped only by ``live.cache_clear()`` (tests). Guarded by a lock because the Python worker runs
sync functions on a thread pool. ``sync()`` brings it up to date cheaply: the model pointer is
checked by ETag, and only products written since the last sync are re-scored
(``Ranker.update``); a new model version re-scores every stored row. The mode follows the
dataset: the demo's simulated shoppers send every signal (``mock``), the seller's data has what
the marketplaces really send (``live``).
``full_pass()`` is the reconcile: every item re-scored at the current time, so windowed
features age.
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from datetime import datetime
from typing import Any, Protocol

from shared.adapters.blob import model_store
from shared.adapters.cosmos import Store, get_store
from shared.catalogue.cache import CatalogueCache
from shared.catalogue.connections import SecretBook
from shared.core import telemetry
from shared.core.dataset import Dataset, per_dataset
from shared.core.records import hour_key, utcnow
from shared.core.settings import Settings, get_settings
from shared.ingest.listing_ids import AsinIndex
from shared.live.broadcast import Coalescer
from shared.ml.registry import ModelRegistry
from shared.projection.projected_kpis import KpiAggregate
from shared.ranking import rule_models as rules_mod
from shared.ranking import rules_service
from shared.ranking.ranker import Ranker

TICKER_SIZE = 20  # newest events kept for the next broadcast


class DemoFeed(Protocol):
    """The demo's simulated shoppers (``demo.mock_feed``), kept here between its timer's ticks:
    the demo package composes it, production code only carries it."""

    def tick(
        self,
        store: Store,
        settings: Settings,
        catalogue: list[dict],
        *,
        listings: AsinIndex,
        secrets: SecretBook,
    ) -> int: ...


class LiveState:
    def __init__(self, store: Store, registry: ModelRegistry, dataset: Dataset = "seller") -> None:
        self.dataset = dataset
        self.store = store
        self.registry = registry
        self.cache = CatalogueCache(store)
        self.ranker: Ranker | None = None
        self.published_at: datetime | None = None  # when rank changes were last re-based
        self.snapshot_at: datetime | None = None  # when ranks were last saved for history
        self.kpis = KpiAggregate(get_settings().low_stock_threshold)
        self.lock = threading.RLock()
        # Carried between trigger invocations (``shared.live.triggers``).
        self.listings = AsinIndex.for_store(store)
        self.secrets = SecretBook(store)
        self.ticker: deque[dict[str, Any]] = deque(maxlen=TICKER_SIZE)
        self.ticker_lock = threading.Lock()
        self.reconciled_until: int | None = None  # event _ts reconcile has covered
        self.projected_until: int | None = None  # the demo's: event _ts its ticks projected
        self.feed: DemoFeed | None = None
        self.first_run_checked = False  # the demo's: shared.live.demo_first_run
        self.announced_model: str | None = None
        # The two broadcast cadences (``shared.live.triggers``): KPIs and ticker, ranking.
        self.live_coalescer: Coalescer | None = None
        self.ranking_coalescer: Coalescer | None = None
        # Products synced while a full pass runs off the lock (``full_pass``), else None.
        self._during_full: list[dict[str, Any]] | None = None

    @property
    def model_version(self) -> str | None:
        return self.ranker.model.version if self.ranker is not None else None

    def sync(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Pull changed products (and a newly promoted model); re-score only what changed."""
        now = now or utcnow()
        with self.lock:
            model = self.registry.current()
            with telemetry.span(telemetry.STAGE_CATALOGUE):
                changed = self.cache.refresh()
            if self._during_full is not None:
                self._during_full.extend(changed)
            with telemetry.span(telemetry.STAGE_KPI_UPDATE, **{"resight.items": len(changed)}):
                if self.kpis.hour != hour_key(now):
                    self.kpis.rebase(self.cache.states.values(), now)
                else:
                    self.kpis.update(changed, now)
            with telemetry.span(telemetry.STAGE_RERANK):
                self._rank(model, changed, now)
            return changed

    def _rank(self, model: Any, changed: list[dict[str, Any]], now: datetime) -> None:
        with self.lock:
            mode = self.mode()
            if self.ranker is None:
                self.ranker = Ranker(model, mode)
                self.ranker.full(self.cache.catalogued(), now)
            elif self.ranker.mode != mode:
                # Live and demo features differ (unsent signals are missing): rebuild them all.
                self.ranker.mode = mode
                if self.ranker.model.version != model.version:
                    self.ranker.set_model(model)
                self.ranker.full(self.cache.catalogued(), now)
            elif self.ranker.model.version != model.version:
                # A newly promoted model: re-score everything, keep the rank-change baseline.
                self.ranker.set_model(model)
                self.ranker.update([s for s in changed if s.get("catalogued", True)], now)
            else:
                touched = [s for s in changed if s.get("catalogued", True)]
                if touched:
                    self.ranker.update(touched, now)

    def full_pass(self, now: datetime | None = None) -> None:
        """Re-score the whole catalogue without holding the lock through it.

        The pass runs on a shallow copy of the ranker (``full`` builds new arrays and swaps
        them in at its end, reading the old ones only to reuse rows whose document is
        unchanged), so a change-feed batch arriving meanwhile re-ranks its items at once
        instead of waiting for the pass. The products those batches changed are noted and
        re-scored on the copy before it replaces the ranker, so nothing they did is lost.
        """
        now = now or utcnow()
        with self.lock:
            self.sync(now)
            assert self.ranker is not None
            current, documents = self.ranker, self.cache.catalogued()
            published_at = self.published_at
            self._during_full = []
        shadow = copy.copy(current)
        try:
            shadow.full(documents, now)
        finally:
            with self.lock:
                missed, self._during_full = self._during_full, None
        with self.lock:
            if self.ranker is not current or shadow.mode != current.mode:
                return  # the ranker was rebuilt meanwhile (a mode change): that one is newer
            if shadow.model.version != current.model.version:
                shadow.set_model(current.model)
            touched = [s for s in missed if s.get("catalogued", True)]
            if touched:
                shadow.update(touched, now)
            self.ranker = shadow
            if self.published_at != published_at:
                # A broadcast re-based the rank changes on the old ranker meanwhile; the copy
                # carries the baseline from before, so the next broadcast re-bases again.
                self.published_at = None

    def kpi_snapshot(self, now: datetime, *, mode: str) -> dict[str, Any]:
        with self.lock:
            if self.kpis.hour != hour_key(now):  # the window moved on: age every part
                self.kpis.rebase(self.cache.states.values(), now)
            return {**self.kpis.snapshot(now, mode=mode), "dataset": self.dataset}

    def mode(self) -> str:
        """``mock`` for the demo (simulated shoppers send every signal); for the seller's data
        ``live`` (features follow the signals the marketplaces really send)."""
        return "mock" if self.dataset == "demo" else "live"

    def stores_changed(self) -> None:
        self.secrets.invalidate()

    def active_rules(self) -> list[rules_mod.Rule]:
        return rules_service.active_rules(self.store)


@per_dataset
def live(dataset: Dataset) -> LiveState:
    """This process's live state of the current dataset (the seller's, or the demo's)."""
    return LiveState(get_store(), ModelRegistry(model_store()), dataset)
