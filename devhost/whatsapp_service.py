"""A fake WhatsApp Cloud API (Graph) for the local stack and the tests.

It answers ``POST /{version}/{phone_number_id}/messages`` as the Cloud API does, checks what
the real one checks, and records every accepted message:

- ``Authorization: Bearer <token>`` must be the configured token, else 401 with code 190
  (what an expired or wrong token gets);
- the phone number id must be the configured one, else 400 code 100;
- the body must be a well-formed ``text``, ``image`` or ``template`` message
  (``messaging_product: whatsapp``, ``to`` as 8-15 digits, a template's ``name``,
  ``language.code`` and components: a ``header`` with one ``image`` parameter by ``link``, a
  ``body`` of ``text`` parameters), else 400 code 100 naming the parameter; a template it
  does not know is 132001, a wrong number of body parameters 132000;
- free-form ``text`` and ``image`` messages reach only numbers inside the 24-hour window
  (opened with ``POST /_fake/inbound``), else 131047, as business-initiated messages must be
  templates;
- an image link is fetched, as Meta downloads media, and the result recorded with the message.

Control endpoints for the dashboard and the tests: ``GET /_fake/messages`` (what it received,
newest last), ``DELETE /_fake/messages``; ``POST /_fake/errors`` with
``{"errors": [{"code": 130429, "status": 429, "times": 2, "to": "<number>"?}]}`` makes the next
matching sends fail with that error (with ``"later": true`` the send is accepted and the error
comes afterwards as a ``failed`` status, as undeliverable messages really do);
``POST /_fake/inbound`` ``{"from": "<number>", "text"?}`` is a person writing to the business:
it opens the number's 24-hour window.

With ``webhook`` (the app's WhatsApp webhook URL) and ``app_secret``, it notifies the app as
Meta does, signed with the app secret: each inbound message, and a ``delivered`` (or the
injected ``failed``) status for each accepted message.

Run it with ``create_app(token, phone_number_id, ...)`` under uvicorn (devhost does, on the
port of ``WhatsApp__baseUrl``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared.alerts.inbound import sign
from shared.alerts.message import TEMPLATES

_NUMBER = re.compile(r"^[1-9][0-9]{7,14}$")
WINDOW_SECONDS = 24 * 3600
NOTIFY_DELAY = 1.0


class BadRequest(Exception):
    def __init__(self, message: str, code: int = 100, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


@dataclass
class FakeGraph:
    token: str
    phone_number_id: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    windows: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def injected(self, to: str) -> dict[str, Any] | None:
        with self.lock:
            for rule in self.errors:
                if rule.get("to") in (None, to) and rule["times"] > 0:
                    rule["times"] -= 1
                    return rule
        return None


def _error(message: str, code: int, status: int, **extra: Any) -> JSONResponse:
    body = {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": secrets.token_urlsafe(8),
            **extra,
        }
    }
    return JSONResponse(body, status_code=status)


def validate(body: Any) -> str:
    """Check a message as the Cloud API does; returns its type."""
    if not isinstance(body, dict):
        raise BadRequest("(#100) The request body must be a JSON object")
    if body.get("messaging_product") != "whatsapp":
        raise BadRequest("(#100) The parameter messaging_product is required.")
    to = body.get("to")
    if not isinstance(to, str) or not _NUMBER.match(to):
        raise BadRequest("(#100) Invalid parameter: to")
    kind = body.get("type", "text")
    if kind == "text":
        text = body.get("text")
        if not isinstance(text, dict) or not isinstance(text.get("body"), str):
            raise BadRequest("(#100) The parameter text['body'] is required.")
        if not text["body"].strip() or len(text["body"]) > 4096:
            raise BadRequest("(#100) Param text['body'] must be 1-4096 characters")
    elif kind == "image":
        _link(body.get("image"), "image")
    elif kind == "template":
        _template(body.get("template"))
    else:
        raise BadRequest(f"(#100) Param type must be one of text, image, template: {kind!r}")
    return str(kind)


def _link(media: Any, where: str) -> str:
    if not isinstance(media, dict) or not isinstance(media.get("link"), str):
        raise BadRequest(f"(#100) The parameter {where}['link'] is required.")
    if not media["link"].startswith(("https://", "http://")):
        raise BadRequest(f"(#100) Param {where}['link'] must be a URL")
    return str(media["link"])


def _template(template: Any) -> None:
    if not isinstance(template, dict) or not isinstance(template.get("name"), str):
        raise BadRequest("(#100) The parameter template['name'] is required.")
    language = template.get("language")
    if not isinstance(language, dict) or not isinstance(language.get("code"), str):
        raise BadRequest("(#100) The parameter template['language']['code'] is required.")
    spec = TEMPLATES.get(template["name"])
    if spec is None:
        raise BadRequest(f"(#132001) Template name does not exist: {template['name']}", 132001)
    components = template.get("components", [])
    if not isinstance(components, list):
        raise BadRequest("(#100) Param template['components'] must be an array")
    by_type: dict[str, dict] = {}
    for c in components:
        if not isinstance(c, dict) or c.get("type") not in ("header", "body", "button"):
            raise BadRequest("(#100) Param template['components'][]['type'] is invalid")
        if not isinstance(c.get("parameters"), list):
            raise BadRequest(f"(#100) Param components['{c['type']}']['parameters'] is required")
        by_type[c["type"]] = c
    header = by_type.get("header")
    if spec.image_header:
        params = header["parameters"] if header else []
        if len(params) != 1 or not isinstance(params[0], dict) or params[0].get("type") != "image":
            raise BadRequest("(#132012) Parameter format does not match: header image", 132012)
        _link(params[0].get("image"), "header image")
    elif header:
        raise BadRequest("(#132000) Number of parameters does not match: header", 132000)
    body = by_type.get("body", {"parameters": []})["parameters"]
    if len(body) != len(spec.body):
        raise BadRequest(
            f"(#132000) Number of parameters does not match the expected number of params: "
            f"{len(body)} given, {len(spec.body)} expected",
            132000,
        )
    for p in body:
        if not isinstance(p, dict) or p.get("type") != "text" or not isinstance(p.get("text"), str):
            raise BadRequest("(#100) Body parameters must be {type: text, text}")
        if not p["text"].strip():
            raise BadRequest("(#131008) Required parameter is missing: an empty body text", 131008)


def _image_link(body: dict[str, Any]) -> str | None:
    if body.get("type") == "image":
        return str(body["image"]["link"])
    if body.get("type") == "template":
        for c in body["template"].get("components", []):
            if c["type"] == "header":
                return str(c["parameters"][0]["image"]["link"])
    return None


def create_app(
    token: str, phone_number_id: str, *, webhook: str | None = None, app_secret: str | None = None
) -> Starlette:
    fake = FakeGraph(token, phone_number_id)
    tasks: set[asyncio.Task] = set()

    def notify(value: dict[str, Any]) -> None:
        """POST a signed notification to the app, in the background, as Meta does."""
        if not (webhook and app_secret):
            return
        body = json.dumps(
            {
                "object": "whatsapp_business_account",
                "entry": [{"id": "0", "changes": [{"field": "messages", "value": value}]}],
            }
        ).encode()

        async def post() -> None:
            # Meta's statuses come a moment after its answer, never before the sender has it.
            await asyncio.sleep(NOTIFY_DELAY)
            headers = {"x-hub-signature-256": sign(app_secret, body)}
            async with httpx.AsyncClient(timeout=30) as client:
                with contextlib.suppress(httpx.HTTPError):  # Meta retries; the fake does not
                    await client.post(webhook, content=body, headers=headers)

        task = asyncio.get_running_loop().create_task(post())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def send(request: Request) -> JSONResponse:
        auth = request.headers.get("authorization", "")
        if auth != f"Bearer {fake.token}":
            return _error("Error validating access token: Session has expired.", 190, 401)
        if request.path_params["phone_number_id"] != fake.phone_number_id:
            return _error("(#100) Unsupported post request: unknown phone number id", 100, 400)
        try:
            body = await request.json()
        except ValueError:
            return _error("(#100) The request body is not JSON", 100, 400)
        try:
            kind = validate(body)
        except BadRequest as exc:
            return _error(exc.message, exc.code, exc.status)
        to = body["to"]
        rule = fake.injected(to)
        if rule is not None and not rule.get("later"):
            return _error(
                rule.get("message", f"injected error {rule['code']}"),
                int(rule["code"]),
                int(rule.get("status", 400)),
            )
        if kind != "template" and time.time() > fake.windows.get(to, 0.0):
            return _error(
                "(#131047) Re-engagement message: more than 24 hours have passed since the "
                "recipient last replied; send a template",
                131047,
                400,
            )
        media = None
        if link := _image_link(body):
            media = await _fetch(link)
        message_id = f"wamid.{secrets.token_urlsafe(24)}"
        with fake.lock:
            fake.messages.append(
                {"id": message_id, "received_at": time.time(), "payload": body, "media": media}
            )
        status: dict[str, Any] = {
            "id": message_id,
            "recipient_id": to,
            "timestamp": str(int(time.time())),
            "status": "delivered",
        }
        if rule is not None:
            status["status"] = "failed"
            status["errors"] = [{"code": int(rule["code"]), "title": rule.get("message", "")}]
        notify({"messaging_product": "whatsapp", "statuses": [status]})
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": message_id}],
            }
        )

    async def messages(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            with fake.lock:
                fake.messages.clear()
            return JSONResponse({"deleted": True})
        to = request.query_params.get("to")
        with fake.lock:
            found = [m for m in fake.messages if to in (None, m["payload"]["to"])]
        return JSONResponse({"messages": found})

    async def errors(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            with fake.lock:
                fake.errors.clear()
            return JSONResponse({"deleted": True})
        body = await request.json()
        rules = body.get("errors") if isinstance(body, dict) else None
        if not isinstance(rules, list) or not all(
            isinstance(r, dict) and isinstance(r.get("code"), int) for r in rules
        ):
            return JSONResponse({"error": "errors must be [{code, status?, times?, to?}]"}, 400)
        with fake.lock:
            fake.errors.extend({"times": 1, **r} for r in rules)
        return JSONResponse({"errors": fake.errors})

    async def inbound(request: Request) -> JSONResponse:
        body = await request.json()
        number = str(body.get("from", "")) if isinstance(body, dict) else ""
        if not _NUMBER.match(number):
            return JSONResponse({"error": "from must be 8-15 digits"}, 400)
        fake.windows[number] = time.time() + WINDOW_SECONDS
        notify(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"wa_id": number}],
                "messages": [
                    {
                        "from": number,
                        "id": f"wamid.{secrets.token_urlsafe(24)}",
                        "timestamp": str(int(time.time())),
                        "type": "text",
                        "text": {"body": str(body.get("text") or "hi")},
                    }
                ],
            }
        )
        return JSONResponse({"from": number, "window_until": fake.windows[number]})

    return Starlette(
        routes=[
            Route("/{version}/{phone_number_id}/messages", send, methods=["POST"]),
            Route("/_fake/messages", messages, methods=["GET", "DELETE"]),
            Route("/_fake/errors", errors, methods=["POST", "DELETE"]),
            Route("/_fake/inbound", inbound, methods=["POST"]),
        ],
        # The Alerts page may show what the phone received.
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])],
    )


async def _fetch(link: str) -> dict[str, Any]:
    """Download the media as Meta does when it accepts a message."""
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            resp = await client.get(link)
        return {
            "status": resp.status_code,
            "bytes": len(resp.content),
            "content_type": resp.headers.get("content-type"),
        }
    except httpx.HTTPError as exc:
        return {"status": None, "error": str(exc)}
