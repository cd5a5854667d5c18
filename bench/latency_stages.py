"""Where an event's time goes, stage by stage, from the app's own OpenTelemetry spans.

devhost records the spans (``devhost.tracing``, ``RESIGHT_SPAN_FILE``) that the app emits in
Azure too (``shared.core.telemetry``: the same names show in Application Insights). For each
benchmark event, matched to its change-feed batch by event id:

- ``webhook``: POST to response, measured by the sender (HTTP, verification, normalising and
  the writes). ``event_write`` is the Cosmos SDK's own spans of the writes in that window
  (azure-core tracing), ``http_and_verification`` the rest;
- ``change_feed_wait``: response to the start of the batch that carried the event;
- ``projection`` (``read``, ``fold``, ``write`` from its attributes), ``catalogue_refresh``,
  ``kpi_update``, ``rerank``: the batch's stages;
- ``coalescing``: the batch's end to the start of the first broadcast flush after it;
- ``kpis`` (the KPI message): the flush's work before it sends; ``ranking`` (the top of the
  ranking and its snapshot): the work of the first ranking flush after the batch, which runs
  on its own cadence and is not on the KPI message's path;
- ``signalr_send``: the REST broadcast of the ``kpis`` message;
- ``client``: the send's end to the moment the real SignalR client handed the message over.

Times are epoch nanoseconds on one machine's clock (the sender converts its monotonic readings
once), so differences between processes are valid to well under a millisecond.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from shared.core import telemetry as t

STAGES = (
    "webhook",
    "http_and_verification",
    "event_write",
    "change_feed_wait",
    "projection",
    "projection_read",
    "projection_fold",
    "projection_write",
    "catalogue_refresh",
    "kpi_update",
    "rerank",
    "coalescing",
    "kpis",
    "ranking",
    "signalr_send",
    "client",
    "total",
)


def _ms(ns: float) -> float:
    return ns / 1e6


def _children(spans: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in spans:
        if s.get("parent"):
            out[s["parent"]].append(s)
    return out


def _child(kids: dict[str, list[dict]], span: dict, name: str) -> dict | None:
    return next((c for c in kids.get(span["span"], []) if c["name"] == name), None)


def _dur(span: dict | None) -> float:
    return _ms(span["end"] - span["start"]) if span else 0.0


def _cosmos_writes(spans: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The SDK's document-write spans (create/upsert/replace) that no app span encloses: the
    webhook's (the feed's writes run inside the projection span)."""
    names = ("create_item", "upsert_item", "replace_item")
    return sorted(
        (s for s in spans if not s.get("parent") and any(n in s["name"] for n in names)),
        key=lambda s: s["start"],
    )


def per_event(
    events: Sequence[tuple[Sequence[str], int, int, int | None]],
    spans: Sequence[dict[str, Any]],
) -> dict[str, list[float]]:
    """Milliseconds per stage for each event ``(ids, sent_ns, answered_ns, received_ns)``;
    events whose batch or flush is not in ``spans`` are left out."""
    kids = _children(spans)
    batch_of: dict[str, dict] = {}
    for s in spans:
        if s["name"] == t.STAGE_BATCH:
            for event_id in s["attributes"].get("resight.event_ids", []):
                batch_of.setdefault(event_id, s)
    flushes = sorted((s for s in spans if s["name"] == t.STAGE_FLUSH), key=lambda s: s["start"])
    flush_starts = [f["start"] for f in flushes]
    writes = _cosmos_writes(spans)
    write_starts = [w["start"] for w in writes]
    out: dict[str, list[float]] = defaultdict(list)
    for ids, sent, answered, received in events:
        batch = next((batch_of[i] for i in ids if i in batch_of), None)
        if batch is None or received is None:
            continue
        i = bisect.bisect_left(flush_starts, batch["end"])
        flush = _first_sending(flushes[i:], kids, "kpis")
        if flush is None:
            continue
        # The ranking goes out on its own cadence, in a flush of its own: its work is not on
        # the KPI message's path, but it is reported, from the first such flush after the batch.
        ranking_flush = _first_sending(flushes[i:], kids, "ranking")
        send = next(
            c
            for c in kids[flush["span"]]
            if c["name"] == t.STAGE_SEND and c["attributes"].get("resight.target") == "kpis"
        )
        lo = bisect.bisect_left(write_starts, sent)
        write_ms = sum(_dur(w) for w in writes[lo:] if w["end"] <= answered)
        projection = _child(kids, batch, t.STAGE_PROJECTION)
        sync = _child(kids, batch, t.STAGE_SYNC)
        attrs = projection["attributes"] if projection else {}
        ranking = (
            _dur(_child(kids, ranking_flush, t.STAGE_RANKING))
            + _dur(_child(kids, ranking_flush, t.STAGE_SNAPSHOT))
            if ranking_flush is not None
            else 0.0
        )
        row = {
            "webhook": _ms(answered - sent),
            "event_write": write_ms,
            "http_and_verification": _ms(answered - sent) - write_ms,
            "change_feed_wait": _ms(batch["start"] - answered),
            "projection": _dur(projection),
            "projection_read": float(attrs.get("resight.read_ms", 0.0)),
            "projection_fold": float(attrs.get("resight.fold_ms", 0.0)),
            "projection_write": float(attrs.get("resight.write_ms", 0.0)),
            "catalogue_refresh": _dur(sync and _child(kids, sync, t.STAGE_CATALOGUE)),
            "kpi_update": _dur(sync and _child(kids, sync, t.STAGE_KPI_UPDATE)),
            "rerank": _dur(sync and _child(kids, sync, t.STAGE_RERANK)),
            "coalescing": _ms(flush["start"] - batch["end"]),
            "kpis": _dur(_child(kids, flush, t.STAGE_KPIS)),
            "ranking": ranking,
            "signalr_send": _dur(send),
            "client": _ms(received - send["end"]),
            "total": _ms(received - sent),
        }
        for name, value in row.items():
            out[name].append(value)
    return out


def _first_sending(
    flushes: Sequence[dict[str, Any]], kids: dict[str, list[dict]], target: str
) -> dict[str, Any] | None:
    """The first of ``flushes`` that sent a message to ``target``."""
    return next(
        (
            f
            for f in flushes
            if any(
                c["name"] == t.STAGE_SEND and c["attributes"].get("resight.target") == target
                for c in kids.get(f["span"], [])
            )
        ),
        None,
    )


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return ordered[k]


def table(stages: dict[str, list[float]]) -> dict[str, Any]:
    """p50/p95 per stage in ms, in the loop's order."""
    rows = {}
    for name in STAGES:
        values = stages.get(name)
        if values:
            rows[name] = {
                "p50_ms": round(_pct(values, 50), 2),
                "p95_ms": round(_pct(values, 95), 2),
            }
    return {"events_traced": len(stages.get("total", [])), "stages": rows}
