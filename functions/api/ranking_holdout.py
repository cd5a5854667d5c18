"""The seller's own check of the ranking: the model against the baselines on the last 14 days."""

from __future__ import annotations

import azure.functions as func

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import json_response
from shared.core.records import utcnow
from shared.live.holdout import holdout
from shared.live.state import live


@api_route(
    "ranking_holdout",
    "ranking/holdout",
    ["GET"],
    RouteDoc(
        "The current model against the baselines on the last 14 days' sales: the catalogue as "
        "it stood 14 days ago ranked by each, scored by NDCG@20 against the units sold since"
    ),
)
def ranking_holdout(req: func.HttpRequest) -> func.HttpResponse:
    state = live()
    state.sync()
    return json_response(holdout(state, utcnow()))
