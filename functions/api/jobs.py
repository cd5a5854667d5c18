"""The run ledger (runs and their steps) and the admin's "run the daily job now"."""

from __future__ import annotations

import azure.functions as func
from pydantic import BaseModel, Field

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import json_response
from shared.adapters.cosmos import get_store
from shared.audit import trail
from shared.core.settings import get_settings
from shared.jobs import daily_run, run_ledger


class JobsQuery(BaseModel):
    job: str | None = None
    limit: int = Field(30, ge=1, le=400)


class RunQuery(BaseModel):
    rerun: bool = False


@api_route(
    "jobs_list",
    "jobs",
    ["GET"],
    RouteDoc("Job runs, newest day first, with their steps and attempts", query=JobsQuery),
)
def jobs_list(req: func.HttpRequest, query: JobsQuery) -> func.HttpResponse:
    settings = get_settings()
    policy = run_ledger.Policy.from_settings(settings)
    runs = run_ledger.recent(get_store(), query.job or None, query.limit)
    names = daily_run.step_names()
    return json_response(
        {
            "runs": [_view(run, names, policy) for run in runs],
            "schedule": {
                "timer": settings.daily_job_schedule,
                "run_hour_ist": settings.daily_job_hour_ist,
                "stale_seconds": settings.job_stale_seconds,
                "max_attempts": settings.job_max_attempts,
                "steps": names,
            },
        }
    )


@api_route(
    "jobs_daily_run",
    "jobs/daily/run",
    ["POST"],
    RouteDoc(
        "Start today's daily run now (admin); 202 with the run. 409 when it is running or "
        "done (rerun=true starts a finished run again)",
        role="admin",
        query=RunQuery,
    ),
)
def jobs_daily_run(req: func.HttpRequest, actor: str, query: RunQuery) -> func.HttpResponse:
    rerun = query.rerun
    store = get_store()
    run = daily_run.start_now(store, get_settings(), rerun=rerun)
    trail.record(store, "job.run", actor, after={"run": run["id"], "rerun": rerun})
    return json_response({"run": run, "links": {"runs": "/api/jobs?job=daily"}}, 202)


def _view(run: dict, names: list[str], policy: run_ledger.Policy) -> dict:
    steps = run.get("steps", {})
    ordered = [{"name": n, **steps.get(n, {"status": "pending"})} for n in names]
    ordered += [{"name": n, **s} for n, s in steps.items() if n not in names]
    ready = run_ledger.ready_at(run, policy)
    return {**run, "steps": ordered, "retry_at": ready.isoformat() if ready else None}
