"""The marketplace webhook blueprint, one instance per marketplace folder.

Thin on purpose: read the raw body and headers, call ``shared.ingest``, answer. Auth level
FUNCTION (a function key) plus the HMAC signature checked in ``shared.marketplaces.signature``.
"""

from __future__ import annotations

import azure.functions as func

from functions.http_util import handles, json_response
from shared.ingest import ingest_webhook
from shared.models import Marketplace
from shared.settings import get_settings
from shared.store import get_store


def webhook_blueprint(marketplace: Marketplace) -> func.Blueprint:
    bp = func.Blueprint()

    @bp.function_name(f"webhook_{marketplace}")
    @bp.route(
        route=f"integrations/{marketplace}/webhook",
        methods=["POST"],
        auth_level=func.AuthLevel.FUNCTION,
    )
    @handles
    def webhook(req: func.HttpRequest) -> func.HttpResponse:
        result = ingest_webhook(
            marketplace, req.get_body() or b"", dict(req.headers), get_settings(), get_store()
        )
        return json_response(result.to_dict())

    return bp
