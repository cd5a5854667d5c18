"""Ranked recommendations, SHAP explanations and what-if pricing (which never writes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import azure.functions as func
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from functions.api import insights
from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import json_response
from shared.core.errors import InvalidValue
from shared.core.records import Marketplace, utcnow
from shared.live.ranking_view import ranking_payload
from shared.live.state import live


class RankRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str | None = Field(None, max_length=128)
    marketplace: Marketplace | None = None
    q: str | None = Field(None, max_length=128, description="search in title and item_id")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)
    explain: bool = False


class WhatIfRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: str = Field(..., min_length=1, max_length=128)
    new_price: float | None = Field(None, gt=0, le=10_000_000)
    prices: list[float] | None = Field(None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _one_of(self) -> WhatIfRequest:
        if (self.new_price is None) == (self.prices is None):
            raise InvalidValue("give exactly one of 'new_price' or 'prices'")
        if self.prices is not None and any(p <= 0 or p > 10_000_000 for p in self.prices):
            raise InvalidValue("every price must be greater than 0")
        return self


def _moment(value: object) -> object:
    # A "+" in a query string arrives as a space (2026-01-01T10:00:00 05:30).
    return value.replace(" ", "+") if isinstance(value, str) else value


class ExplainQuery(BaseModel):
    since: Annotated[datetime | None, BeforeValidator(_moment)] = Field(
        None, description="An ISO 8601 time (UTC when it names no zone): what moved the rank since"
    )

    @field_validator("since")
    @classmethod
    def _aware(cls, since: datetime | None) -> datetime | None:
        return since.replace(tzinfo=UTC) if since and since.tzinfo is None else since


@api_route("rank", "rank", ["POST"], RouteDoc("Ranked recommendations", request=RankRequest))
def rank(req: func.HttpRequest, body: RankRequest) -> func.HttpResponse:
    state = live()
    state.sync()
    now = utcnow()
    payload = ranking_payload(
        state,
        now=now,
        limit=body.limit,
        offset=body.offset,
        category=body.category,
        marketplace=body.marketplace,
        query=body.q,
    )
    if body.explain:
        for entry in payload["items"]:
            entry["explanation"] = insights.explain_item(state, entry["item_id"], now)
    return json_response(payload)


@api_route(
    "explain",
    "explain/{id}",
    ["GET"],
    RouteDoc(
        "SHAP contributions for one item; with since=<ISO time>, what moved it since then",
        query=ExplainQuery,
    ),
)
def explain(req: func.HttpRequest, query: ExplainQuery) -> func.HttpResponse:
    state = live()
    state.sync()
    item_id, now = req.route_params["id"], utcnow()
    if query.since is None:
        return json_response(insights.explain_item(state, item_id, now))
    return json_response(insights.explain_since(state, item_id, query.since, now))


@api_route(
    "whatif_price",
    "whatif/price",
    ["POST"],
    RouteDoc("Predicted score and rank at other prices (writes nothing)", request=WhatIfRequest),
)
def whatif_price(req: func.HttpRequest, body: WhatIfRequest) -> func.HttpResponse:
    state = live()
    state.sync()
    return json_response(
        insights.whatif(state, body.item_id, body.new_price, body.prices, utcnow())
    )
