"""The WhatsApp Cloud API webhook: Meta's subscription check (GET) and its notifications
(POST, signed with the app secret): inbound messages open a number's 24-hour window, message
statuses update the alert log. Auth level FUNCTION: the callback URL carries ``?code=``."""

from __future__ import annotations

import hmac
import json

import azure.functions as func

from functions.http_util import json_response
from functions.routes import RouteDoc, http_route
from shared.adapters.cosmos import get_store
from shared.alerts import inbound
from shared.core.errors import AuthError, MalformedJSON, PayloadTooLarge, ServiceUnavailable
from shared.core.settings import get_settings

bp = func.Blueprint()


@http_route(
    bp,
    "webhook_whatsapp_verify",
    "integrations/whatsapp/webhook",
    ["GET"],
    func.AuthLevel.FUNCTION,
    RouteDoc("WhatsApp subscription check: echoes hub.challenge", role=None),
)
def verify(req: func.HttpRequest) -> func.HttpResponse:
    token = get_settings().whatsapp.verify_token
    if token is None:
        raise ServiceUnavailable("WhatsApp__verifyToken is not set")
    given = req.params.get("hub.verify_token", "")
    if req.params.get("hub.mode") != "subscribe" or not hmac.compare_digest(
        given, token.get_secret_value()
    ):
        raise AuthError("hub.mode must be subscribe with the configured hub.verify_token")
    return func.HttpResponse(req.params.get("hub.challenge", ""), mimetype="text/plain")


@http_route(
    bp,
    "webhook_whatsapp",
    "integrations/whatsapp/webhook",
    ["POST"],
    func.AuthLevel.FUNCTION,
    RouteDoc("WhatsApp notifications: inbound messages and message statuses (signed)", role=None),
)
def notifications(req: func.HttpRequest) -> func.HttpResponse:
    settings = get_settings()
    secret = settings.whatsapp.app_secret
    if secret is None:
        raise ServiceUnavailable("WhatsApp__appSecret is not set")
    body = req.get_body() or b""
    if len(body) > settings.max_body_bytes:
        raise PayloadTooLarge(f"body is over {settings.max_body_bytes} bytes")
    inbound.verify(secret.get_secret_value(), body, req.headers.get("x-hub-signature-256"))
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise MalformedJSON("body is not JSON") from exc
    return json_response(inbound.handle(get_store(), payload))
