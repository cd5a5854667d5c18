"""What can be checked of the Azure deployment without a subscription.

Syntax comes from tree-sitter-bicep (the Bicep CLI is not available here); the rest compares
the templates with the code's own definitions and scans the repository for committed secrets.
"""

import base64
import json
import re
import subprocess
from pathlib import Path

import pytest

from infra import bicep_tree
from infra.bicep_tree import Expr
from shared.core import dataset, schema

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = bicep_tree.load_all()
MAIN = TEMPLATES["main.bicep"]
RBAC = TEMPLATES["rbac.bicep"]


def resources(type_prefix: str, *, existing: bool = False):
    return [
        (path, resource)
        for path, template in TEMPLATES.items()
        for resource in template.resources
        if resource.type.split("@")[0] == type_prefix and resource.existing == existing
    ]


def only(type_prefix: str):
    found = resources(type_prefix)
    assert len(found) == 1, f"expected one {type_prefix}, found {[p for p, _ in found]}"
    return found[0][1]


# -- syntax ------------------------------------------------------------------------------------


def test_the_templates_are_all_there():
    expected = {
        "main.bicep",
        "rbac.bicep",
        "modules/cosmos.bicep",
        "modules/functionapp.bicep",
        "modules/keyvault.bicep",
        "modules/monitoring.bicep",
        "modules/signalr.bicep",
        "modules/staticwebapp.bicep",
        "modules/staticwebapp-backend.bicep",
        "modules/storage.bicep",
        "modules/eventgrid.bicep",
        "modules/openai.bicep",
    }
    assert expected <= set(TEMPLATES)


@pytest.mark.parametrize("path", bicep_tree.bicep_files(), ids=lambda p: p.name)
def test_every_bicep_file_parses_without_errors(path):
    assert bicep_tree.syntax_errors(path.read_bytes()) == []


@pytest.mark.parametrize(
    "broken",
    [
        b"param size int =\n",
        b"resource r 'Microsoft.Web/sites@2023-12-01' = {\n  name: 'x'\n",
        b"var x = {\n  a: [1, 2\n}\n",
    ],
)
def test_the_syntax_check_catches_broken_bicep(broken):
    assert bicep_tree.syntax_errors(broken) != []


def test_main_wires_every_module_and_every_module_exists():
    wired = set(MAIN.modules.values())
    assert all((bicep_tree.BICEP_DIR / path).is_file() for path in wired)
    assert wired == set(TEMPLATES) - {"main.bicep"}


def test_parameters_file_names_only_parameters_main_declares():
    parameters = json.loads((bicep_tree.BICEP_DIR / "main.parameters.json").read_text())
    given = set(parameters["parameters"])
    assert given <= set(MAIN.params), f"unknown: {given - set(MAIN.params)}"
    required = {name for name, default in MAIN.params.items() if default is None}
    assert required <= given


# -- Cosmos: one source of truth --------------------------------------------------------------


def test_cosmos_containers_match_the_code_schema():
    cosmos = TEMPLATES["modules/cosmos.bicep"]
    declared = {
        c["name"]: (c["partitionKey"], c.get("defaultTtl")) for c in cosmos.variables["containers"]
    }
    expected = {spec.name: (spec.partition_key, spec.default_ttl) for spec in schema.CONTAINERS}
    assert declared == expected
    assert len(cosmos.variables["containers"]) == len(schema.CONTAINERS)

    # The list above is what gets deployed, in the seller's database and in the demo's
    # (shared/core/dataset.py names it '<database>-demo'): each container resource loops over it.
    databases = {
        r.symbol: r.body["name"]
        for _, r in resources("Microsoft.DocumentDB/databaseAccounts/sqlDatabases")
    }
    assert databases == {
        "database": Expr("databaseName"),
        "demoDatabase": Expr("'${databaseName}-demo'"),
    }
    assert dataset.demo_name("resight") == "resight-demo"
    found = resources("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
    assert sorted(r.body["parent"].text for _, r in found) == ["database", "demoDatabase"]
    for _, container in found:
        assert container.loop_source == "containers"
        resource = container.body["properties"]["resource"]
        assert resource["partitionKey"]["paths"] == [Expr("container.partitionKey")]
        assert resource["defaultTtl"] == Expr("container.?defaultTtl")


def test_cosmos_is_serverless_and_entra_only():
    account = only("Microsoft.DocumentDB/databaseAccounts").body["properties"]
    assert {"name": "EnableServerless"} in account["capabilities"]
    assert account["disableLocalAuth"] is True
    assert account["disableKeyBasedMetadataWriteAccess"] is True


# -- the other services ------------------------------------------------------------------------


def test_function_app_runs_python_311_on_flex_consumption_as_its_own_identity():
    plan = only("Microsoft.Web/serverfarms").body
    assert plan["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    app = only("Microsoft.Web/sites").body
    assert app["identity"]["type"] == "UserAssigned"
    config = app["properties"]["functionAppConfig"]
    assert config["runtime"] == {"name": "python", "version": "3.11"}
    assert config["deployment"]["storage"]["authentication"]["type"] == "UserAssignedIdentity"
    scale = config["scaleAndConcurrency"]
    assert scale == {
        "instanceMemoryMB": Expr("instanceMemoryMB"),
        "maximumInstanceCount": Expr("maximumInstanceCount"),
    }
    assert app["properties"]["keyVaultReferenceIdentity"] == Expr("identityId")
    assert app["properties"]["httpsOnly"] is True


FUNCTION_APP = TEMPLATES["modules/functionapp.bicep"]


@pytest.mark.parametrize("template", [MAIN, FUNCTION_APP], ids=["main", "functionapp"])
def test_scale_limits_stay_within_what_flex_consumption_documents(template):
    # 40 is the lowest documented maximum; lower values are a regional preview.
    assert template.param_decorators["maximumInstanceCount"]["minValue"] == 40
    # 512 MB has a quarter of a vCPU: too slow to import LightGBM and SHAP (docs/cost.md).
    assert template.param_decorators["instanceMemoryMB"]["allowed"] == [2048, 4096]


def test_the_defaults_are_allowed_values():
    assert MAIN.params["instanceMemoryMB"] in MAIN.param_decorators["instanceMemoryMB"]["allowed"]
    assert MAIN.params["maximumInstanceCount"] >= 40
    parameters = json.loads((bicep_tree.BICEP_DIR / "main.parameters.json").read_text())
    given = {k: v["value"] for k, v in parameters["parameters"].items()}
    assert given["instanceMemoryMB"] in MAIN.param_decorators["instanceMemoryMB"]["allowed"]
    assert given["maximumInstanceCount"] >= 40
    assert valid_name(given["name"])


def test_storage_accepts_no_shared_keys_and_has_its_containers():
    account = only("Microsoft.Storage/storageAccounts").body["properties"]
    assert account["allowSharedKeyAccess"] is False
    assert account["allowBlobPublicAccess"] is False
    containers = {
        r.body["name"]
        for _, r in resources("Microsoft.Storage/storageAccounts/blobServices/containers")
    }
    assert containers == {
        Expr("deploymentContainerName"),
        Expr("modelsContainerName"),
        Expr("importsContainerName"),
        Expr("lakeContainerName"),
        # The demo's own (shared.core.dataset.demo_name).
        Expr("'${importsContainerName}-demo'"),
        Expr("'${lakeContainerName}-demo'"),
    }
    assert MAIN.variables["lakeContainerName"] == "lake"
    assert MAIN.variables["modelsContainerName"] == "models"
    assert MAIN.variables["importsContainerName"] == "imports"


def test_import_events_reach_the_blob_trigger_of_import_blob():
    from functions.imports import bp

    trigger = next(
        f for f in bp._function_builders if f._function.get_function_name() == "import_blob"
    )
    binding = trigger._function.get_trigger().get_dict_repr()
    assert binding["source"] == "EventGrid"
    container, _, folder = binding["path"].partition("/")
    assert container == "%IMPORTS_CONTAINER%" and folder.startswith("incoming/")
    subscription = only("Microsoft.EventGrid/systemTopics/eventSubscriptions").body["properties"]
    url = subscription["destination"]["properties"]["endpointUrl"]
    assert "/runtime/webhooks/blobs?functionName=Host.Functions.import_blob" in url.text
    assert subscription["filter"]["includedEventTypes"] == ["Microsoft.Storage.BlobCreated"]
    assert "/containers/${importsContainerName}/blobs/incoming/" in (
        subscription["filter"]["subjectBeginsWith"].text
        if isinstance(subscription["filter"]["subjectBeginsWith"], Expr)
        else subscription["filter"]["subjectBeginsWith"]
    )


def test_signalr_is_serverless_with_cors_for_the_dashboard():
    signalr = only("Microsoft.SignalRService/signalR").body["properties"]
    assert {"flag": "ServiceMode", "value": "Serverless"} in signalr["features"]
    assert signalr["cors"] == {"allowedOrigins": Expr("allowedOrigins")}
    origins = MAIN.module_params["signalR"]["allowedOrigins"].text
    assert "'https://${dashboard.outputs.defaultHostname}'" in origins


def test_dashboard_is_a_standard_static_web_app_linked_to_the_function_app():
    site = only("Microsoft.Web/staticSites").body
    assert site["sku"] == {"name": "Standard", "tier": "Standard"}
    backend = only("Microsoft.Web/staticSites/linkedBackends").body["properties"]
    assert backend["backendResourceId"] == Expr("functionApp.id")
    assert MAIN.module_params["dashboardBackend"]["functionAppName"] == Expr(
        "functionApp.outputs.name"
    )


# -- App Service authentication: only the Static Web App reaches the dashboard API -------------

BACKEND = TEMPLATES["modules/staticwebapp-backend.bicep"]
EXCLUDED_PATHS = ["/api/integrations/*", "/api/health", "/runtime/webhooks/blobs"]


MERGE_SCRIPT = bicep_tree.BICEP_DIR / "modules" / "merge-auth-settings.sh"


def auth_script():
    found = [
        (path, r)
        for path, r in resources("Microsoft.Resources/deploymentScripts")
        if r.symbol == "authSettings"
    ]
    assert len(found) == 1, found
    return found[0]


def test_no_template_writes_the_whole_auth_settings():
    # A declared authsettingsV2 is written whole (a PUT): it would replace the identity provider
    # the Static Web App link registered with a guessed client id.
    assert [
        (path, r.symbol)
        for path, r in resources("Microsoft.Web/sites/config")
        if "auth" in str(r.body.get("name", "")).lower()
    ] == []
    source = (bicep_tree.BICEP_DIR / "modules/staticwebapp-backend.bicep").read_text()
    # Nothing names or guesses the provider's client id.
    assert "clientId" not in source and "defaultHostname" not in source
    assert "'authsettingsV2'" not in source


def test_function_app_authentication_is_merged_after_the_static_web_app_link():
    path, script = auth_script()
    assert path == "modules/staticwebapp-backend.bicep"
    # The link writes the Function App's auth settings: ours are merged into them after it.
    link = next(r for r in BACKEND.resources if r.type.startswith("Microsoft.Web/staticSites/"))
    assert script.body["dependsOn"] == [Expr(link.symbol)]
    site = next(r for r in BACKEND.resources if r.type.split("@")[0] == "Microsoft.Web/sites")
    assert site.existing
    assert link.body["properties"]["backendResourceId"] == Expr(f"{site.symbol}.id")
    assert script.body["kind"] == "AzureCLI"
    props = script.body["properties"]
    env = {e["name"]: e["value"] for e in props["environmentVariables"]}
    assert env == {
        "SITE_ID": Expr(f"{site.symbol}.id"),
        "EXCLUDED_PATHS": Expr("string(authExcludedPaths)"),
    }
    assert props["scriptContent"] == Expr("loadTextContent('merge-auth-settings.sh')")
    # It runs on every deployment (a relink may have rewritten the settings since the last).
    assert props["forceUpdateTag"] == Expr("scriptRunTag")
    assert BACKEND.params["scriptRunTag"] == Expr("utcNow()")
    # As its own identity, which holds Website Contributor before the script runs.
    identity = script.body["identity"]
    assert identity["type"] == "UserAssigned"
    assert list(identity["userAssignedIdentities"]) == [Expr("'${scriptIdentityId}'")]
    backend = MAIN.module_params["dashboardBackend"]
    assert backend["scriptIdentityId"] == Expr("authScriptIdentity.outputs.id")
    assert MAIN.module_params["rbac"]["authScriptPrincipalId"] == Expr(
        "authScriptIdentity.outputs.principalId"
    )
    main_source = (bicep_tree.BICEP_DIR / "main.bicep").read_text()
    backend_block = main_source.split("module dashboardBackend", 1)[1].split("\n}\n", 1)[0]
    assert "dependsOn: [\n    rbac\n  ]" in backend_block
    # The Event Grid handshake comes after the exclusion of its path.
    events_block = main_source.split("module importEvents", 1)[1].split("\n}\n", 1)[0]
    assert "dependsOn: [\n    dashboardBackend\n  ]" in events_block


def test_the_excluded_paths_are_one_list():
    # One list (a variable), read by the merge script and by devhost's App Service auth stand-in.
    assert BACKEND.variables["authExcludedPaths"] == EXCLUDED_PATHS


# A Function App's authsettingsV2 as the Static Web App link leaves it: its provider and client id
# (not the site's host name), and settings this deployment never touches.
LINKED_SETTINGS = {
    "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/func/config/auth",
    "name": "authsettingsV2",
    "type": "Microsoft.Web/sites/config",
    "location": "Central India",
    "properties": {
        "platform": {"enabled": True, "runtimeVersion": "~1"},
        "globalValidation": {
            "requireAuthentication": True,
            "unauthenticatedClientAction": "Return401",
        },
        "identityProviders": {
            "azureStaticWebApps": {
                "enabled": True,
                "registration": {"clientId": "7c1f0e6a-2b5d-4e8f-9a3c-d1e2f3a4b5c6"},
            }
        },
        "login": {"tokenStore": {"enabled": False}, "preserveUrlFragmentsForLogins": False},
        "httpSettings": {"requireHttps": True, "routes": {"apiPrefix": "/.auth"}},
    },
}

# A stand-in az: GET answers the settings file, PUT replaces it (as ARM's PUT does) and is logged.
FAKE_AZ = r"""#!/usr/bin/env bash
printf '%s\n' "$*" >> "$AZ_CALLS"
if [ -n "${FAIL_FIRST:-}" ] && [ ! -e "$SETTINGS.failed" ]; then
  touch "$SETTINGS.failed"; echo "AuthorizationFailed" >&2; exit 1
fi
case "$*" in
  "rest --method get"*) cat "$SETTINGS" ;;
  "rest --method put"*)
    body=$(printf '%s' "$*" | sed -n 's/.*--body @\([^ ]*\).*/\1/p')
    cp "$body" "$SETTINGS.put"
    jq '. + {id: "x", name: "authsettingsV2"}' "$body" > "$SETTINGS.next"
    mv "$SETTINGS.next" "$SETTINGS" ;;
  *) echo "unexpected: $*" >&2; exit 99 ;;
esac
"""


def run_merge(tmp_path, settings: dict, **env: str):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "az").write_text(FAKE_AZ)
    (bin_dir / "az").chmod(0o755)
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps(settings))
    output = tmp_path / "output.json"
    result = subprocess.run(
        ["bash", str(MERGE_SCRIPT)],
        env={
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "AZ_CALLS": str(tmp_path / "calls.log"),
            "SETTINGS": str(settings_file),
            "SITE_ID": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/func",
            "EXCLUDED_PATHS": json.dumps(EXCLUDED_PATHS),
            "AZ_SCRIPTS_OUTPUT_PATH": str(output),
            "RETRY_INTERVAL": "0",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    put = tmp_path / "settings.json.put"
    return result, (json.loads(put.read_text()) if put.exists() else None), output


def test_the_merge_keeps_the_provider_the_link_registered(tmp_path):
    result, put, output = run_merge(tmp_path, LINKED_SETTINGS)
    assert result.returncode == 0, result.stdout + result.stderr
    calls = (tmp_path / "calls.log").read_text().splitlines()
    # Read, modify, write, read back; all on the site's authsettingsV2.
    assert [c.split()[2] for c in calls] == ["get", "put", "get"]
    assert all(
        "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/"
        "Microsoft.Web/sites/func/config/authsettingsV2?api-version=2023-12-01" in c
        for c in calls
    )
    before = LINKED_SETTINGS["properties"]
    after = put["properties"]
    assert after["globalValidation"] == {
        "requireAuthentication": True,
        "unauthenticatedClientAction": "Return401",
        "excludedPaths": EXCLUDED_PATHS,
    }
    # Everything but globalValidation goes back exactly as the link left it.
    assert {k: v for k, v in after.items() if k != "globalValidation"} == {
        k: v for k, v in before.items() if k != "globalValidation"
    }
    assert json.loads(output.read_text()) == {
        "excludedPaths": EXCLUDED_PATHS,
        "staticWebAppsClientId": "7c1f0e6a-2b5d-4e8f-9a3c-d1e2f3a4b5c6",
    }


def test_the_merge_replaces_stale_excluded_paths_and_keeps_other_validation(tmp_path):
    settings = json.loads(json.dumps(LINKED_SETTINGS))
    settings["properties"]["globalValidation"] = {
        "requireAuthentication": False,
        "unauthenticatedClientAction": "AllowAnonymous",
        "excludedPaths": ["/api/old/*"],
        "redirectToProvider": "azureStaticWebApps",
    }
    result, put, _ = run_merge(tmp_path, settings)
    assert result.returncode == 0, result.stdout + result.stderr
    assert put["properties"]["globalValidation"] == {
        "requireAuthentication": True,
        "unauthenticatedClientAction": "Return401",
        "excludedPaths": EXCLUDED_PATHS,
        "redirectToProvider": "azureStaticWebApps",
    }


def test_the_merge_retries_while_the_role_assignment_applies(tmp_path):
    result, put, _ = run_merge(tmp_path, LINKED_SETTINGS, FAIL_FIRST="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "retrying" in result.stderr
    assert put["properties"]["globalValidation"]["excludedPaths"] == EXCLUDED_PATHS


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p["identityProviders"].pop("azureStaticWebApps"),
        lambda p: p["identityProviders"]["azureStaticWebApps"].update(enabled=False),
        lambda p: p["identityProviders"]["azureStaticWebApps"]["registration"].pop("clientId"),
        lambda p: p["platform"].update(enabled=False),
    ],
    ids=["no provider", "provider off", "no client id", "authentication off"],
)
def test_the_merge_refuses_to_guess_a_provider_the_link_did_not_register(tmp_path, change):
    settings = json.loads(json.dumps(LINKED_SETTINGS))
    change(settings["properties"])
    result, put, _ = run_merge(tmp_path, settings)
    assert result.returncode == 1
    assert put is None  # nothing written
    assert "nothing was" in result.stderr


def test_event_grid_reaches_the_blobs_extension_past_app_service_authentication():
    # The subscription's handshake and events post to /runtime/webhooks/blobs
    # (MicrosoftDocs/azure-docs#99036); the blobs_extension key guards it instead.
    from devhost import easyauth

    assert easyauth.excluded_paths() == tuple(EXCLUDED_PATHS)
    subscription = TEMPLATES["modules/eventgrid.bicep"].resources
    url = next(r for r in subscription if "eventSubscriptions" in r.type).body["properties"][
        "destination"
    ]["properties"]["endpointUrl"]
    assert easyauth.is_excluded(url.text.split("?")[0].split("}", 1)[1], EXCLUDED_PATHS)


def test_the_excluded_paths_are_exactly_the_routes_that_need_no_principal():
    from function_app import app
    from functions.app_index import functions_of

    def excluded(route: str) -> bool:
        return any(
            route.startswith(p[:-1]) if p.endswith("*") else route == p for p in EXCLUDED_PATHS
        )

    for fn in functions_of(app):
        binding = fn.get_trigger().get_dict_repr()
        if binding["type"] != "httpTrigger":
            continue
        route = "/api/" + binding["route"]
        level = str(getattr(binding["authLevel"], "value", binding["authLevel"])).lower()
        name = fn.get_function_name()
        # Marketplaces call the function-key routes directly: Easy Auth must let them through.
        # Everything else but the health check reads x-ms-client-principal: it must not.
        assert excluded(route) == (level == "function" or name == "health"), (name, route)


def test_key_vault_uses_rbac_and_holds_the_signalr_connection_string():
    vault = only("Microsoft.KeyVault/vaults").body["properties"]
    assert vault["enableRbacAuthorization"] is True
    secret = only("Microsoft.KeyVault/vaults/secrets").body
    assert secret["name"] == Expr("signalRSecretName")


def test_application_insights_is_workspace_based_and_entra_only():
    insights = only("Microsoft.Insights/components").body["properties"]
    assert insights["WorkspaceResourceId"] == Expr("workspace.id")
    assert insights["DisableLocalAuth"] is True


# -- RBAC ---------------------------------------------------------------------------------------

# Azure built-in role ids (stable across tenants) and their names.
BUILT_IN_ROLES = {
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
    "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",
    "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
    "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd": "Cognitive Services OpenAI User",
    "de139f84-1756-47ae-9be6-808fbbe84772": "Website Contributor",
    # A Cosmos DB data-plane role definition, not an Azure RBAC one.
    "00000000-0000-0000-0000-000000000002": "Cosmos DB Built-in Data Contributor",
}
ASSIGNMENT_TYPES = (
    "Microsoft.Authorization/roleAssignments",
    "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
)


def test_every_role_assignment_lives_in_rbac_bicep():
    places = {path for kind in ASSIGNMENT_TYPES for path, _ in resources(kind)}
    assert places == {"rbac.bicep"}


def role_id(resource) -> str:
    expression = resource.body["properties"]["roleDefinitionId"].text
    if resource.type.startswith("Microsoft.DocumentDB"):
        return RBAC.variables["cosmosDataContributor"]
    key = re.search(r"roles\.(\w+)", expression).group(1)
    return RBAC.variables["roles"][key]


def test_each_role_assignment_has_a_comment_naming_its_role():
    assignments = [r for kind in ASSIGNMENT_TYPES for _, r in resources(kind)]
    assert len(assignments) >= 6
    for resource in assignments:
        name = BUILT_IN_ROLES[role_id(resource)]
        assert resource.comment.startswith(name), (resource.symbol, resource.comment)


def test_the_app_identity_gets_exactly_the_roles_it_uses():
    granted = {
        BUILT_IN_ROLES[role_id(r)]
        for kind in ASSIGNMENT_TYPES
        for _, r in resources(kind)
        if r.body["properties"]["principalId"] == Expr("principalId")
    }
    # Queue: the import blob trigger's poison queue. No Table role: no Durable Functions.
    assert granted == {
        "Storage Blob Data Owner",
        "Storage Queue Data Contributor",
        "Cosmos DB Built-in Data Contributor",
        "Key Vault Secrets User",
        "Monitoring Metrics Publisher",
        # Only when the analyst's Azure OpenAI account is deployed (analystOpenAI).
        "Cognitive Services OpenAI User",
    }


def test_host_storage_is_blobs_and_the_blob_triggers_queue():
    app_settings = TEMPLATES["modules/functionapp.bicep"].variables["appSettings"]
    host = {k for k in app_settings if k.startswith("AzureWebJobsStorage__")}
    assert host == {
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
    }
    storage_outputs = TEMPLATES["modules/storage.bicep"].outputs
    assert "tableEndpoint" not in storage_outputs


# -- no secret is committed ---------------------------------------------------------------------

# Published with the local emulators and documented by Microsoft: not secrets.
PUBLIC_EMULATOR_KEYS = {
    # Azure Cosmos DB emulator
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==",
    # Azurite (devstoreaccount1)
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
}
SECRET_PATTERNS = {
    # Storage and Cosmos account keys: 64 random bytes, base64. npm's sha512 hashes look alike.
    "account key": re.compile(r"(?<![A-Za-z0-9+/-])(?<!sha512-)[A-Za-z0-9+/]{86}=="),
    "AccountKey= value": re.compile(r"AccountKey=(?!generated-by-make-run)([A-Za-z0-9+/=]{8,})"),
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"),
    "JWT": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"),
    "SAS signature": re.compile(r"[?&]sig=[A-Za-z0-9%+/=]{20,}"),
    "instrumentation key": re.compile(r"InstrumentationKey=[0-9a-fA-F]{8}-[0-9a-fA-F-]{27}"),
}


def find_secrets(text: str) -> list[str]:
    found = []
    for label, pattern in SECRET_PATTERNS.items():
        for match in pattern.finditer(text):
            value = match.group(1) if pattern.groups else match.group(0)
            if value not in PUBLIC_EMULATOR_KEYS:
                found.append(f"{label}: {value[:12]}...")
    return found


def repository_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def test_the_secret_scan_recognises_what_it_looks_for():
    fake_key = base64.b64encode(bytes(range(64))).decode()
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    claims = base64.urlsafe_b64encode(b'{"sub":"someone","aud":"x"}').decode().rstrip("=")
    samples = [
        f"key: {fake_key}",
        f"DefaultEndpointsProtocol=https;AccountName=a;AccountKey={fake_key[:40]};",
        "-----BEGIN RSA " + "PRIVATE KEY-----",
        f"{header}.{claims}.c2lnbmF0dXJlLWJ5dGVzLWhlcmU",
        "https://a.blob.core.windows.net/c?sv=2024&" + "sig=abcdefghijklmnopqrstuvwxyz012",
        "InstrumentationKey=" + "12345678-1234-1234-1234-123456789abc",
    ]
    for sample in samples:
        assert find_secrets(sample), sample
    for key in PUBLIC_EMULATOR_KEYS:
        assert find_secrets(f"AccountKey={key};") == []
    assert find_secrets('"integrity": "sha512-' + fake_key + '"') == []


def test_no_secret_or_key_is_committed():
    offenders = {}
    for path in repository_files():
        if path.stat().st_size > 2_000_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
        found = find_secrets(text)
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}


def test_no_bicep_output_exposes_keys():
    secret_like = re.compile(r"(key|secret|password|connectionstring|token)s?$", re.I)
    for path, template in TEMPLATES.items():
        for name, expression in template.outputs.items():
            assert not re.search(r"\blist\w*\(", expression), f"{path} output {name}"
            assert not secret_like.search(name), f"{path} output {name}"


def test_list_keys_is_only_used_to_write_the_key_vault_secret_and_the_event_endpoint():
    uses = [path for path in TEMPLATES if "listKeys(" in (bicep_tree.BICEP_DIR / path).read_text()]
    # The Event Grid subscription needs the host's blobs extension key in its endpoint URL.
    assert sorted(uses) == ["modules/eventgrid.bicep", "modules/keyvault.bicep"]
    events = (bicep_tree.BICEP_DIR / "modules/eventgrid.bicep").read_text()
    assert events.count("listKeys(") == 1 and "systemKeys.blobs_extension" in events
    secret = only("Microsoft.KeyVault/vaults/secrets").body["properties"]
    assert secret["value"] == Expr("signalR.listKeys().primaryConnectionString")


# -- the deploy workflow ------------------------------------------------------------------------

WORKFLOW = ROOT / ".github/workflows/deploy.yml"


def top_level_block(text: str, key: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(f"{key}:")
    block = []
    for line in lines[start + 1 :]:
        if line and not line.startswith((" ", "#")):
            break
        block.append(line)
    return block


def test_the_deploy_workflow_only_runs_when_started_by_hand():
    triggers = [
        line.strip().rstrip(":")
        for line in top_level_block(WORKFLOW.read_text(), "on")
        if re.match(r"^  \S", line)
    ]
    assert triggers == ["workflow_dispatch"]


def test_the_deploy_workflow_signs_in_with_oidc_and_deploys_main_bicep():
    text = WORKFLOW.read_text()
    assert "id-token: write" in text
    assert "uses: azure/login@v2" in text
    assert "client-secret" not in text and "creds:" not in text
    assert "--template-file infra/bicep/main.bicep" in text
    assert "--parameters infra/bicep/main.parameters.json" in text
    assert "uses: Azure/functions-action@v1" in text
    assert "uses: Azure/static-web-apps-deploy@v1" in text


# -- resource names ------------------------------------------------------------------------------

# What main.bicep accepts as `name`, read from its decorators and its validation variables.
NAME_DECORATORS = MAIN.param_decorators["name"]
NAME_LETTERS = MAIN.variables["nameLetters"]


def valid_name(name: str) -> bool:
    return (
        NAME_DECORATORS["minLength"] <= len(name) <= NAME_DECORATORS["maxLength"]
        and name[0] in NAME_LETTERS
        and all(c in NAME_LETTERS + "0123456789" for c in name)
    )


def test_the_name_parameter_is_lowercase_letters_and_digits_starting_with_a_letter():
    assert NAME_LETTERS == "abcdefghijklmnopqrstuvwxyz"
    assert (NAME_DECORATORS["minLength"], NAME_DECORATORS["maxLength"]) == (3, 12)
    assert MAIN.variables["nameCharacters"] == Expr(
        "map(range(0, length(name)), i => substring(name, i, 1))"
    )
    check = MAIN.variables["nameIsValid"].text
    assert "contains(nameLetters, first(nameCharacters))" in check
    assert "empty(filter(nameCharacters, c => !contains('${nameLetters}0123456789', c)))" in check
    # An invalid name fails the deployment with a message (int() of text is a template error).
    assert re.fullmatch(
        r"nameIsValid \? name : string\(int\('[^']+'\)\)", MAIN.variables["baseName"].text
    )
    for good in ("resight", "abc", "shop2025prod"):
        assert valid_name(good), good
    for bad in ("ab", "resight-dev-01", "Resight", "resight-", "2shop", "re_sight", "a" * 13):
        assert not valid_name(bad), bad


def test_derived_names_use_the_validated_name():
    for module, params in MAIN.module_params.items():
        for key, value in params.items():
            text = value.text if isinstance(value, Expr) else str(value)
            assert not re.search(r"\bname\b(?!\.)", text.replace("outputs.name", "")), (
                module,
                key,
                text,
            )
    assert "uniqueString(resourceGroup().id, baseName)" in MAIN.variables["token"].text


# Azure's naming rules for what the templates name: length, allowed characters, and how a name
# may start and end (Azure's "resource name rules" page, one pattern per resource type).
NAMING_RULES = {
    "Microsoft.ManagedIdentity/userAssignedIdentities": r"[A-Za-z0-9][A-Za-z0-9_-]{2,127}",
    "Microsoft.OperationalInsights/workspaces": r"[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]",
    "Microsoft.Insights/components": r"[^%&\\?/\x00-\x1f]{0,259}[^%&\\?/\x00-\x1f. ]",
    "Microsoft.Storage/storageAccounts": r"[a-z0-9]{3,24}",
    "Microsoft.DocumentDB/databaseAccounts": r"[a-z0-9][a-z0-9-]{1,42}[a-z0-9]",
    "Microsoft.Web/staticSites": r"[A-Za-z0-9][A-Za-z0-9-]{0,38}[A-Za-z0-9]",
    "Microsoft.SignalRService/signalR": r"[A-Za-z][A-Za-z0-9-]{1,61}[A-Za-z0-9]",
    "Microsoft.KeyVault/vaults": r"(?!.*--)[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]",
    "Microsoft.Web/serverfarms": r"[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]",
    "Microsoft.Web/sites": r"[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]",
    "Microsoft.Storage/storageAccounts/blobServices/containers": (
        r"(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]"
    ),
    "Microsoft.KeyVault/vaults/secrets": r"[A-Za-z0-9-]{1,127}",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases": r"[^/\\#?]{0,254}[^/\\#? ]",
    # Also the endpoint's subdomain.
    "Microsoft.CognitiveServices/accounts": r"[a-zA-Z0-9][a-zA-Z0-9-]{1,63}",
}

# Which module parameter of main.bicep names which resource.
DERIVED_NAMES = {
    ("identity", "name"): "Microsoft.ManagedIdentity/userAssignedIdentities",
    ("monitoring", "workspaceName"): "Microsoft.OperationalInsights/workspaces",
    ("monitoring", "insightsName"): "Microsoft.Insights/components",
    ("storage", "name"): "Microsoft.Storage/storageAccounts",
    ("cosmos", "accountName"): "Microsoft.DocumentDB/databaseAccounts",
    ("dashboard", "name"): "Microsoft.Web/staticSites",
    ("signalR", "name"): "Microsoft.SignalRService/signalR",
    ("keyVault", "name"): "Microsoft.KeyVault/vaults",
    ("functionApp", "planName"): "Microsoft.Web/serverfarms",
    ("functionApp", "appName"): "Microsoft.Web/sites",
    ("openAi", "name"): "Microsoft.CognitiveServices/accounts",
    ("authScriptIdentity", "name"): "Microsoft.ManagedIdentity/userAssignedIdentities",
}

# uniqueString() is 13 characters of lowercase letters and digits, and may start with a digit.
TOKENS = ["a1b2c3d4e5f6g", "0123456789abc", "zzzzzzzzzzzzz"]
NAMES = ["resight", "abc", "a" * 12, "z9" * 6]


def evaluate_name(template: Expr | str, name: str, token: str) -> str:
    """The few string functions the name templates use: take(), and ${baseName}/${token}."""
    text = template.text if isinstance(template, Expr) else template
    assert text.startswith("'") and text.endswith("'"), text

    def substitute(match: re.Match) -> str:
        inner = match.group(1)
        if inner == "baseName":
            return name
        if inner == "token":
            return token
        take = re.fullmatch(r"take\(baseName, (\d+)\)", inner)
        assert take, f"unknown expression ${{{inner}}} in {text}"
        return name[: int(take.group(1))]

    return re.sub(r"\$\{([^}]+)\}", substitute, text[1:-1])


def test_every_name_derived_from_the_name_parameter_is_listed():
    derived = {
        (module, key)
        for module, params in MAIN.module_params.items()
        for key, value in params.items()
        if isinstance(value, Expr) and "${token}" in value.text
    }
    assert derived == set(DERIVED_NAMES)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("token", TOKENS)
def test_derived_names_follow_each_service_naming_rules(name, token):
    assert valid_name(name)
    for (module, key), resource_type in DERIVED_NAMES.items():
        value = evaluate_name(MAIN.module_params[module][key], name, token)
        assert re.fullmatch(NAMING_RULES[resource_type], value), (resource_type, value)
        # The module really names that resource with this parameter.
        path = MAIN.modules[module]
        declared = [
            r
            for r in TEMPLATES[path].resources
            if r.type.split("@")[0] == resource_type and not r.existing
        ]
        assert [r.body["name"] for r in declared] == [Expr(key)], (path, resource_type)


def test_the_function_app_name_keeps_its_host_id_unique():
    # The Functions host id is the first 32 characters of the app name.
    longest = evaluate_name(MAIN.module_params["functionApp"]["appName"], "a" * 12, TOKENS[0])
    assert len(longest) <= 32


def test_fixed_names_follow_the_naming_rules():
    fixed = {
        MAIN.variables[
            "deploymentContainerName"
        ]: "Microsoft.Storage/storageAccounts/blobServices/containers",
        MAIN.variables[
            "modelsContainerName"
        ]: "Microsoft.Storage/storageAccounts/blobServices/containers",
        MAIN.variables["signalRSecretName"]: "Microsoft.KeyVault/vaults/secrets",
        MAIN.module_params["cosmos"][
            "databaseName"
        ]: "Microsoft.DocumentDB/databaseAccounts/sqlDatabases",
        **{
            secret: "Microsoft.KeyVault/vaults/secrets"
            for secret in MAIN.variables["webhookSecretNames"].values()
        },
    }
    for value, resource_type in fixed.items():
        assert re.fullmatch(NAMING_RULES[resource_type], value), (resource_type, value)


def test_the_analyst_openai_account_is_optional_entra_only_and_wired():
    openai = TEMPLATES["modules/openai.bicep"]
    account = next(
        r for r in openai.resources if r.type.startswith("Microsoft.CognitiveServices/accounts@")
    )
    assert account.body["kind"] == "OpenAI"
    assert account.body["properties"]["disableLocalAuth"] is True
    deployment = next(r for r in openai.resources if "/deployments@" in r.type)
    assert deployment.body["properties"]["model"]["format"] == "OpenAI"
    assert MAIN.params["analystOpenAI"] == Expr("false") or MAIN.params["analystOpenAI"] is False
    app = MAIN.module_params["functionApp"]
    assert app["openAiEndpoint"] == Expr("analystOpenAI ? openAi.outputs.endpoint : ''")
    assert MAIN.module_params["rbac"]["openAiAccountName"] == Expr(
        "analystOpenAI ? openAi.outputs.name : ''"
    )


# -- the demo feed ---------------------------------------------------------------------------------


def test_the_mock_feed_is_off_by_default_in_azure():
    # A deployment serves real stores: the demo feed is opt-in (mockEnabled=true for a demo).
    assert MAIN.params["mockEnabled"] is False
    assert MAIN.module_params["functionApp"]["mockEnabled"] == Expr("mockEnabled")
    parameters = json.loads((bicep_tree.BICEP_DIR / "main.parameters.json").read_text())
    assert parameters["parameters"]["mockEnabled"]["value"] is False
    # Off also stops the timer itself, not just what it does.
    settings = TEMPLATES["modules/functionapp.bicep"].variables["appSettings"]
    assert settings["AzureWebJobs.mock_feed.Disabled"] == Expr("mockEnabled ? 'false' : 'true'")
