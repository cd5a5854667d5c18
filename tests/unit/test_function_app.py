"""The app's shape: unique function names, every HTTP route documented in OpenAPI."""

from __future__ import annotations

import json
import re

import azure.functions as func
import pytest

from function_app import app
from functions.api.system import openapi_document
from functions.app_index import functions_of
from functions.openapi import document
from functions.routes import ROUTES

pytestmark = pytest.mark.unit


def test_function_names_are_unique_and_expected():
    names = [f.get_function_name() for f in functions_of(app)]
    assert len(names) == len(set(names))
    assert {
        "webhook_amazon",
        "webhook_myntra",
        "webhook_meesho",
        "rank_on_events",
        "reconcile",
        "mock_feed",
        "metrics",
        "item",
        "audit",
        "health",
        "openapi",
    } <= set(names)


def test_the_route_table_is_the_apps_http_functions():
    http = {
        f.get_function_name(): f.get_trigger().get_dict_repr()["route"]
        for f in functions_of(app)
        if f.get_trigger().get_dict_repr()["type"] == "httpTrigger"
    }
    assert {name: r.route for name, r in ROUTES.items()} == http


def test_the_openapi_route_never_asks_the_app_for_its_functions(monkeypatch):
    # In Azure the worker has indexed the app already; a second get_functions() call reports
    # every function as a duplicate. The document comes from the route table instead.
    def refuse():
        raise AssertionError("get_functions called again")

    monkeypatch.setattr(app, "get_functions", refuse)
    req = func.HttpRequest("GET", "http://localhost/api/openapi.json", body=b"")
    response = openapi_document(req)
    assert response.status_code == 200
    assert "/api/rules/pin" in json.loads(response.get_body())["paths"]


def test_openapi_lists_every_http_route_with_its_methods():
    doc = document(ROUTES.values())
    for fn in functions_of(app):
        binding = fn.get_trigger().get_dict_repr()
        if binding["type"] != "httpTrigger":
            continue
        path = "/api/" + re.sub(r"{([^}:?]+)[^}]*}", r"{\1}", binding["route"])
        for method in binding["methods"]:
            verb = str(getattr(method, "value", method)).lower()
            assert verb in doc["paths"][path], (path, verb)


def test_openapi_request_schemas_come_from_the_validating_models():
    doc = document(ROUTES.values())
    rank = doc["paths"]["/api/rank"]["post"]["requestBody"]["content"]["application/json"]
    schema = doc["components"]["schemas"][rank["schema"]["$ref"].rsplit("/", 1)[1]]
    assert schema["properties"]["limit"]["maximum"] == 500
    pin = doc["paths"]["/api/rules/pin"]["post"]
    assert pin["x-roles"] == ["admin"]
    pin_schema = doc["components"]["schemas"]["PinRule"]
    assert "position" in pin_schema["properties"] and "position" not in pin_schema["required"]
    assert pin_schema["properties"]["id"]["readOnly"] is True
    webhook = doc["paths"]["/api/integrations/amazon/webhook"]["post"]
    assert webhook["security"] == [{"functionKey": []}]


def test_a_webhook_refuses_a_declared_length_over_the_limit_without_reading_the_body():
    from functions.webhook_amazon import bp as amazon_bp  # noqa: F401 - registered with the app

    class Unread(func.HttpRequest):
        def get_body(self) -> bytes:
            raise AssertionError("the body was read")

    webhook = next(
        f for f in functions_of(app) if f.get_function_name() == "webhook_amazon"
    ).get_user_function()
    req = Unread(
        "POST",
        "http://localhost/api/integrations/amazon/webhook",
        headers={"content-length": str(10 * 1024 * 1024)},
        body=b"",
    )
    response = webhook(req)
    assert response.status_code == 413
    assert json.loads(response.get_body())["error"] == "payload_too_large"
