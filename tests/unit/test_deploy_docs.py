"""The deployment guide, the README, the scripts and the workflow agree with each other and with
the code: one deployment name, the deployer's principal id on every deployment, both Event Grid
phases, the roles the app really has, paths that exist, and the list of secrets the app reads
(the settings class and the Key Vault references in Bicep)."""

from __future__ import annotations

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
GUIDE = (ROOT / "docs/deploy.md").read_text()
README = (ROOT / "README.md").read_text()
DEPLOY = (ROOT / "scripts/deploy.sh").read_text()
VERIFY = (ROOT / "scripts/verify-deployment.sh").read_text()
WORKFLOW = (ROOT / ".github/workflows/deploy.yml").read_text()
MAIN = bicep_tree.load(bicep_tree.BICEP_DIR / "main.bicep")
FUNCTION_APP = bicep_tree.load(bicep_tree.BICEP_DIR / "modules/functionapp.bicep")
APP_SETTINGS: dict = FUNCTION_APP.variables["appSettings"]

# Local-only (emulator keys) and not secret in Azure: see tests/unit/test_settings_sync.py.
NOT_KEY_VAULT = {
    "CosmosDB__accountKey",
    "ModelStorage__connectionString",
    "AzureOpenAI__apiKey",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
}


def secret_settings(model: type[BaseModel] = Settings, prefix: str = "") -> set[str]:
    found: set[str] = set()
    for name, info in model.model_fields.items():
        alias = info.alias or name
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found |= secret_settings(annotation, f"{prefix}{alias}__")
        elif annotation is SecretStr or SecretStr in typing.get_args(annotation):
            found.add(prefix + alias)
    return found


def key_vault_secret_name(setting: str) -> str:
    """The Key Vault secret an app setting refers to, from the Bicep defaults and variables."""
    value = APP_SETTINGS[setting]
    assert isinstance(value, Expr), setting
    match = re.fullmatch(r"keyVaultReference\(keyVaultName, ([\w.]+)\)", value.text)
    assert match, (setting, value.text)
    argument = match.group(1)
    if argument.startswith("webhookSecretNames."):
        return MAIN.variables["webhookSecretNames"][argument.split(".", 1)[1]]
    if argument in MAIN.variables:  # passed through from main.bicep
        return MAIN.variables[argument]
    default = FUNCTION_APP.params[argument]
    assert isinstance(default, str), (setting, argument)
    return default


def documented_secrets() -> dict[str, str]:
    """The guide's "Secrets the app reads" table: app setting -> Key Vault secret."""
    section = GUIDE.split("### Secrets the app reads", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|", section, re.M)
    assert rows, "no table under 'Secrets the app reads'"
    return dict(rows)


def test_every_secret_the_app_reads_is_documented_with_its_key_vault_secret():
    code = secret_settings() - NOT_KEY_VAULT
    # The walk found the secrets it must (guards an empty comparison).
    assert {"Webhooks__amazonSecret", "WhatsApp__accessToken", "Analytics__buyerKeySalt"} <= code
    documented = documented_secrets()
    assert set(documented) == code
    for setting, secret in documented.items():
        assert key_vault_secret_name(setting) == secret, setting


def test_every_key_vault_reference_in_bicep_is_a_documented_secret():
    references = {
        name
        for name, value in APP_SETTINGS.items()
        if isinstance(value, Expr) and value.text.startswith("keyVaultReference(")
    }
    assert references == set(documented_secrets())


def test_one_deployment_name_everywhere():
    names = set(re.findall(r"--name (\S+) \\\n\s+--template-file", GUIDE))
    names |= set(re.findall(r"az deployment group show -g \S+ -n (\S+)", GUIDE))
    assert names == {"resight"}
    assert "DEPLOYMENT=${DEPLOYMENT:-resight}" in DEPLOY
    assert "DEPLOYMENT=${DEPLOYMENT:-resight}" in VERIFY
    assert set(re.findall(r"--name (\S+) \\\n\s+--template-file", WORKFLOW)) == {"resight"}
    assert "deployment `resight`" in README


def test_both_phases_are_documented_and_deployed():
    for text in (GUIDE, DEPLOY, WORKFLOW):
        assert "importsEventGrid=false" in text and "importsEventGrid=true" in text
        assert "blobs_extension" in text
    assert "scripts/deploy.sh" in README and "importsEventGrid=true" in README


def test_every_deployment_command_passes_the_deployer_principal():
    blocks = re.findall(r"az deployment group (?:create|what-if)(?:[^\n]*\\\n)+[^\n]*", GUIDE)
    assert len(blocks) >= 3
    for block in blocks:
        assert "deployerPrincipalId=" in block, block
    for block in re.findall(r"az deployment group create(?:[^\n]*\\\n)+[^\n]*", WORKFLOW):
        assert "deployerPrincipalId=" in block, block
    assert 'deployerPrincipalId="$DEPLOYER_PRINCIPAL_ID"' in DEPLOY
    # Why it matters, where a reader meets it.
    assert "403" in GUIDE.split("## 1. Deploy the infrastructure", 1)[1].split("## 2.", 1)[0]
    assert "deployerPrincipalId" in README and "403" in README


def test_the_queue_role_is_described_as_granted():
    rbac = (bicep_tree.BICEP_DIR / "rbac.bicep").read_text()
    assert "Storage Queue Data Contributor" in rbac
    assert "Storage Queue Data Contributor" in GUIDE
    assert "no Queue" not in GUIDE and "blob-only" not in GUIDE


def test_paths_the_guide_names_exist():
    assert "shared/marketplaces/" not in GUIDE and "shared/marketplaces/" not in README
    named = set(re.findall(r"`((?:shared|scripts|infra|functions|devhost)/[\w/.-]+)`", GUIDE))
    assert "shared/ingest/marketplaces/myntra.py" in named and len(named) >= 8
    for path in named:
        assert (ROOT / path).exists(), path


def test_the_guide_documents_the_refresh_call_instead_of_a_restart():
    assert "config/configreferences/appsettings/refresh" in GUIDE
    assert "az functionapp restart" not in GUIDE
    assert "config/configreferences/appsettings/refresh" in DEPLOY
