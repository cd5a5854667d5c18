"""The route decorator runs what ``RouteDoc`` documents: the role before the handler, the query
string and JSON body validated into their models and handed to the handler by name."""

from __future__ import annotations

import base64
import inspect
import json
import sys
from datetime import date

import azure.functions as func
import pytest
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from function_app import app
from functions import routes
from functions.app_index import functions_of
from functions.http_util import CommaList
from functions.openapi import document
from functions.routes import ROUTES, RouteDoc, http_route
from shared.core.errors import InvalidValue, RouteMisdeclared

pytestmark = pytest.mark.unit


def _principal(*roles: str) -> dict[str, str]:
    body = {"userId": "u1", "userDetails": "priya@example.com", "userRoles": list(roles)}
    return {"x-ms-client-principal": base64.b64encode(json.dumps(body).encode()).decode()}


def _request(method: str = "GET", query=None, headers=None, body: bytes = b""):
    return func.HttpRequest(
        method, "http://localhost/api/probe", headers=headers or {}, params=query, body=body
    )


class ProbeQuery(BaseModel):
    day: date | None = None
    limit: int = Field(10, ge=1, le=50)
    tags: CommaList = None


class ProbeBody(BaseModel):
    price: float = Field(..., gt=0)


@pytest.fixture
def probe(monkeypatch):
    """An admin route on its own blueprint and route table, recording each handler call."""
    monkeypatch.setattr(routes, "ROUTES", {})
    calls: list[dict] = []

    def handler(req, actor: str, query: ProbeQuery, body: ProbeBody) -> func.HttpResponse:
        calls.append({"actor": actor, "query": query, "body": body})
        return func.HttpResponse("ok")

    doc = RouteDoc("probe", role="admin", query=ProbeQuery, request=ProbeBody, dataset="seller")
    builder = http_route(
        func.Blueprint(), "probe", "probe", ["POST"], func.AuthLevel.ANONYMOUS, doc
    )(handler)
    return builder, calls


def test_a_route_without_the_role_is_refused_before_the_handler_runs(probe):
    route, calls = probe
    good = json.dumps({"price": 10}).encode()
    unsigned = route(_request("POST", body=good))
    assert unsigned.status_code == 401
    assert json.loads(unsigned.get_body())["error"] == "unauthorized"
    analyst = route(_request("POST", headers=_principal("analyst"), body=good))
    assert analyst.status_code == 403
    assert json.loads(analyst.get_body())["error"] == "forbidden"
    assert calls == []


def test_a_bad_query_value_or_body_is_refused_by_the_decorator(probe):
    route, calls = probe
    admin = _principal("authenticated", "admin")
    good = json.dumps({"price": 10}).encode()
    for query, field in (
        ({"limit": "500"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"day": "3rd"}, "day"),
    ):
        refused = route(_request("POST", query, admin, good))
        assert refused.status_code == 422, query
        answer = json.loads(refused.get_body())
        assert answer["error"] == "validation_failed" and answer["field"] == field, answer
    bad_body = route(_request("POST", {}, admin, json.dumps({"price": -1}).encode()))
    assert bad_body.status_code == 422 and json.loads(bad_body.get_body())["field"] == "price"
    malformed = route(_request("POST", {}, admin, b"{price"))
    assert malformed.status_code == 400
    assert calls == []


def test_the_handler_gets_the_actor_and_the_validated_models(probe):
    route, calls = probe
    admin = _principal("authenticated", "admin")
    body = json.dumps({"price": 12.5}).encode()
    # An empty value is a parameter left out: its default applies.
    query = {"day": "2026-03-01", "tags": "a, b,,c", "limit": ""}
    ok = route(_request("POST", query, admin, body))
    assert ok.status_code == 200 and ok.headers["X-ReSight-Dataset"] == "seller"
    (call,) = calls
    assert call["actor"] == "priya@example.com"
    assert call["query"] == ProbeQuery(day=date(2026, 3, 1), limit=10, tags=["a", "b", "c"])
    assert call["body"].price == 12.5


class ProbeWindow(BaseModel):
    start: int
    end: int

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: int, info: ValidationInfo) -> int:
        if end <= info.data["start"]:
            raise InvalidValue("end must be after start")
        return end


def _window_route(monkeypatch, handler):
    monkeypatch.setattr(routes, "ROUTES", {})
    doc = RouteDoc("window", request=ProbeWindow, role=None)
    return http_route(
        func.Blueprint(), "window", "window", ["POST"], func.AuthLevel.ANONYMOUS, doc
    )(handler)


def test_a_validator_refusing_a_value_is_a_422_that_names_the_field(monkeypatch):
    route = _window_route(monkeypatch, lambda req, body: func.HttpResponse("ok"))
    refused = route(_request("POST", body=json.dumps({"start": 5, "end": 2}).encode()))
    assert refused.status_code == 422
    answer = json.loads(refused.get_body())
    assert answer["field"] == "end" and "end must be after start" in answer["message"]
    assert route(_request("POST", body=b'{"start": 1, "end": 2}')).status_code == 200


def test_a_value_refused_inside_a_handler_is_answered_as_an_unexpected_error(monkeypatch, caplog):
    def handler(req, body: ProbeWindow) -> func.HttpResponse:
        raise InvalidValue("ms must be >= 0, got -1")

    route = _window_route(monkeypatch, handler)
    answer = route(_request("POST", body=b'{"start": 1, "end": 2}'))
    assert answer.status_code == 500
    assert json.loads(answer.get_body()) == {
        "error": "internal_error",
        "message": "unexpected error",
    }
    assert "unhandled error in handler" in caplog.text


def test_a_handler_asking_for_what_its_route_does_not_document_is_refused_at_load(monkeypatch):
    monkeypatch.setattr(routes, "ROUTES", {})

    def wants_query(req, query) -> func.HttpResponse:
        raise AssertionError("never called")

    def wants_actor(req, actor) -> func.HttpResponse:
        raise AssertionError("never called")

    bp = func.Blueprint()
    with pytest.raises(RouteMisdeclared, match="query"):
        http_route(bp, "a", "a", ["GET"], func.AuthLevel.ANONYMOUS, RouteDoc("a"))(wants_query)
    with pytest.raises(RouteMisdeclared, match="actor"):
        http_route(bp, "b", "b", ["GET"], func.AuthLevel.ANONYMOUS, RouteDoc("b", role=None))(
            wants_actor
        )


def _http_functions():
    for fn in functions_of(app):
        if fn.get_trigger().get_dict_repr()["type"] == "httpTrigger":
            yield fn.get_function_name(), fn.get_user_function()


def test_every_signed_in_route_of_the_app_refuses_before_its_handler(monkeypatch):
    # Nothing behind a handler may run: the store and the demo state would fail loudly.
    def untouchable(*args, **kwargs):
        raise AssertionError("the handler ran")

    for module in [m for name, m in sys.modules.items() if name.startswith("functions.api.")]:
        for attr in ("get_store", "live", "kpis", "warehouse"):
            if hasattr(module, attr):
                monkeypatch.setattr(module, attr, untouchable)
    monkeypatch.setattr("shared.catalogue.demo.shown", untouchable)
    checked = 0
    for name, user_function in _http_functions():
        doc = ROUTES[name].doc
        if doc.role is None:
            continue
        unsigned = user_function(_request("POST"))
        assert unsigned.status_code == 401, name
        if doc.role == "admin":
            analyst = user_function(_request("POST", headers=_principal("analyst")))
            assert analyst.status_code == 403, name
        checked += 1
    assert checked > 40


def test_the_host_sees_each_http_function_take_only_the_request():
    # The worker binds parameters by name from the signature: a handler's actor, query or body
    # must not show through the wrapper.
    for name, user_function in _http_functions():
        assert list(inspect.signature(user_function).parameters) == ["req"], name


def test_openapi_query_parameters_are_the_query_models_fields():
    doc = document(ROUTES.values())
    search = {p["name"]: p for p in doc["paths"]["/api/inventory/search"]["get"]["parameters"]}
    assert search["page_size"]["schema"]["maximum"] == 200
    assert search["alert_only"]["schema"]["type"] == "boolean"
    assert search["department"]["schema"]["type"] == "array"
    assert search["department"]["explode"] is False
    revenue = {p["name"]: p for p in doc["paths"]["/api/analytics/revenue"]["get"]["parameters"]}
    assert revenue["start"]["schema"] == {"type": "string", "format": "date"}
    assert revenue["granularity"]["schema"]["enum"] == ["daily", "monthly"]
    for path in doc["paths"].values():
        for op in path.values():
            for param in op["parameters"]:
                assert "null" not in json.dumps(param["schema"]), (op["operationId"], param)
