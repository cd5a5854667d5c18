"""Bulk imports: a file landing in ``incoming/`` (Event Grid blob trigger), the sweep that
catches what an event missed, and the daily data-quality run."""

from __future__ import annotations

import azure.functions as func

from shared.catalogue import demo
from shared.core.dataset import using
from shared.quality import pipeline

bp = func.Blueprint()


@bp.function_name("import_blob")
# Flex Consumption supports only the Event Grid source for blob triggers (infra/bicep wires the
# subscription); locally devhost emulates it over Azurite. Only the name is used: the runner
# streams the blob itself, so the trigger path and the sweep share one code path.
@bp.blob_trigger(
    arg_name="blob",
    path="%IMPORTS_CONTAINER%/incoming/{name}",
    connection="ModelStorage",
    source=func.BlobSource.EVENT_GRID,
)
def import_blob(blob: func.InputStream) -> None:
    # The host names the blob "<container>/<path>".
    name = (blob.name or "").partition("/")[2]
    pipeline.import_blob(name)


@bp.function_name("import_sweep")
@bp.timer_trigger(schedule="%IMPORT_SWEEP_SCHEDULE%", arg_name="timer", run_on_startup=False)
def import_sweep(timer: func.TimerRequest) -> None:
    pipeline.sweep()


@bp.function_name("quality_daily")
@bp.timer_trigger(schedule="%QUALITY_SCHEDULE%", arg_name="timer", run_on_startup=False)
def quality_daily(timer: func.TimerRequest) -> None:
    for dataset in demo.datasets_to_run():
        with using(dataset):
            pipeline.daily_quality()
