"""The app's shape: unique function names, every HTTP route documented in OpenAPI."""

from __future__ import annotations

import re

import pytest

from function_app import app
from functions.app_index import functions_of
from shared.openapi import document

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


def test_openapi_lists_every_http_route_with_its_methods():
    doc = document(app)
    for fn in functions_of(app):
        binding = fn.get_trigger().get_dict_repr()
        if binding["type"] != "httpTrigger":
            continue
        path = "/api/" + re.sub(r"{([^}:?]+)[^}]*}", r"{\1}", binding["route"])
        for method in binding["methods"]:
            verb = str(getattr(method, "value", method)).lower()
            assert verb in doc["paths"][path], (path, verb)


def test_openapi_request_schemas_come_from_the_validating_models():
    doc = document(app)
    rank = doc["paths"]["/api/rank"]["post"]["requestBody"]["content"]["application/json"]
    schema = doc["components"]["schemas"][rank["schema"]["$ref"].rsplit("/", 1)[1]]
    assert schema["properties"]["limit"]["maximum"] == 500
    pin = doc["paths"]["/api/rules/pin"]["post"]
    assert pin["x-roles"] == ["admin"]
    pin_schema = doc["components"]["schemas"]["PinRule"]
    assert "position" in pin_schema["properties"]
    webhook = doc["paths"]["/api/integrations/amazon/webhook"]["post"]
    assert webhook["security"] == [{"functionKey": []}]
