"""Saved mappings of order exports (``import_presets`` container), and the presets ReSight ships.

A preset is a named ``Mapping`` with the header it was saved from and that header's fingerprint
(``mapping.fingerprint``): a file with the same fingerprint is imported with the preset, no
questions asked (``match``). Sellers' presets are created, changed and deleted by admins
(audited by the API); shipped presets are read-only and listed first.

Shipped presets exist only where the marketplace publishes the export's columns:

- ``amazon-all-orders``: Amazon's flat-file all-orders report
  (``GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL``), a tab-delimited file. Its columns
  are those of the Selling Partner API documentation, "Order Tracking reports attributes"
  (https://developer-docs.amazon.com/sp-api/docs/order-tracking-reports-attributes), and its
  format the Reports API's report-type list (amzn/selling-partner-api-docs,
  references/reports-api/reporttype-values.json at 721890d71e9854eb013890b36366b9481d96afe4).
  The copy checked against is ``tests/contracts/amazon_all_orders_report.json``. The report has
  no order-item id, so a line is its SKU; ``item-price`` is the line's price (units times the
  unit price); Amazon shares no buyer identity, so no buyer key is mapped.

No other marketplace publishes its seller-panel export's columns, so none is shipped: a
Flipkart, Meesho, Myntra, Ajio, Shopify or Tally export is mapped once by the seller.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.adapters.cosmos import Store
from shared.core.errors import Conflict, NotFound, ValidationFailed
from shared.core.records import utcnow
from shared.ingest.bulk.mapping import Mapping, fingerprint, header_changes

CONTAINER = "import_presets"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")

AMAZON_ALL_ORDERS_COLUMNS: tuple[str, ...] = (
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date",
    "order-status", "fulfillment-channel", "sales-channel", "order-channel",
    "ship-service-level", "product-name", "sku", "asin", "item-status", "quantity", "currency",
    "item-price", "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price",
    "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "cpf",
    "is-business-order", "purchase-order-number", "price-designation",
)  # fmt: skip


class PresetIn(BaseModel):
    """A preset as an admin saves it: a name, the mapping, the header it was made from."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=100)
    mapping: Mapping
    header: list[str] = Field(
        ...,
        min_length=1,
        max_length=500,
        description="The export's header as the preview showed it; its fingerprint is what "
        "later files are recognised by",
    )


def _shipped() -> dict[str, dict[str, Any]]:
    amazon = Mapping(
        source="amazon",
        marketplace="amazon",
        channel="marketplace",
        price_basis="line",
        columns={
            "order_id": "amazon-order-id",
            "sku": "sku",
            "date": "purchase-date",
            "status_date": "last-updated-date",
            "quantity": "quantity",
            "price": "item-price",
            "status": "item-status",
            "city": "ship-city",
            "state": "ship-state",
            "pin_code": "ship-postal-code",
        },
        # The report's item-status words; anything else falls to the usual words
        # (``mapping.guess_status``).
        statuses={
            "pending": "created",
            "unshipped": "created",
            "shipping": "shipped",
            "shipped": "shipped",
            "cancelled": "cancelled",
            "canceled": "cancelled",
        },
    )
    header = list(AMAZON_ALL_ORDERS_COLUMNS)
    return {
        "amazon-all-orders": {
            "id": "amazon-all-orders",
            "name": "Amazon: all orders report (flat file, by order date)",
            "shipped": True,
            "mapping": amazon.model_dump(mode="json"),
            "header": header,
            "fingerprint": fingerprint(header),
            "source_url": "https://developer-docs.amazon.com/sp-api/docs/"
            "order-tracking-reports-attributes",
        }
    }


SHIPPED: dict[str, dict[str, Any]] = _shipped()


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def all_presets(store: Store) -> list[dict[str, Any]]:
    saved = sorted(
        (_public(d) for d in store.query(CONTAINER, "SELECT * FROM c")),
        key=lambda d: (d.get("name") or "").lower(),
    )
    return [*SHIPPED.values(), *saved]


def get(store: Store, preset_id: str) -> dict[str, Any]:
    if preset_id in SHIPPED:
        return SHIPPED[preset_id]
    doc = store.read_or_none(CONTAINER, preset_id, preset_id) if _ID.match(preset_id) else None
    if doc is None:
        raise NotFound(f"no import preset {preset_id!r}")
    return _public(doc)


def mapping_of(preset: dict[str, Any]) -> Mapping:
    return Mapping.model_validate(preset["mapping"])


def match(store: Store, header: list[str]) -> dict[str, Any] | None:
    """The preset whose saved header has this file's fingerprint (the newest seller's preset
    before a shipped one: a seller may have refined the shipped mapping under another name)."""
    print_ = fingerprint(header)
    saved = list(
        store.query(
            CONTAINER,
            "SELECT * FROM c WHERE c.fingerprint = @f ORDER BY c.updated_at DESC",
            [("@f", print_)],
        )
    )
    if saved:
        return _public(saved[0])
    return next((p for p in SHIPPED.values() if p["fingerprint"] == print_), None)


# The share of columns a preset and a file must have in common to be two versions of one export.
NEAR_SHARE = 0.6


def closest(store: Store, header: list[str]) -> tuple[dict[str, Any], dict[str, list[str]]] | None:
    """For a header no preset matches: the preset sharing most columns with it, and what
    changed (so the page can say "this looks like your Flipkart preset; 'Pin' is new")."""
    best: tuple[int, dict[str, Any], dict[str, list[str]]] | None = None
    for preset in all_presets(store):
        known = preset.get("header") or []
        changes = header_changes(known, header)
        shared = len(known) - len(changes.missing)
        # A changed version of the same export shares most columns both ways; a few common
        # names (SKU, Quantity, Order Status) do not make a Flipkart file Amazon's report.
        alike = shared >= NEAR_SHARE * len(known) and shared >= NEAR_SHARE * len(header)
        if alike and shared > 0 and (best is None or shared > best[0]):
            best = (shared, preset, changes.to_dict())
    if best is None:
        return None
    return best[1], best[2]


def slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "preset"
    return base if len(base) >= 2 else f"{base}-preset"


def create(store: Store, wanted: PresetIn, actor: str) -> dict[str, Any]:
    _check_columns(wanted)
    now = utcnow().isoformat()
    base = slug(wanted.name)
    for n in range(50):
        preset_id = base if n == 0 else f"{base}-{n + 1}"
        if preset_id in SHIPPED:
            continue
        doc = {
            "id": preset_id,
            "name": wanted.name,
            "shipped": False,
            "mapping": wanted.mapping.model_dump(mode="json"),
            "header": wanted.header,
            "fingerprint": fingerprint(wanted.header),
            "created_at": now,
            "created_by": actor,
            "updated_at": now,
            "updated_by": actor,
        }
        if store.create(CONTAINER, doc):
            return doc
    raise Conflict(f"too many presets named like {wanted.name!r}")


def replace(
    store: Store, preset_id: str, wanted: PresetIn, actor: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after)."""
    if preset_id in SHIPPED:
        raise ValidationFailed(
            "a shipped preset cannot be changed; save your mapping as a new preset",
            field="id",
        )
    _check_columns(wanted)
    current = store.read_or_none(CONTAINER, preset_id, preset_id) if _ID.match(preset_id) else None
    if current is None:
        raise NotFound(f"no import preset {preset_id!r}")
    doc = {
        **_public(current),
        "name": wanted.name,
        "mapping": wanted.mapping.model_dump(mode="json"),
        "header": wanted.header,
        "fingerprint": fingerprint(wanted.header),
        "updated_at": utcnow().isoformat(),
        "updated_by": actor,
    }
    after = store.upsert(CONTAINER, doc, etag=current["_etag"])
    return _public(current), _public(after)


def delete(store: Store, preset_id: str) -> dict[str, Any]:
    if preset_id in SHIPPED:
        raise ValidationFailed("a shipped preset cannot be deleted", field="id")
    current = get(store, preset_id)
    store.delete(CONTAINER, preset_id, preset_id)
    return current


def _check_columns(wanted: PresetIn) -> None:
    """Every mapped column must be in the header the preset is saved with: a preset that maps
    a column its files do not have would reject every file it matches."""
    missing = wanted.mapping.missing_columns(wanted.header)
    if missing:
        raise ValidationFailed(
            f"mapped columns not in the header: {', '.join(missing)}", field="mapping.columns"
        )
