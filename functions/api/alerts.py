"""WhatsApp alerts: run the alerts for a day, the alert log, and a manual message (admin)."""

from __future__ import annotations

import uuid
from datetime import date

import azure.functions as func
from pydantic import BaseModel, Field

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import json_response
from shared.adapters.blob import imports_store
from shared.adapters.cosmos import get_store
from shared.adapters.whatsapp import (
    OUTSIDE_WINDOW_CODE,
    WhatsAppClient,
    image_message,
    text_message,
)
from shared.alerts import log, workflow
from shared.audit import trail
from shared.core.errors import ServiceUnavailable
from shared.core.records import utcnow
from shared.core.settings import get_settings
from shared.jobs.schedule import ist_day


class AlertsRunQuery(BaseModel):
    send_notifications: bool = True
    day: date | None = Field(None, description="IST day of the snapshots; default today")


class AlertsQuery(BaseModel):
    day: date | None = None
    status: str | None = Field(None, pattern="^(pending|sent|partial|failed|no_recipients)$")
    limit: int = Field(100, ge=1, le=500)


class ManualMessage(BaseModel):
    to: str = Field(..., pattern=r"^\+?[1-9][0-9]{7,14}$", description="E.164 number")
    text: str = Field(..., min_length=1, max_length=4096)
    image_url: str | None = Field(
        None, pattern=r"^https?://", description="Send an image with the text as its caption"
    )


@api_route(
    "alerts_run",
    "alerts/run",
    ["POST"],
    RouteDoc(
        "Alert the day's danger-level changes (admin); send_notifications=false lists what "
        "would be alerted and writes nothing",
        role="admin",
        query=AlertsRunQuery,
    ),
)
def alerts_run(req: func.HttpRequest, actor: str, query: AlertsRunQuery) -> func.HttpResponse:
    settings = get_settings()
    store = get_store()
    summary = workflow.run(
        store,
        settings,
        query.day or ist_day(utcnow()),
        send=query.send_notifications,
        client=WhatsAppClient.from_settings(settings),
        images=imports_store(),
    )
    if query.send_notifications:
        trail.record(store, "alerts.run", actor, after={"day": summary["day"]})
    return json_response(summary)


@api_route(
    "alerts_list",
    "alerts",
    ["GET"],
    RouteDoc("The alert log, newest first, with each delivery", query=AlertsQuery),
)
def alerts_list(req: func.HttpRequest, query: AlertsQuery) -> func.HttpResponse:
    alerts = log.recent(
        get_store(),
        limit=query.limit,
        day=query.day.isoformat() if query.day else None,
        status=query.status,
    )
    return json_response({"alerts": [workflow.public(a) for a in alerts]})


@api_route(
    "whatsapp_send",
    "whatsapp/send",
    ["POST"],
    RouteDoc(
        "Send a WhatsApp message by hand (admin): text, or an image with the text as caption. "
        "Free-form messages reach only numbers that wrote in the last 24 hours",
        request=ManualMessage,
        role="admin",
        dataset="seller",
    ),
)
def whatsapp_send(req: func.HttpRequest, actor: str, body: ManualMessage) -> func.HttpResponse:
    client = WhatsAppClient.from_settings(get_settings())
    if client is None:
        raise ServiceUnavailable(
            "WhatsApp is not configured (WhatsApp__phoneNumberId, WhatsApp__accessToken)"
        )
    msg = (
        image_message(body.to, body.image_url, body.text)
        if body.image_url
        else text_message(body.to, body.text)
    )
    result = client.send(msg)
    store = get_store()
    now = utcnow()
    delivery = {
        "phone": body.to,
        "role": "manual",
        "message_type": msg["type"],
        **result.to_dict(),
        "sent_at": now.isoformat() if result.status == "sent" else None,
    }
    log.record(
        store,
        {
            "id": f"manual:{uuid.uuid4().hex}",
            "day": ist_day(now).isoformat(),
            "kind": "manual",
            "actor": actor,
            "body": [body.text],
            "image": body.image_url,
            "deliveries": [delivery],
            "message_ids": [result.message_id] if result.message_id else [],
        },
    )
    trail.record(
        store,
        "whatsapp.send",
        actor,
        after={"to": workflow.mask(body.to), "type": msg["type"], "status": result.status},
    )
    public = {**delivery, "phone": workflow.mask(body.to)}
    if result.status == "sent":
        return json_response(public)
    message = f"WhatsApp refused the message (code {result.error_code}): {result.error}"
    if result.error_code == OUTSIDE_WINDOW_CODE:
        message += "; a free-form message needs the recipient to have written in the last 24 h"
    return json_response({"error": "whatsapp_refused", "message": message, "details": public}, 502)
