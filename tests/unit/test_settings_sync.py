"""Every setting the code reads is set in Azure (Bicep app settings) and locally
(local.settings.example.json). The list comes from the Settings class itself, so a new field
fails here until both places have it."""

import json
import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr

from infra import bicep_tree
from infra.bicep_tree import Expr
from shared.core.settings import Settings

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
FUNCTION_APP = bicep_tree.load(bicep_tree.BICEP_DIR / "modules/functionapp.bicep")
BICEP_SETTINGS: dict = FUNCTION_APP.variables["appSettings"]
EXAMPLE: dict[str, str] = json.loads((ROOT / "local.settings.example.json").read_text())["Values"]

# Settings that exist only for the local emulators and are deliberately absent from Azure,
# where the user-assigned identity replaces them.
LOCAL_ONLY = {
    # The Cosmos emulator's public key; Azure Cosmos has local auth disabled.
    "CosmosDB__accountKey",
    # Only the local Cosmos server has a self-signed certificate; Azure keeps the default (true).
    "CosmosDB__verifyTls",
    # Azurite's connection string; in Azure the app uses ModelStorage__blobServiceUri.
    "ModelStorage__connectionString",
    # A key for a local OpenAI-compatible server; Azure OpenAI is reached with the identity.
    "AzureOpenAI__apiKey",
    # The reliability harness's fault-injection plan (shared.adapters.faults): local testing only.
    "FAULT_INJECTION_FILE",
}

# SecretStr fields that are not secret in Azure and so are plain app settings there: the
# Application Insights connection string only identifies the resource, and ingestion needs
# an Entra token because local auth is disabled on it.
NOT_SECRET_IN_AZURE = {"APPLICATIONINSIGHTS_CONNECTION_STRING"}
# Local values that differ from the code's default on purpose: the demo's alerts go to two fake
# numbers locally (the fake Graph API receives them), and to nobody until a seller names them.
LOCAL_DEMO_VALUES = {"ALERT_RECIPIENTS"}


def _fields(model: type[BaseModel], prefix: str = ""):
    for name, info in model.model_fields.items():
        if info.exclude:
            continue  # filled from another setting (CosmosDB.database from COSMOS_DATABASE_NAME)
        alias = info.alias or name
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _fields(annotation, f"{prefix}{alias}__")
        else:
            yield f"{prefix}{alias}", info


def _is_secret(info) -> bool:
    annotation = info.annotation
    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


CODE_SETTINGS = {name: info for name, info in _fields(Settings)}
SECRETS = {name for name, info in CODE_SETTINGS.items() if _is_secret(info)}


def test_the_walk_finds_nested_and_flat_settings():
    # Guards the walk itself: if it stopped descending or read names instead of aliases,
    # the sync tests below would pass on an empty list.
    assert {"CosmosDB__accountEndpoint", "SignalR__hub", "Webhooks__amazonSecret"} <= set(
        CODE_SETTINGS
    )
    assert {"WEBHOOK_MAX_AGE_SECONDS", "MOCK_SCHEDULE"} <= set(CODE_SETTINGS)
    assert "cosmosdb" not in CODE_SETTINGS
    assert {"Webhooks__amazonSecret", "SignalR__connectionString"} <= SECRETS


def test_every_setting_the_code_reads_is_in_the_bicep_app_settings():
    missing = sorted(set(CODE_SETTINGS) - LOCAL_ONLY - set(BICEP_SETTINGS))
    assert missing == []


def test_local_only_settings_are_deliberately_absent_from_bicep():
    assert set(BICEP_SETTINGS) & LOCAL_ONLY == set()


def test_the_local_only_list_names_real_settings():
    assert set(CODE_SETTINGS) >= LOCAL_ONLY


def test_every_setting_the_code_reads_is_in_the_local_example():
    assert sorted(set(CODE_SETTINGS) - set(EXAMPLE)) == []


def test_the_local_example_sets_nothing_the_code_or_the_local_host_does_not_read():
    host_settings = {"AzureWebJobsStorage", "FUNCTIONS_WORKER_RUNTIME"}
    assert sorted(set(EXAMPLE) - set(CODE_SETTINGS) - host_settings) == []


def test_secrets_are_key_vault_references_in_azure():
    for name in SECRETS - LOCAL_ONLY - NOT_SECRET_IN_AZURE:
        value = BICEP_SETTINGS[name]
        assert isinstance(value, Expr) and value.text.startswith("keyVaultReference("), name


def test_the_key_vault_reference_has_the_app_service_syntax():
    source = (bicep_tree.BICEP_DIR / "modules/functionapp.bicep").read_text()
    assert "'@Microsoft.KeyVault(VaultName=${vault};SecretName=${secret})'" in source


def test_secrets_in_the_local_example_are_placeholders():
    for name in SECRETS - LOCAL_ONLY - NOT_SECRET_IN_AZURE:
        assert "generated-by-make-run" in EXAMPLE[name], name


def test_host_and_change_feed_trigger_connect_with_the_managed_identity():
    for service in ("blobServiceUri", "clientId"):
        assert f"AzureWebJobsStorage__{service}" in BICEP_SETTINGS
    assert BICEP_SETTINGS["AzureWebJobsStorage__credential"] == "managedidentity"
    assert BICEP_SETTINGS["CosmosDB__credential"] == "managedidentity"
    assert BICEP_SETTINGS["CosmosDB__clientId"] == Expr("identityClientId")
    assert "AzureWebJobsStorage" not in BICEP_SETTINGS  # no connection string with a key
    assert BICEP_SETTINGS["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == Expr(
        "'ClientId=${identityClientId};Authorization=AAD'"
    )


def test_no_settings_flex_consumption_rejects():
    # Flex Consumption takes the runtime and the package from functionAppConfig.
    rejected = {
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_EXTENSION_VERSION",
        "WEBSITE_RUN_FROM_PACKAGE",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "WEBSITE_CONTENTSHARE",
        "SCM_DO_BUILD_DURING_DEPLOYMENT",
    }
    assert set(BICEP_SETTINGS) & rejected == set()


def _bicep_default(value: Expr):
    """The default of the module parameter an app setting is computed from."""
    match = re.fullmatch(r"(?:string\((\w+)\)|(\w+) \? 'true' : 'false'|(\w+))", value.text)
    assert match, value.text
    return FUNCTION_APP.params[next(group for group in match.groups() if group)]


def test_azure_option_defaults_are_the_code_defaults():
    flat = {name: info for name, info in CODE_SETTINGS.items() if "__" not in name}
    checked = 0
    for name, info in flat.items():
        if name in NOT_SECRET_IN_AZURE or name in LOCAL_ONLY:
            continue
        assert _bicep_default(BICEP_SETTINGS[name]) == info.default, name
        checked += 1
    assert checked >= 10


def test_the_local_example_is_valid_configuration_with_the_code_defaults(monkeypatch):
    for name, value in EXAMPLE.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.cosmosdb.verify_tls is False
    assert settings.cosmosdb.database == "resight"
    for name, info in CODE_SETTINGS.items():
        if "__" in name or name in NOT_SECRET_IN_AZURE | LOCAL_DEMO_VALUES:
            continue
        assert getattr(settings, _field_name(name)) == info.default, name
    assert [r.phone for r in settings.alert_recipients] == ["+919000000001", "+919000000002"]


def _field_name(alias: str) -> str:
    return next(name for name, info in Settings.model_fields.items() if info.alias == alias)


def _bindings() -> list[tuple[str, dict]]:
    import function_app
    from functions.app_index import functions_of

    return [
        (function.get_function_name(), binding)
        for function in functions_of(function_app.app)
        for binding in json.loads(function.get_function_json())["bindings"]
    ]


def test_the_database_is_read_from_its_flat_name_only(monkeypatch):
    # A binding expression cannot name CosmosDB__databaseName (the host reads it as
    # CosmosDB:databaseName), so the triggers and the app's client share COSMOS_DATABASE_NAME.
    monkeypatch.setenv("COSMOS_DATABASE_NAME", "flat")
    monkeypatch.setenv("CosmosDB__databaseName", "nested")
    assert Settings().cosmosdb.database == "flat"
    assert "CosmosDB__databaseName" not in CODE_SETTINGS
    assert "CosmosDB__databaseName" not in BICEP_SETTINGS
    assert "CosmosDB__databaseName" not in EXAMPLE


def test_every_trigger_binding_finds_its_settings_in_azure_and_locally():
    checked = 0
    for function, binding in _bindings():
        for key, value in binding.items():
            if not isinstance(value, str):
                continue
            for name in re.findall(r"%(\w+)%", value):
                assert name in BICEP_SETTINGS and name in EXAMPLE, (function, name)
                checked += 1
            if key == "connection":
                # Identity-based connections are a group of <connection>__<property> settings.
                assert any(s.startswith(f"{value}__") for s in BICEP_SETTINGS), (function, value)
                assert any(s.startswith(f"{value}__") for s in EXAMPLE), (function, value)
                checked += 1
    assert checked >= 4  # the change-feed trigger's connection and database, two timers


def test_trigger_containers_are_in_the_schema():
    from shared.core import schema

    names = {spec.name for spec in schema.CONTAINERS}
    for function, binding in _bindings():
        for key in ("containerName", "leaseContainerName"):
            if key in binding:
                assert binding[key] in names, (function, binding[key])


def test_functions_disabled_by_app_setting_exist():
    functions = {name for name, _ in _bindings()}
    disabled = [
        match.group(1)
        for setting in BICEP_SETTINGS
        if (match := re.fullmatch(r"AzureWebJobs\.(\w+)\.Disabled", setting))
    ]
    assert disabled and set(disabled) <= functions
