"""Merchandising rules: list, create (admin), delete (admin). Every change is audited."""

from __future__ import annotations

import azure.functions as func
from pydantic import BaseModel

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import json_response, read_json
from shared.adapters.cosmos import get_store
from shared.live import triggers
from shared.ranking import rule_models, rules_service

_MODELS: dict[str, type[BaseModel]] = {
    "pin": rule_models.PinRule,
    "boost": rule_models.BoostRule,
    "demote": rule_models.DemoteRule,
    "remove": rule_models.RemoveRule,
    "boost-clearance": rule_models.ClearanceRule,
}


@api_route("rules_list", "rules", ["GET"], RouteDoc("All rules, with whether each is active now"))
def list_rules(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(rules_service.list_payload(get_store()))


def _creator(kind: str):
    def create(req: func.HttpRequest, actor: str) -> func.HttpResponse:
        # The body is read here, not validated by the route: parse_rule validates it with the
        # kind's model and also refuses the fields the server sets (id, created_at,
        # created_by), which the model itself carries.
        rule = rules_service.create(get_store(), kind, read_json(req), actor)
        triggers.rules_changed()
        return json_response(rule, 201)

    create.__name__ = f"create_{kind.replace('-', '_')}"
    return create


for _kind, _model in _MODELS.items():
    api_route(
        f"rules_{_kind.replace('-', '_')}",
        f"rules/{_kind}",
        ["POST"],
        RouteDoc(f"Create a {_kind} rule", request=_model, role="admin"),
    )(_creator(_kind))


@api_route("rules_delete", "rules/{id}", ["DELETE"], RouteDoc("Delete a rule", role="admin"))
def delete_rule(req: func.HttpRequest, actor: str) -> func.HttpResponse:
    rules_service.delete(get_store(), req.route_params["id"], actor)
    triggers.rules_changed()
    return json_response({"deleted": req.route_params["id"]})
