"""Every function on a Cosmos change feed carries the one retry policy (``functions.change_feed``):
without one the host checkpoints a batch even when the function fails."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.unit


def test_every_change_feed_function_has_the_retry_policy():
    import function_app
    from devhost.triggers import triggers_of
    from functions import change_feed

    feeds = triggers_of(function_app.app, "cosmosDBTrigger")
    assert {name for name, _, _ in feeds} >= {"rank_on_events", "lake_on_events"}
    for name, binding, _ in feeds:
        policy = binding.get("retryPolicy")
        assert policy is not None, name
        assert policy["strategy"] == "exponential_backoff"
        assert policy["max_retry_count"] == change_feed.RETRIES
        assert policy["minimum_interval"] == change_feed.FIRST_PAUSE
        assert policy["maximum_interval"] == change_feed.LONGEST_PAUSE
