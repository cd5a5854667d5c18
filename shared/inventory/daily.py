"""The daily inventory work as idempotent steps keyed by the run date (an IST day).

Contract for the job runner (``shared.jobs``):

- ``STEPS`` lists ``(name, step)`` in the order they must run; each ``step(ctx)`` takes a
  ``StepContext`` and returns a small JSON-able summary for the run ledger. A step may be run
  again for the same day at any time (after a crash, by hand): it rewrites only its own output
  for that day and never duplicates it. A step needs the ones before it for the same day.
- ``snapshot`` writes one ``inventory_snapshots`` document per store and item for ``ctx.day``
  (partition key ``day``, id ``"<day>:<store_id>:<item_id>"``, see ``snapshot.snapshot_id``)
  and removes the day's documents of items no longer stocked. Fields an alert step reads:
  ``day``, ``store_id``, ``store_name``, ``item_id``, ``title``, ``image`` (Blob name or URL),
  ``category``, ``department``, ``units``, ``capital``, ``days_since_sale``, ``days_active``,
  ``aging_bucket``, ``danger`` (``EARLY``/``HIGH``/``CRITICAL`` or null), ``previous_danger``
  (the previous day's level for the same store and item, null when it had none or no
  snapshot) and ``level_changed``.
- ``risk`` adds ``risk`` (probability of no sale in the next 30 days, or null), ``risk_source``
  (``model`` or ``rules``: without a promoted risk model the rules-based level stands, labelled
  so), ``risk_model_version`` and ``risk_reasons`` (SHAP, top three) to the day's documents.
- ``decisions`` adds ``decision`` (the recommended action and its expected capital recovered,
  with every option considered) to the day's documents in danger.

Steps read the product projection as it is when they run; ``as_of`` (the end of the day, or
now if earlier) is the moment windowed sales are measured at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shared.adapters.blob import BlobStore
from shared.adapters.cosmos import Store
from shared.core.errors import ModelError
from shared.core.records import utcnow
from shared.core.settings import Settings
from shared.inventory import decisions, risk, snapshot
from shared.ml.model import RankerModel
from shared.ml.registry import ModelRegistry
from shared.projection import aging
from shared.projection.windows import window_counts
from shared.ranking import rules_service
from shared.ranking.ranker import Ranker

CONTAINER = "inventory_snapshots"


@dataclass(frozen=True)
class StepContext:
    day: date  # the run date, an IST day
    store: Store
    settings: Settings
    # The Blob container of the model registry (risk and ranker models); None: no model is
    # read, so risk falls back to the rules and markdowns to "no price response known".
    models: BlobStore | None = None
    # An already built ranking (the live state's), for the markdown what-if; None: the
    # decisions step builds one from the products with the current ranking model.
    ranker: Any = None
    now: datetime = field(default_factory=utcnow)

    @property
    def as_of(self) -> datetime:
        return min(self.now, snapshot.end_of_day(self.day))

    @property
    def thresholds(self) -> aging.Thresholds:
        return aging.Thresholds.from_settings(self.settings)


def day_docs(
    store: Store, day: date, fields: Sequence[str] | None = None
) -> Iterator[dict[str, Any]]:
    """The day's snapshot documents, whole or only ``fields``."""
    selected = "*" if fields is None else ", ".join(f"c.{name}" for name in fields)
    # The partition key in the filter too: the local Cosmos server refuses a single-partition
    # query without it (the SDK's partition option alone is not enough there).
    yield from store.query(
        CONTAINER,
        f"SELECT {selected} FROM c WHERE c.day = @day",
        [("@day", day.isoformat())],
        partition_key=day.isoformat(),
    )


def products(store: Store) -> Iterator[dict[str, Any]]:
    fields = ", ".join(f"c.{name}" for name in snapshot.PRODUCT_FIELDS)
    yield from store.query("products", f"SELECT {fields} FROM c")


def store_names(store: Store) -> dict[str, str]:
    return {
        str(d["id"]): str(d.get("name") or d["id"])
        for d in store.query("locations", "SELECT c.id, c.name FROM c")
    }


def clean(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def run_snapshot(ctx: StepContext) -> dict[str, Any]:
    previous = snapshot.previous_rows(
        day_docs(ctx.store, date.fromordinal(ctx.day.toordinal() - 1), snapshot.PREVIOUS_FIELDS)
    )
    rows = snapshot.rows_for_day(
        products(ctx.store), previous, ctx.day, ctx.as_of, ctx.thresholds, store_names(ctx.store)
    )
    existing = {d["id"]: clean(d) for d in day_docs(ctx.store, ctx.day)}
    written = 0
    for row in rows:
        old = existing.pop(row["id"], None)
        # A re-run keeps what later steps added (risk, decision) until they run again.
        merged = {**(old or {}), **row}
        if merged != old:
            ctx.store.upsert(CONTAINER, merged)
            written += 1
    for stale in existing:
        ctx.store.delete(CONTAINER, stale, ctx.day.isoformat())
    levels = {level: 0 for level in aging.LEVELS}
    for row in rows:
        if row["danger"]:
            levels[row["danger"]] += 1
    return {
        "day": ctx.day.isoformat(),
        "rows": len(rows),
        "written": written,
        "removed": len(existing),
        "in_danger": levels,
        "changed_level": sum(1 for r in rows if r["level_changed"]),
        "capital_at_risk": round(sum(r["capital"] for r in rows if r["danger"]), 2),
    }


def run_risk(ctx: StepContext) -> dict[str, Any]:
    docs = [clean(d) for d in day_docs(ctx.store, ctx.day)]
    scorer = risk.Scorer.load(ctx.models)
    written = 0
    for doc, fields in zip(docs, scorer.score(docs), strict=True):
        if any(doc.get(k) != v for k, v in fields.items()):
            ctx.store.upsert(CONTAINER, {**doc, **fields})
            written += 1
    return {
        "day": ctx.day.isoformat(),
        "rows": len(docs),
        "written": written,
        "source": scorer.source,
        "model_version": scorer.version,
    }


def run_decisions(ctx: StepContext) -> dict[str, Any]:
    docs = [clean(d) for d in day_docs(ctx.store, ctx.day)]
    by_item: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        by_item.setdefault(doc["item_id"], []).append(doc)
    in_danger = [d for d in docs if d.get("danger")]
    ranking = ranking_context(ctx) if in_danger else None
    written, recovered, actions = 0, 0.0, {"markdown": 0, "transfer": 0, "clearance": 0}

    def write(doc: dict[str, Any], decision: dict[str, Any] | None) -> None:
        nonlocal written, recovered
        if decision is not None and decision["action"]:
            actions[decision["action"]] += 1
            recovered += decision["expected_recovery"]
        if doc.get("decision") != decision:
            ctx.store.upsert(CONTAINER, {**doc, "decision": decision})
            written += 1

    for start in range(0, len(in_danger), decisions.PAGE):
        page = in_danger[start : start + decisions.PAGE]
        for doc, decision in zip(
            page, decisions.decide_all(page, by_item, ranking, ctx.thresholds), strict=True
        ):
            write(doc, decision)
    for doc in docs:
        if not doc.get("danger"):
            write(doc, None)
    return {
        "day": ctx.day.isoformat(),
        "in_danger": len(in_danger),
        "written": written,
        "actions": actions,
        "expected_recovery": round(recovered, 2),
        "ranking_model": None if ranking is None else ranking.ranker.model.version,
    }


def ranking_context(ctx: StepContext) -> decisions.RankingContext | None:
    """The ranking the what-if runs against: the caller's, else one built now from the
    catalogue with the current ranking model; None without a model."""
    full = [
        d
        for d in ctx.store.query("products", "SELECT * FROM c")
        if d.get("catalogued", True) and not d.get("merged_into")
    ]
    ranker = ctx.ranker
    if ranker is None:
        if ctx.models is None:
            return None
        try:
            model: RankerModel = ModelRegistry(ctx.models).current()
        except ModelError:
            return None
        ranker = Ranker(model)
        ranker.full(full, ctx.as_of)
    units: list[float] = window_counts(full, ctx.as_of)[:, 2, snapshot.UNITS].tolist()
    units_7d = {str(d["item_id"]): u for d, u in zip(full, units, strict=True)}
    return decisions.RankingContext(
        ranker=ranker,
        rules=rules_service.active_rules(ctx.store),
        sell_through=decisions.SellThrough.of(ranker, units_7d),
        products={str(d["item_id"]): d for d in full},
        now=ctx.as_of,
    )


STEPS: tuple[tuple[str, Callable[[StepContext], dict[str, Any]]], ...] = (
    ("snapshot", run_snapshot),
    ("risk", run_risk),
    ("decisions", run_decisions),
)
