"""Which snapshot rows alert, under which key, to whom, and what the message says (pure)."""

from __future__ import annotations

import pytest

from shared.alerts import alert_criteria, log, message
from shared.alerts.workflow import mask
from shared.core.settings import AlertRecipient

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("previous", "level", "alerts"),
    [
        (None, "EARLY", True),  # entered danger
        ("EARLY", "HIGH", True),  # rose
        ("CRITICAL", "HIGH", True),  # changed level (fell, still in danger)
        ("HIGH", "HIGH", False),  # no change: yesterday's alert stands
        ("HIGH", None, False),  # left danger: nothing to warn about
        (None, None, False),
    ],
)
def test_an_item_alerts_when_its_danger_level_changes(previous, level, alerts):
    assert alert_criteria.alertable({"danger": level, "previous_danger": previous}) is alerts


def test_the_key_is_day_store_item_and_level():
    a = alert_criteria.alert_id("2026-12-02", "S1", "K1", "HIGH")
    assert a == "2026-12-02:S1:K1:HIGH"
    # same change, same day: same key (deduplicated); another level or day: another alert
    assert alert_criteria.alert_id("2026-12-02", "S1", "K1", "HIGH") == a
    assert alert_criteria.alert_id("2026-12-02", "S1", "K1", "CRITICAL") != a
    assert alert_criteria.alert_id("2026-12-03", "S1", "K1", "HIGH") != a


def test_keys_with_characters_cosmos_refuses_stay_unique():
    one = alert_criteria.alert_id("2026-12-02", "S/1", "K#1", "HIGH")
    two = alert_criteria.alert_id("2026-12-02", "S_1", "K_1", "HIGH")
    assert not set("/\\?#") & set(one) and one != two


def test_store_managers_hear_about_their_own_store_only():
    people = [
        AlertRecipient(phone="919800000001", role="founder"),
        AlertRecipient(phone="919800000002", role="co-founder"),
        AlertRecipient(phone="919800000011", role="store_manager", store_id="S1"),
        AlertRecipient(phone="919800000012", role="store_manager", store_id="S2"),
    ]
    assert [r.phone[-2:] for r in alert_criteria.recipients_for("S1", people)] == ["01", "02", "11"]
    assert [r.phone[-2:] for r in alert_criteria.recipients_for("S9", people)] == ["01", "02"]


def test_a_store_manager_without_a_store_is_refused():
    with pytest.raises(ValueError, match="store_id"):
        AlertRecipient(phone="919800000011", role="store_manager")
    with pytest.raises(ValueError):
        AlertRecipient(phone="12ab", role="founder")


def test_rupees_use_indian_grouping():
    assert message.rupees(1234567.4) == "₹12,34,567"
    assert message.rupees(999) == "₹999"
    assert message.rupees(100000) == "₹1,00,000"
    assert message.rupees(None) == "₹0"


def test_template_parameters_follow_the_template_and_hold_no_newlines():
    row = {
        "danger": "CRITICAL",
        "item_id": "K1",
        "title": "Silk\nSaree   red",
        "store_id": "S1",
        "store_name": "Jaipur",
        "days_since_sale": 95,
        "capital": 45000,
        "units": 9,
        "decision": {"summary": "markdown 20%"},
    }
    values = message.body_values(row)
    assert len(values) == len(message.TEMPLATES["inventory_danger_alert"].body)
    assert values == ["CRITICAL", "Silk Saree red", "Jaipur", "95", "₹45,000", "9", "markdown 20%"]
    assert "Jaipur has not sold for 95 days" in message.text(values)


@pytest.mark.parametrize(
    ("states", "overall"),
    [
        ([], "no_recipients"),
        (["sent", "sent"], "sent"),
        (["sent", "failed"], "partial"),
        (["failed", "unconfirmed"], "failed"),
        (["sent", "retry"], "pending"),
        (["pending"], "pending"),
    ],
)
def test_an_alerts_status_sums_up_its_deliveries(states, overall):
    assert log.overall([{"status": s} for s in states]) == overall


def test_numbers_are_masked_in_answers():
    assert mask("+91 98123 45678") == "+91••••••5678"


def test_inbound_notifications_must_carry_the_app_secrets_signature():
    from shared.alerts import inbound
    from shared.core.errors import AuthError

    body = b'{"object": "whatsapp_business_account"}'
    inbound.verify("s3cret", body, inbound.sign("s3cret", body))
    for header in (None, "", inbound.sign("other", body), inbound.sign("s3cret", body + b" ")):
        with pytest.raises(AuthError):
            inbound.verify("s3cret", body, header)
