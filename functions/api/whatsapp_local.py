"""What the local stack's stand-in for the WhatsApp Graph API received, for the Alerts page.

devhost serves a fake Graph API when ``WhatsApp__baseUrl`` points at this machine
(``devhost/whatsapp_service.py``); it records every message it accepts. This route reads that
record so the dashboard can show the messages as a phone would, from its own origin. Against
the real Graph API there is nothing to read (messages go to the recipients' phones): 404.
"""

from __future__ import annotations

from urllib.parse import urlparse

import azure.functions as func
import requests

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import json_response
from shared.alerts.workflow import mask
from shared.core.errors import NotFound, ServiceUnavailable
from shared.core.settings import get_settings

LOCAL_HOSTS = ("127.0.0.1", "localhost")


@api_route(
    "whatsapp_local_messages",
    "whatsapp/local-messages",
    ["GET"],
    RouteDoc(
        "Messages the local fake WhatsApp Graph API received, oldest first (local stack only; "
        "404 against the real API)"
    ),
)
def local_messages(req: func.HttpRequest) -> func.HttpResponse:
    base = get_settings().whatsapp.base_url
    if urlparse(base).hostname not in LOCAL_HOSTS:
        raise NotFound(
            "WhatsApp messages go to the recipients' phones; only the local stack's fake "
            "Graph API keeps a copy to show"
        )
    root = base.rstrip("/").rsplit("/", 1)[0]  # without the API version
    try:
        resp = requests.get(f"{root}/_fake/messages", timeout=10)
        resp.raise_for_status()
        messages = resp.json()["messages"]
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise ServiceUnavailable(
            f"the local fake WhatsApp Graph API did not answer: {exc}"
        ) from exc
    return json_response(
        {
            "messages": [
                {**m, "payload": {**m["payload"], "to": mask(str(m["payload"].get("to", "")))}}
                for m in messages
            ]
        }
    )
