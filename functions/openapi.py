"""The OpenAPI 3.1 document of every HTTP route, built from the app's route table.

Paths, methods, auth and summaries come from ``functions.routes.ROUTES``; request schemas and
query parameters from the pydantic models that validate them (``RouteDoc.request`` and
``RouteDoc.query``, checked by the route decorator). Webhook bodies are documented by
marketplace in the README; their schema here is an open object.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

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
                + _query(doc.query, schemas),
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
                schemas[doc.request.__name__] = _schema(doc.request, schemas)
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


def _schema(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    """``model``'s JSON schema; the models it nests go to ``schemas`` (the components)."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    return schema


def _query(model: type[BaseModel] | None, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """One query parameter per field of ``model``, typed as the model validates it."""
    if model is None:
        return []
    schema = _schema(model, schemas)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        # A query parameter left out is "no value": null is not something a URL can say.
        prop = {k: v for k, v in prop.items() if k != "title" and (k, v) != ("default", None)}
        options = [o for o in prop.pop("anyOf", []) if o.get("type") != "null"]
        if len(options) == 1:
            prop.update(options[0])
        elif options:
            prop["anyOf"] = options
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        if "description" in prop:
            param["description"] = prop.pop("description")
        if prop.get("type") == "array":  # CommaList: ?department=Women,Men
            param.update(style="form", explode=False)
        params.append({**param, "schema": prop})
    return params
