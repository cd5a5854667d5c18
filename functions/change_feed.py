"""The events change feed's trigger settings, written once for every function it drives.

Without a retry policy the host checkpoints a batch even when the function fails, so every
feed gets the same one here. Failures of one item are isolated by the handlers themselves (the
projection's dead letters), so a batch fails only when a backing service is unavailable: retry
for about two minutes, then move on (a batch retried forever would block its lease); the
timers repair the gap (the reconcile timer, the lake job's export). A handler must therefore be
idempotent per batch: the projection's watermarks and the lake's content-named files are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import azure.functions as func

# Up to 8 retries, 1 s doubling to at most 30 s apart: about two minutes.
RETRIES = "8"
FIRST_PAUSE, LONGEST_PAUSE = "00:00:01", "00:00:30"


def on_events(
    bp: func.Blueprint,
    name: str,
    *,
    poll_delay_ms: int,
    max_items: int,
    lease_prefix: str | None = None,
) -> Callable[[Callable[..., Any]], Any]:
    """Register the decorated ``fn(docs)`` as ``name``, triggered by the ``events`` change feed
    with the retry policy above. ``lease_prefix`` gives a feed its own place in the lease container,
    independent of the other feeds'."""

    def register(fn: Callable[..., Any]) -> Any:
        triggered = bp.cosmos_db_trigger(
            arg_name="docs",
            connection="CosmosDB",
            database_name="%COSMOS_DATABASE_NAME%",
            container_name="events",
            lease_container_name="leases",
            create_lease_container_if_not_exists=False,
            feed_poll_delay=poll_delay_ms,
            max_items_per_invocation=max_items,
            lease_container_prefix=lease_prefix,
        )(fn)
        retried = bp.retry(
            strategy="exponential_backoff",
            max_retry_count=RETRIES,
            minimum_interval=FIRST_PAUSE,
            maximum_interval=LONGEST_PAUSE,
        )(triggered)
        return bp.function_name(name)(retried)

    return register
