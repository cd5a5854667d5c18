import logging

import azure.monitor.opentelemetry as azure_monitor
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from shared.core import telemetry
from shared.core.settings import Settings

pytestmark = pytest.mark.unit


@pytest.fixture
def reader():
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    telemetry.bind_meter_provider(provider)
    yield reader
    telemetry.bind_meter_provider()
    provider.shutdown()


def points(reader, name):
    """{frozenset(attributes): value} for one metric, summed over what was recorded."""
    data = reader.get_metrics_data()
    found = {}
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name != name:
                    continue
                for point in metric.data.data_points:
                    key = frozenset(point.attributes.items())
                    is_sum = hasattr(point, "value")
                    found[key] = point.value if is_sum else (point.count, point.sum)
    return found


def test_ingested_and_duplicate_counters_count_per_marketplace(reader):
    telemetry.record_ingested("amazon")
    telemetry.record_ingested("amazon")
    telemetry.record_ingested("meesho")
    telemetry.record_duplicate("amazon")

    assert points(reader, "events_ingested") == {
        frozenset({("marketplace", "amazon")}): 2,
        frozenset({("marketplace", "meesho")}): 1,
    }
    assert points(reader, "events_duplicate") == {frozenset({("marketplace", "amazon")}): 1}


def test_rejected_counter_splits_by_reason(reader):
    telemetry.record_rejected("myntra", "bad_signature")
    telemetry.record_rejected("myntra", "bad_signature")
    telemetry.record_rejected("myntra", "stale_timestamp")

    assert points(reader, "events_rejected") == {
        frozenset({("marketplace", "myntra"), ("reason", "bad_signature")}): 2,
        frozenset({("marketplace", "myntra"), ("reason", "stale_timestamp")}): 1,
    }


def test_histograms_record_count_and_sum(reader):
    telemetry.record_rerank(12.5, items=30)
    telemetry.record_rerank(7.5, items=10)
    telemetry.record_broadcast_lag(250.0)
    # A marketplace clock ahead of ours must not produce a negative lag.
    telemetry.record_broadcast_lag(-40.0)

    assert points(reader, "rerank_duration_ms") == {frozenset(): (2, 20.0)}
    assert points(reader, "items_reranked") == {frozenset(): 40}
    assert points(reader, "broadcast_lag_ms") == {frozenset(): (2, 250.0)}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: telemetry.record_ingested("flipkart"), "marketplace"),
        (lambda: telemetry.record_rejected("amazon", "Signature was wrong!"), "reason"),
        (lambda: telemetry.record_rerank(-1, 3), "ms"),
        (lambda: telemetry.record_rerank(1, -3), "items"),
    ],
)
def test_bad_metric_input_is_refused_and_nothing_is_counted(reader, call, message):
    with pytest.raises(ValueError, match=message):
        call()
    assert reader.get_metrics_data() is None or all(
        not points(reader, name)
        for name in ("events_ingested", "events_rejected", "rerank_duration_ms")
    )


def test_log_ingest_carries_event_id_and_marketplace(caplog):
    logger = telemetry.get_logger("ingest")
    with caplog.at_level(logging.INFO, logger=logger.name):
        telemetry.log_ingest(logger, "evt-1", "amazon", "recorded", item_id="SKU-9")
        telemetry.log_ingest(logger, "evt-2", "meesho", "rejected", reason="bad_signature")

    first, second = caplog.records
    assert (first.event_id, first.marketplace, first.outcome, first.item_id) == (
        "evt-1",
        "amazon",
        "recorded",
        "SKU-9",
    )
    assert first.levelno == logging.INFO
    assert (second.event_id, second.marketplace, second.reason) == (
        "evt-2",
        "meesho",
        "bad_signature",
    )
    assert second.levelno == logging.WARNING
    assert logger.name == "resight.ingest"


@pytest.mark.parametrize(
    ("args", "fields", "message"),
    [
        (("e", "ebay", "recorded"), {}, "marketplace"),
        (("e", "amazon", "stored"), {}, "outcome"),
        (("e", "amazon", "recorded"), {"msg": "x"}, "reserved"),
    ],
)
def test_log_ingest_refuses_bad_input_and_logs_nothing(caplog, args, fields, message):
    logger = telemetry.get_logger("ingest")
    with (
        caplog.at_level(logging.INFO, logger=logger.name),
        pytest.raises(ValueError, match=message),
    ):
        telemetry.log_ingest(logger, *args, **fields)
    assert caplog.records == []


@pytest.fixture
def fresh_configuration(monkeypatch):
    monkeypatch.setattr(telemetry, "_configured", False)
    root = logging.getLogger(telemetry.ROOT_LOGGER)
    monkeypatch.setattr(root, "propagate", root.propagate)
    monkeypatch.setattr(root, "level", root.level)
    calls = []
    monkeypatch.setattr(azure_monitor, "configure_azure_monitor", lambda **kw: calls.append(kw))
    return calls


def test_connection_string_configures_azure_monitor_once(fresh_configuration):
    settings = Settings(APPLICATIONINSIGHTS_CONNECTION_STRING="InstrumentationKey=test;")

    telemetry.configure_telemetry(settings)
    telemetry.configure_telemetry(settings)

    assert fresh_configuration == [
        {"connection_string": "InstrumentationKey=test;", "logger_name": "resight"}
    ]
    # The exporter's handler sits on "resight"; the host must not get a second copy.
    assert logging.getLogger("resight").propagate is False


@pytest.mark.parametrize("value", [None, "", "   "])
def test_without_connection_string_logs_stay_on_the_console(fresh_configuration, value):
    telemetry.configure_telemetry(Settings(APPLICATIONINSIGHTS_CONNECTION_STRING=value))

    assert fresh_configuration == []
    assert logging.getLogger("resight").propagate is True
