"""devhost checks the app's bindings as the Functions host does when it starts: ``%NAME%`` is
resolved through the host's configuration (where ``__`` is a section delimiter) and every
connection must be configured the way its extension reads it. The host's own messages are
expected, so a binding that would fail in Azure fails here with the words a seller would see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devhost import bindings
from devhost.bindings import BindingError, HostConfiguration, HostStartupError
from infra import bicep_tree

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE: dict[str, str] = json.loads((ROOT / "local.settings.example.json").read_text())["Values"]
FUNCTION_APP = bicep_tree.load(bicep_tree.BICEP_DIR / "modules/functionapp.bicep")
BICEP_SETTINGS: dict = FUNCTION_APP.variables["appSettings"]


@pytest.fixture(scope="module")
def app_bindings():
    import function_app

    return bindings.function_bindings(function_app.app)


# --- binding expressions -----------------------------------------------------------------------


def test_a_double_underscore_name_never_resolves_even_when_the_setting_exists():
    config = HostConfiguration({"CosmosDB__databaseName": "resight"})
    with pytest.raises(BindingError) as caught:
        bindings.resolve_whole_string("%CosmosDB__databaseName%", config)
    # azure-webjobs-sdk NameResolverExtensions.cs:93, word for word.
    assert str(caught.value) == "'%CosmosDB__databaseName%' does not resolve to a value."
    # The value is there, under the key the configuration stores it at.
    assert bindings.resolve_whole_string("%CosmosDB:databaseName%", config) == "resight"


def test_names_resolve_without_regard_to_case_and_inside_text():
    config = HostConfiguration({"IMPORTS_CONTAINER": "imports"})
    assert (
        bindings.resolve_whole_string("%imports_container%/incoming/{name}", config)
        == "imports/incoming/{name}"
    )


def test_a_missing_setting_and_an_unclosed_percent_get_the_host_messages():
    config = HostConfiguration({})
    with pytest.raises(BindingError, match=r"^'%NOPE%' does not resolve to a value\.$"):
        bindings.resolve_whole_string("%NOPE%", config)
    with pytest.raises(BindingError, match=r"^The '%' at position 2 does not have a closing '%'$"):
        bindings.resolve_whole_string("ab%cd", config)


def test_a_function_with_a_double_underscore_expression_is_reported_in_the_host_words():
    functions = [
        (
            "rank_on_events",
            [
                {
                    "type": "cosmosDBTrigger",
                    "direction": "IN",
                    "name": "docs",
                    "connection": "CosmosDB",
                    "databaseName": "%CosmosDB__databaseName%",
                    "containerName": "events",
                }
            ],
        )
    ]
    settings = {**EXAMPLE, "CosmosDB__databaseName": "resight"}
    with pytest.raises(HostStartupError) as caught:
        bindings.index(functions, settings)
    assert caught.value.errors == [
        "The 'rank_on_events' function is in error: Microsoft.Azure.WebJobs.Host: Error indexing "
        "method 'Functions.rank_on_events'. Microsoft.Azure.WebJobs.Host: "
        "'%CosmosDB__databaseName%' does not resolve to a value."
    ]


def test_every_binding_expression_of_the_app_resolves_under_the_local_settings(app_bindings):
    resolved = bindings.index(app_bindings, EXAMPLE)
    assert set(resolved) == {name for name, _ in app_bindings}
    expressions = [
        value
        for _, bound in app_bindings
        for binding in bound
        for value in binding.values()
        if isinstance(value, str) and "%" in value
    ]
    assert len(expressions) >= 9  # two databases, one blob path, six schedules
    for bound in resolved.values():
        for binding in bound:
            assert not any("%" in v for v in binding.values() if isinstance(v, str)), binding
    databases = {
        b["databaseName"] for bound in resolved.values() for b in bound if "databaseName" in b
    }
    assert databases == {EXAMPLE["COSMOS_DATABASE_NAME"]}


def test_every_binding_of_the_app_resolves_and_connects_under_the_azure_app_settings(
    app_bindings,
):
    # Values computed at deployment are only known as expressions; the names are what counts.
    bindings.index(app_bindings, {name: "set" for name in BICEP_SETTINGS})


def test_no_binding_expression_of_the_app_names_a_double_underscore_setting(app_bindings):
    for name, bound in app_bindings:
        for binding in bound:
            for value in binding.values():
                if isinstance(value, str) and "%" in value:
                    assert "__" not in value, (name, value)


# --- connections -------------------------------------------------------------------------------

BLOB_TRIGGER = {
    "type": "blobTrigger",
    "direction": "IN",
    "name": "blob",
    "path": "imports/incoming/{name}",
    "connection": "ModelStorage",
    "source": "EventGrid",
}


def _check(binding: dict, settings: dict) -> None:
    bindings.check_connection(binding, HostConfiguration(settings))


def test_the_azure_blob_trigger_connection_needs_the_queue_service_uri():
    azure = {name: "set" for name in BICEP_SETTINGS}
    _check(BLOB_TRIGGER, azure)
    without_queue = {k: v for k, v in azure.items() if k != "ModelStorage__queueServiceUri"}
    with pytest.raises(BindingError, match="ModelStorage__queueServiceUri"):
        _check(BLOB_TRIGGER, without_queue)


def test_a_blob_trigger_connection_in_the_other_accepted_forms():
    _check(BLOB_TRIGGER, {"ModelStorage__connectionString": "UseDevelopmentStorage=true"})
    _check(BLOB_TRIGGER, {"ModelStorage": "UseDevelopmentStorage=true"})
    _check(BLOB_TRIGGER, {"AzureWebJobsModelStorage": "UseDevelopmentStorage=true"})
    # The serviceUri form takes its queue from AzureWebJobsStorage.
    _check(BLOB_TRIGGER, {"ModelStorage__serviceUri": "https://a.blob.core.windows.net"})
    _check(
        BLOB_TRIGGER,
        {
            "ModelStorage__blobServiceUri": "https://a.blob.core.windows.net",
            "ModelStorage__queueServiceUri": "https://a.queue.core.windows.net",
        },
    )


def test_a_missing_storage_connection_gets_the_extension_message():
    with pytest.raises(BindingError) as caught:
        _check(BLOB_TRIGGER, {"Other__blobServiceUri": "https://a.blob.core.windows.net"})
    # azure-webjobs-sdk StorageClientProvider.cs:53
    assert str(caught.value) == (
        "Storage account connection string 'AzureWebJobsModelStorage' does not exist. "
        "Make sure that it is a defined App Setting."
    )


def test_a_storage_connection_with_only_a_client_id_is_refused():
    with pytest.raises(BindingError, match="ModelStorage__blobServiceUri"):
        _check(BLOB_TRIGGER, {"ModelStorage__clientId": "x", "ModelStorage__credential": "m"})


def test_a_cosmos_trigger_connection_needs_an_account_endpoint():
    trigger = {"type": "cosmosDBTrigger", "name": "docs", "connection": "CosmosDB"}
    _check(trigger, {"CosmosDB__accountEndpoint": "https://a.documents.azure.com"})
    with pytest.raises(BindingError, match="CosmosDB__accountEndpoint"):
        _check(trigger, {"CosmosDB__credential": "managedidentity"})
    with pytest.raises(BindingError, match="'CosmosDB' does not exist"):
        _check(trigger, {})
