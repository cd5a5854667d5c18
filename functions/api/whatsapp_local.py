"""What the local stack's stand-in for the WhatsApp Graph API received, for the Alerts page.

devhost serves a fake Graph API when ``WhatsApp__baseUrl`` points at this machine
(``devhost/whatsapp_service.py``); it records every message it accepts. This route reads that
record so the dashboard can show the messages as a phone would, from its own origin. Against
the real Graph API there is nothing to read (messages go to the recipients' phones): 404.
"""

from __future__ import annotations

import azure.functions as func

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import json_response
from shared.adapters.whatsapp import local_inbox
from shared.alerts.workflow import mask
from shared.core.settings import get_settings


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
    messages = local_inbox(get_settings().whatsapp.base_url)
    return json_response(
        {
            "messages": [
                {**m, "payload": {**m["payload"], "to": mask(str(m["payload"].get("to", "")))}}
                for m in messages
            ]
        }
    )
