"""A rule changed on an instance that has not ranked anything yet (no event, no timer has run
there): the change is saved and broadcast, not answered with a 500."""

from __future__ import annotations

import pytest

from tests.integration.helpers import principal

pytestmark = pytest.mark.integration


def test_the_first_request_of_a_cold_instance_may_change_a_rule(devhost):
    with devhost.client() as c:
        created = c.post(
            "/api/rules/pin", json={"item_id": "SKU-COLD-1"}, headers=principal("admin")
        )
        assert created.status_code == 201, created.text
        rules = c.get("/api/rules", headers=principal("analyst")).json()["rules"]
    assert [r["item_id"] for r in rules if r["type"] == "pin"] == ["SKU-COLD-1"]
