"""The ReSight function app: wires one blueprint per folder of ``functions/`` and nothing else,
plus the demo's timer (``demo.mock_timer``), composed here so production code never imports
the demo's generators."""

import azure.functions as func

from demo.mock_timer import bp as mock_timer
from functions.api import bp as api
from functions.imports import bp as imports
from functions.jobs import bp as jobs
from functions.lake import bp as lake
from functions.rank_timer import bp as rank_timer
from functions.sp_api_catchup import bp as sp_api_catchup
from functions.webhook_amazon import bp as webhook_amazon
from functions.webhook_meesho import bp as webhook_meesho
from functions.webhook_myntra import bp as webhook_myntra
from functions.webhook_whatsapp import bp as webhook_whatsapp
from shared.core.settings import get_settings
from shared.core.telemetry import configure_telemetry

configure_telemetry(get_settings())

app = func.FunctionApp()
for blueprint in (
    webhook_amazon,
    webhook_myntra,
    webhook_meesho,
    webhook_whatsapp,
    rank_timer,
    mock_timer,
    imports,
    lake,
    jobs,
    sp_api_catchup,
    api,
):
    app.register_functions(blueprint)
