"""Bulk imports: a file landing in ``incoming/`` (Event Grid blob trigger), the sweep that
catches what an event missed, and the daily data-quality run. An import is followed by a
quality run of the day it covers: ingestion sits below the checks, so they are composed here."""

from __future__ import annotations

import azure.functions as func

from shared.adapters.cosmos import get_store
from shared.catalogue import demo
from shared.core.dataset import using
from shared.ingest.bulk import import_pipeline
from shared.quality import runs

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
    import_pipeline.import_blob(name, after=runs.after_import)


@bp.function_name("import_sweep")
@bp.timer_trigger(schedule="%IMPORT_SWEEP_SCHEDULE%", arg_name="timer", run_on_startup=False)
def import_sweep(timer: func.TimerRequest) -> None:
    import_pipeline.sweep(after=runs.after_import)


@bp.function_name("quality_daily")
@bp.timer_trigger(schedule="%QUALITY_SCHEDULE%", arg_name="timer", run_on_startup=False)
def quality_daily(timer: func.TimerRequest) -> None:
    for dataset in demo.datasets_to_run():
        with using(dataset):
            runs.run_daily(get_store())
