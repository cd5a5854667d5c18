"""Logs and metrics: to Application Insights when it is configured, to the console otherwise.

OpenTelemetry is the one instrument. ``configure_telemetry(settings)`` runs once per process:
with ``APPLICATIONINSIGHTS_CONNECTION_STRING`` set it calls ``configure_azure_monitor``, which
installs the global meter provider and a log handler on the ``resight`` logger; without it,
logs go to the console and metrics to the no-op provider. Code that counts calls the small
``record_*`` functions below and never touches OpenTelemetry itself.

In Azure the exporter authenticates with Entra ID: it reads
``APPLICATIONINSIGHTS_AUTHENTICATION_STRING`` (``ClientId=<identity>;Authorization=AAD``) from
the environment, which the Bicep app settings provide, so local auth on Application Insights
stays disabled.

Spans: ``span(name)`` times one stage of the real-time loop (change-feed batch, projection,
re-rank, KPIs, broadcast, SignalR send) with OpenTelemetry's tracer. In Azure,
``configure_azure_monitor`` installs the tracer provider, so each stage shows in Application
Insights as a dependency under its batch; locally the provider is the no-op one unless the
host records spans (devhost.tracing, for ``bench/bench_latency.py``). The stage names
are the ``STAGE_*`` constants, so the benchmark and the portal read the same breakdown.

Loggers named ``resight.*`` (see ``get_logger``) carry their ``extra`` fields to Application
Insights as custom dimensions. Once Azure Monitor is configured those records stop
propagating to the root logger, so the Functions host does not ship a second, dimensionless
copy of each line.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.metrics import MeterProvider

from shared.core.errors import InvalidValue
from shared.core.records import MARKETPLACES
from shared.core.settings import Settings

ROOT_LOGGER = "resight"
METER_NAME = "resight"
OUTCOMES = ("recorded", "duplicate", "rejected")

# Attribute values become metric dimensions; a free-form reason would explode cardinality.
_REASON = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# Names the logging module owns; passing one in ``extra`` raises KeyError deep inside logging.
_RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

_lock = threading.Lock()
_configured = False

# The stages of the real-time loop, one span each (see the module docstring).
STAGE_BATCH = "resight.feed.batch"  # one change-feed invocation; attribute: its event ids
STAGE_PROJECTION = "resight.projection"  # read, fold and write of the touched products
STAGE_FOLD = "resight.projection.fold"  # the pure fold alone (summed over the batch's items)
STAGE_SYNC = "resight.live.sync"  # bring the live state up to date after a batch
STAGE_CATALOGUE = "resight.catalogue.refresh"  # read the products written since the last sync
STAGE_KPI_UPDATE = "resight.kpis.update"  # replace the changed products' parts of the KPI sums
STAGE_RERANK = "resight.rank.update"  # re-score the touched items, merge them into the ranking
STAGE_FLUSH = "resight.broadcast.flush"  # one coalesced broadcast; attribute: when asked for
STAGE_KPIS = "resight.kpis.snapshot"  # the KPI message
STAGE_RANKING = "resight.ranking.payload"  # the top of the ranking for the message
STAGE_SNAPSHOT = "resight.ranking.snapshot"  # rank-change baseline and the minute's ranks
STAGE_SEND = "resight.signalr.send"  # one SignalR REST broadcast; attribute: its target
STAGE_RECONCILE = "resight.reconcile"  # the timer's repair and full re-score

_tracer = trace.get_tracer("resight")


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[trace.Span]:
    """Time one stage; attributes must be OpenTelemetry values (str, bool, int, float or a
    sequence of one of them). Free when no tracer provider is installed."""
    with _tracer.start_as_current_span(name, attributes=attributes or None) as current:
        yield current


def configure_telemetry(settings: Settings) -> None:
    """Route logs and metrics once per process; later calls do nothing."""
    global _configured
    with _lock:
        if _configured:
            return
        secret = settings.applicationinsights_connection_string
        connection_string = secret.get_secret_value().strip() if secret else ""
        if connection_string:
            # Imported here: it pulls in every instrumentation and is only needed in Azure.
            from azure.monitor.opentelemetry import configure_azure_monitor

            configure_azure_monitor(connection_string=connection_string, logger_name=ROOT_LOGGER)
            logger = logging.getLogger(ROOT_LOGGER)
            logger.setLevel(logging.INFO)
            logger.propagate = False
        else:
            logging.basicConfig(
                level=logging.INFO,
                format="%(asctime)s %(levelname)s %(name)s %(message)s",
            )
        _configured = True


def get_logger(name: str) -> logging.Logger:
    """A logger under ``resight`` so its records reach Application Insights with dimensions."""
    return logging.getLogger(f"{ROOT_LOGGER}.{name}")


def log_ingest(
    logger: logging.Logger, event_id: str, marketplace: str, outcome: str, **fields: Any
) -> None:
    """One structured line per ingested webhook event; rejections are warnings."""
    _check_marketplace(marketplace)
    if outcome not in OUTCOMES:
        raise InvalidValue(f"outcome must be one of {OUTCOMES}, got {outcome!r}")
    clashing = sorted(_RESERVED.intersection(fields))
    if clashing:
        raise InvalidValue(f"field names reserved by logging: {clashing}")
    extra = {**fields, "event_id": event_id, "marketplace": marketplace, "outcome": outcome}
    level = logging.WARNING if outcome == "rejected" else logging.INFO
    logger.log(level, "ingest %s %s %s", outcome, marketplace, event_id, extra=extra)


class _Instruments:
    def __init__(self, provider: MeterProvider | None) -> None:
        meter = metrics.get_meter(METER_NAME, meter_provider=provider)
        self.ingested = meter.create_counter(
            "events_ingested", unit="{event}", description="Webhook events stored"
        )
        self.duplicate = meter.create_counter(
            "events_duplicate", unit="{event}", description="Redelivered events already stored"
        )
        self.rejected = meter.create_counter(
            "events_rejected", unit="{event}", description="Events refused, by reason"
        )
        self.ignored = meter.create_counter(
            "notifications_ignored",
            unit="{notification}",
            description="Marketplace notifications of a type ReSight does not take, by type",
        )
        self.rerank = meter.create_histogram(
            "rerank_duration_ms", unit="ms", description="Time to re-rank a batch"
        )
        self.reranked_items = meter.create_counter(
            "items_reranked", unit="{item}", description="Items re-scored by re-ranks"
        )
        self.broadcast_lag = meter.create_histogram(
            "broadcast_lag_ms", unit="ms", description="Event time to dashboard broadcast"
        )


# The global provider is a proxy until configure_azure_monitor installs the real one, so
# instruments made at import time still reach Azure Monitor.
_instruments = _Instruments(None)


def bind_meter_provider(provider: MeterProvider | None = None) -> None:
    """Send the ``record_*`` metrics to ``provider`` (default: the global one)."""
    global _instruments
    _instruments = _Instruments(provider)


def record_ingested(marketplace: str) -> None:
    _check_marketplace(marketplace)
    _instruments.ingested.add(1, {"marketplace": marketplace})


def record_duplicate(marketplace: str) -> None:
    _check_marketplace(marketplace)
    _instruments.duplicate.add(1, {"marketplace": marketplace})


def record_rejected(marketplace: str, reason: str) -> None:
    _check_marketplace(marketplace)
    if not _REASON.match(reason):
        raise InvalidValue(f"reason must be a short snake_case code, got {reason!r}")
    _instruments.rejected.add(1, {"marketplace": marketplace, "reason": reason})


# A notification type as a metric attribute: the marketplace names it, so anything that is not a
# plausible type name is folded into one value to keep the attribute's cardinality bounded.
_NOTIFICATION_TYPE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")


def record_ignored(marketplace: str, notification_type: str) -> None:
    _check_marketplace(marketplace)
    kind = notification_type if _NOTIFICATION_TYPE.match(notification_type) else "other"
    _instruments.ignored.add(1, {"marketplace": marketplace, "notification_type": kind})


def record_rerank(ms: float, items: int) -> None:
    if ms < 0:
        raise InvalidValue(f"ms must be >= 0, got {ms}")
    if items < 0:
        raise InvalidValue(f"items must be >= 0, got {items}")
    _instruments.rerank.record(ms)
    _instruments.reranked_items.add(items)


def record_broadcast_lag(ms: float) -> None:
    # Lag is measured against the marketplace's event time; its clock may run ahead of ours.
    _instruments.broadcast_lag.record(max(ms, 0.0))


def _check_marketplace(marketplace: str) -> None:
    if marketplace not in MARKETPLACES:
        raise InvalidValue(f"marketplace must be one of {MARKETPLACES}, got {marketplace!r}")
