"""The OpenAPI 3.1 document of every HTTP route, built from the app's route table.

Paths, methods, auth and summaries come from ``functions.routes.ROUTES``; request schemas from
the pydantic models that validate the requests. Webhook bodies are
documented by marketplace in the README; their schema here is an open object.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from functions.routes import Route

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


def document(routes: Iterable[Route]) -> dict[str, Any]:
    """The OpenAPI document of ``routes`` (the app's route table, ``functions.routes.ROUTES``)."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for entry in sorted(routes, key=lambda r: r.name):
        name = entry.name
        route = "/api/" + entry.route.lstrip("/")
        path = _PARAM.sub(lambda m: "{" + m.group(1) + "}", route)
        doc = entry.doc
        level = str(getattr(entry.auth_level, "value", entry.auth_level)).lower()
        for method in entry.methods:
            verb = str(getattr(method, "value", method)).lower()
            op: dict[str, Any] = {
                "operationId": name,
                "summary": doc.summary,
                "parameters": [
                    {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                    for p in _PARAM.findall(route)
                ]
                + [
                    {"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
                    for q in doc.query
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
            if doc.role:
                op["x-roles"] = ["admin"] if doc.role == "admin" else ["admin", "analyst"]
            if level == "function":
                op["security"] = [{"functionKey": []}]
            if doc.request is not None:
                schema = doc.request.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[doc.request.__name__] = schema
                op["requestBody"] = {
                    "required": True,
                    "content": {
                        doc.content: {
                            "schema": {"$ref": f"#/components/schemas/{doc.request.__name__}"}
                        }
                    },
                }
            elif level == "function":  # a webhook: the marketplace's own JSON
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
