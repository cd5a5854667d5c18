"""Retailer rules that steer the model's ranking.

Kinds and meaning:

- ``pin``: the item is shown at ``position`` (1-based) of every ranking it appears in (a filtered
  view counts positions within the view). Pins win over everything except ``remove``. Two pins
  on one position: the earlier-created pin keeps it, the other takes the next free position.
  An item with several pins uses the one with the smallest position.
- ``boost`` / ``demote``: the item's score moves up / down by ``strength x spread``, where
  ``spread`` is the width of the middle 90% of the catalogue's model scores (95th minus 5th
  percentile). Strength 1 lifts an item from the bottom 5% to about the top 5%; 0.1 moves it
  by a tenth of the catalogue's score range. Rules on the same item add up.
- ``remove``: the item never appears (and is not counted in ``total``). Remove beats pin:
  taking an item off the shelf must not be undone by an older pin.
- ``clearance``: a boost of ``strength x spread`` for every item with high stock and slow sales
  (stock >= ``min_stock``, days of cover >= ``min_days_of_cover`` and at most ``max_units_7d``
  units sold in 7 days), optionally only within one category or marketplace.

Order: remove, then boost/demote/clearance (scores), then pins (positions). A rule outside its
validity window (``valid_from`` inclusive, ``valid_to`` exclusive, UTC) does nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import uuid4

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from shared.core.errors import InvalidValue, ValidationFailed
from shared.core.records import Marketplace, utcnow
from shared.core.validation import failed

ItemId = Annotated[str, Field(min_length=1, max_length=128)]
Strength = Annotated[float, Field(gt=0, le=1)]


class RuleBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Set by the server, never by a request (``parse_rule`` refuses them); readOnly in OpenAPI.
    id: str = Field(
        default_factory=lambda: uuid4().hex,
        min_length=1,
        max_length=64,
        json_schema_extra={"readOnly": True},
    )
    created_at: datetime = Field(default_factory=utcnow, json_schema_extra={"readOnly": True})
    created_by: str | None = Field(None, max_length=256, json_schema_extra={"readOnly": True})
    note: str | None = Field(None, max_length=500)
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    @field_validator("created_at", "valid_from", "valid_to")
    @classmethod
    def _utc(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        start = info.data.get("valid_from")
        if info.field_name == "valid_to" and start is not None and value <= start:
            raise InvalidValue("valid_to must be after valid_from")
        return value

    def active(self, now: datetime) -> bool:
        if self.valid_from is not None and now < self.valid_from:
            return False
        return self.valid_to is None or now < self.valid_to

    def to_doc(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class PinRule(RuleBase):
    type: Literal["pin"] = "pin"
    item_id: ItemId
    position: int = Field(1, ge=1, le=100_000)  # "pinned" with no position means the top


class BoostRule(RuleBase):
    type: Literal["boost"] = "boost"
    item_id: ItemId
    strength: Strength


class DemoteRule(RuleBase):
    type: Literal["demote"] = "demote"
    item_id: ItemId
    strength: Strength


class RemoveRule(RuleBase):
    type: Literal["remove"] = "remove"
    item_id: ItemId


class ClearanceRule(RuleBase):
    type: Literal["clearance"] = "clearance"
    strength: Strength
    min_stock: int = Field(20, ge=1)
    min_days_of_cover: float = Field(60.0, gt=0)
    max_units_7d: float = Field(3.0, ge=0)
    category: str | None = Field(None, min_length=1, max_length=128)
    marketplace: Marketplace | None = None


Rule = Annotated[
    PinRule | BoostRule | DemoteRule | RemoveRule | ClearanceRule, Field(discriminator="type")
]
_ADAPTER: TypeAdapter[Rule] = TypeAdapter(Rule)

# API kinds (URL path segments) -> rule type.
KINDS: dict[str, str] = {
    "pin": "pin",
    "boost": "boost",
    "demote": "demote",
    "remove": "remove",
    "boost-clearance": "clearance",
    "clearance": "clearance",
}


SERVER_FIELDS = ("id", "created_at", "created_by")


def parse_rule(kind: str, body: Mapping[str, Any], *, created_by: str | None = None) -> Rule:
    """Validate a request body for rule ``kind``; errors name the offending field.

    The id, creation time and author are the server's: a body that sets them is refused.
    """
    rule_type = KINDS.get(kind)
    if rule_type is None:
        raise ValidationFailed(
            f"unknown rule kind {kind!r}; use one of {sorted(KINDS)}", field="kind"
        )
    if not isinstance(body, Mapping):
        raise ValidationFailed("rule body must be a JSON object", field="body")
    if body.get("type", rule_type) != rule_type:
        raise ValidationFailed(f"type must be {rule_type!r} for /rules/{kind}", field="type")
    for name in SERVER_FIELDS:
        if name in body:
            raise ValidationFailed(f"{name} is set by the server; leave it out", field=name)
    return _validate({**body, "type": rule_type, "created_by": created_by})


def rule_from_doc(doc: Mapping[str, Any]) -> Rule:
    """A stored rule document (Cosmos system properties ignored)."""
    return _validate({k: v for k, v in doc.items() if not k.startswith("_")})


def active_rules(rules: Iterable[Rule], now: datetime) -> list[Rule]:
    return [rule for rule in rules if rule.active(now)]


_TAGS = frozenset({"pin", "boost", "demote", "remove", "clearance"})


def _validate(data: Mapping[str, Any]) -> Rule:
    try:
        return _ADAPTER.validate_python(dict(data))
    except ValidationError as exc:
        # Drop the discriminator tag pydantic puts in front of the field path.
        raise failed(exc, skip=_TAGS) from exc
