"""Record the app's OpenTelemetry spans to a JSON-lines file, for bench/bench_latency.py.

In Azure, Application Insights receives the spans (``shared.core.telemetry``). Locally nothing
is installed, so spans cost nothing, unless ``RESIGHT_SPAN_FILE`` names a file: then every
finished span is appended to it as one JSON object (name, start and end in epoch nanoseconds,
ids and attributes) by OpenTelemetry's batch processor, off the traced threads.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

ENV = "RESIGHT_SPAN_FILE"


class JsonLinesExporter(SpanExporter):
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = []
        for s in spans:
            context = s.get_span_context()
            lines.append(
                json.dumps(
                    {
                        "name": s.name,
                        "start": s.start_time,
                        "end": s.end_time,
                        "trace": f"{context.trace_id:032x}" if context else None,
                        "span": f"{context.span_id:016x}" if context else None,
                        "parent": f"{s.parent.span_id:016x}" if s.parent else None,
                        "attributes": {k: _plain(v) for k, v in (s.attributes or {}).items()},
                    }
                )
            )
        with self._lock, self._path.open("a") as out:
            out.write("".join(line + "\n" for line in lines))
        return SpanExportResult.SUCCESS


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def record_from_environment() -> bool:
    """Install the file exporter when ``RESIGHT_SPAN_FILE`` is set; True if it was."""
    path = os.environ.get(ENV)
    if not path:
        return False
    provider = TracerProvider()
    # Exported every 200 ms so a benchmark reads a step's spans a moment after it ends.
    provider.add_span_processor(
        BatchSpanProcessor(
            JsonLinesExporter(Path(path)), schedule_delay_millis=200, max_queue_size=65536
        )
    )
    trace.set_tracer_provider(provider)
    # The Cosmos SDK's own spans (each request), as Azure Monitor's distro turns them on.
    from azure.core.settings import settings

    settings.tracing_implementation = "opentelemetry"
    return True


def read_spans(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
