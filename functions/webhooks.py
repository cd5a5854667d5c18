"""The marketplace webhook blueprint, one instance per marketplace folder.

Thin on purpose: read the raw body and headers, call ``shared.ingest.webhook``, answer. Auth level
FUNCTION (a function key) plus the HMAC signature, or the secret as a static token header where
the marketplace takes one (EventBridge API destinations), checked in ``shared.ingest.signature``.
"""

from __future__ import annotations

import azure.functions as func

from functions.http_util import json_response
from functions.routes import RouteDoc, http_route
from shared.adapters.cosmos import get_store
from shared.catalogue import demo
from shared.core.errors import PayloadTooLarge
from shared.core.records import Marketplace
from shared.core.settings import get_settings
from shared.ingest.webhook import ingest_webhook
from shared.live.state import live


def webhook_blueprint(marketplace: Marketplace) -> func.Blueprint:
    bp = func.Blueprint()

    @http_route(
        bp,
        f"webhook_{marketplace}",
        f"integrations/{marketplace}/webhook",
        ["POST"],
        func.AuthLevel.FUNCTION,
        RouteDoc(f"{marketplace} webhook (function key, and signed or token)", role=None),
    )
    def webhook(req: func.HttpRequest) -> func.HttpResponse:
        settings = get_settings()
        declared = req.headers.get("content-length", "")
        # Refuse on the declared length before the body is touched.
        if declared.isdigit() and int(declared) > settings.max_body_bytes:
            raise PayloadTooLarge(f"body is over {settings.max_body_bytes} bytes")
        state = live()
        result = ingest_webhook(
            marketplace,
            req.get_body() or b"",
            dict(req.headers),
            settings,
            get_store(),
            listings=state.listings,
            secrets=state.secrets,
        )
        if result.recorded:  # the seller's own data is here: the automatic demo ends for good
            demo.real_data(f"the first {marketplace} webhook")
        return json_response(result.to_dict())

    return bp
