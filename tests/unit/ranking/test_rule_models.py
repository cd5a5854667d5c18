from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.core.errors import ValidationFailed
from shared.ranking.rule_models import (
    BoostRule,
    ClearanceRule,
    PinRule,
    parse_rule,
    rule_from_doc,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("pin", {"item_id": "A", "position": 0}, "position"),
        ("pin", {"position": 2}, "item_id"),
        ("boost", {"item_id": "A", "strength": 0}, "strength"),
        ("demote", {"item_id": "A", "strength": 1.5}, "strength"),
        ("boost", {"item_id": "A", "strength": 0.5, "colour": "red"}, "colour"),
        ("remove", {"item_id": ""}, "item_id"),
        ("boost-clearance", {"strength": 0.3, "min_stock": 0}, "min_stock"),
        ("boost-clearance", {"strength": 0.3, "marketplace": "flipkart"}, "marketplace"),
        (
            "pin",
            {
                "item_id": "A",
                "position": 1,
                "valid_from": "2026-02-01T00:00:00Z",
                "valid_to": "2026-01-01T00:00:00Z",
            },
            "valid_to",
        ),
        ("pin", {"item_id": "A", "position": 1, "type": "boost"}, "type"),
        ("shuffle", {"item_id": "A"}, "kind"),
    ],
)
def test_invalid_rules_name_the_field(kind, body, field):
    with pytest.raises(ValidationFailed) as exc:
        parse_rule(kind, body)
    assert exc.value.field == field
    assert exc.value.status == 422 and field in exc.value.message


@pytest.mark.parametrize("name", ["id", "created_at", "created_by"])
def test_server_fields_are_refused_in_requests(name):
    with pytest.raises(ValidationFailed) as exc:
        parse_rule("pin", {"item_id": "SKU-A", name: "2026-01-01T00:00:00Z"})
    assert exc.value.field == name and "server" in exc.value.message


def test_a_pin_without_position_goes_to_the_top():
    pin = parse_rule("pin", {"item_id": "SKU-A"}, created_by="admin@test")
    assert isinstance(pin, PinRule) and pin.position == 1 and pin.created_by == "admin@test"


def test_parse_defaults_and_round_trip():
    pin = parse_rule("pin", {"item_id": "SKU-A", "position": 3, "note": "Diwali hero"})
    assert isinstance(pin, PinRule) and pin.type == "pin" and len(pin.id) == 32
    clearance = parse_rule("boost-clearance", {"strength": 0.4})
    assert isinstance(clearance, ClearanceRule)
    assert (clearance.min_stock, clearance.min_days_of_cover, clearance.max_units_7d) == (
        20,
        60.0,
        3.0,
    )
    doc = {**pin.to_doc(), "_rid": "x", "_ts": 1}
    assert rule_from_doc(doc) == pin


def test_validity_window_is_utc_and_half_open():
    start = datetime(2026, 11, 1, 10, tzinfo=UTC)
    rule = parse_rule(
        "boost",
        {
            "item_id": "A",
            "strength": 0.2,
            "valid_from": "2026-11-01T15:30:00+05:30",
            "valid_to": (start + timedelta(hours=2)).isoformat(),
        },
    )
    assert isinstance(rule, BoostRule)
    assert rule.valid_from == start
    assert not rule.active(start - timedelta(seconds=1))
    assert rule.active(start) and rule.active(start + timedelta(hours=1, minutes=59))
    assert not rule.active(start + timedelta(hours=2))
