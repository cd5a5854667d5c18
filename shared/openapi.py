"""The OpenAPI 3.1 document of every HTTP route, built from the app's own functions.

Paths, methods and auth come from the trigger bindings; request schemas from the pydantic
models that validate the requests (``functions.api.blueprint.DOCS``). Webhook bodies are
documented by marketplace in the README; their schema here is an open object.
"""

from __future__ import annotations

import re
from typing import Any

import azure.functions as func

from functions.app_index import functions_of

_PARAM = re.compile(r"{([^}:?]+)[^}]*}")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "field": {"type": "string"},
    },
}


def document(app: func.FunctionApp) -> dict[str, Any]:
    from functions.api.blueprint import DOCS

    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for fn in functions_of(app):
        trigger = fn.get_trigger()
        if trigger is None or trigger.get_binding_name() != "httpTrigger":
            continue
        binding = trigger.get_dict_repr()
        name = fn.get_function_name()
        route = "/api/" + binding["route"].lstrip("/")
        path = _PARAM.sub(lambda m: "{" + m.group(1) + "}", route)
        doc = DOCS.get(str(name))
        level = str(getattr(binding.get("authLevel"), "value", binding.get("authLevel")))
        for method in binding.get("methods") or ["GET"]:
            verb = str(getattr(method, "value", method)).lower()
            op: dict[str, Any] = {
                "operationId": name,
                "summary": doc.summary if doc else f"{name} webhook (signed, function key)",
                "parameters": [
                    {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                    for p in _PARAM.findall(route)
                ]
                + [
                    {"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
                    for q in (doc.query if doc else ())
                ],
                "responses": {
                    "200": {"description": "OK", "content": {"application/json": {}}},
                    "default": {
                        "description": "Error",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                },
            }
            if doc and doc.role:
                op["x-roles"] = ["admin"] if doc.role == "admin" else ["admin", "analyst"]
            if level == "function":
                op["security"] = [{"functionKey": []}]
            if doc and doc.request is not None:
                schema = doc.request.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[doc.request.__name__] = schema
                op["requestBody"] = {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{doc.request.__name__}"}
                        }
                    },
                }
            elif doc is None:
                op["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            paths.setdefault(path, {})[verb] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "ReSight API", "version": "1.0.0"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "functionKey": {"type": "apiKey", "in": "header", "name": "x-functions-key"}
            },
        },
    }
