"""scripts/deploy.sh with stand-ins for ``az`` and ``func`` on PATH: the order of the two
deployment phases, the wait for the blobs extension key, the deployment name and the deployer's
principal id, and the stop when a webhook secret is missing. No Azure is needed: each stand-in
logs its arguments and answers what the script asks."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from infra import bicep_tree

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "deploy.sh"
MAIN = bicep_tree.load(bicep_tree.BICEP_DIR / "main.bicep")

# The stand-in az: one log line per call, answers by command. The blobs_extension key appears on
# the third look, as it does once the host has started the published code.
FAKE_AZ = r"""#!/usr/bin/env bash
printf 'az %s\n' "$*" >> "$CALLS"
args="$*"
case "$args" in
  "ad signed-in-user show"*) echo "00000000-0000-0000-0000-00000000d3a1" ;;
  "deployment group create"*) ;;
  "deployment group show"*functionAppName*) echo "func-resight-abc" ;;
  "deployment group show"*keyVaultName*) echo "kv-resigh-abc" ;;
  "deployment group show"*functionAppHostName*) echo "func-resight-abc.azurewebsites.net" ;;
  "deployment group show"*dashboardUrl*) echo "https://swa.example.net" ;;
  "deployment group show"*webhookSecretNames*)
    echo '__SECRET_NAMES__' ;;
  "keyvault secret show"*)
    for missing in $MISSING_SECRETS; do
      case "$args" in *"--name $missing "*) echo "SecretNotFound" >&2; exit 3 ;; esac
    done
    echo "https://kv/secrets/x" ;;
  "functionapp keys list"*)
    n=$(( $(cat "$STATE" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$STATE"
    [ "$n" -ge 3 ] && echo "blobs-extension-key-value" ;;
  "functionapp show"*)
    echo "/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.Web/sites/func-resight-abc" ;;
  "rest --method get"*)
    echo '{"value": [{"name": "WhatsApp__accessToken", "properties": {"status": "SecretNotFound"}},
                     {"name": "Webhooks__amazonSecret", "properties": {"status": "Resolved"}}]}' ;;
  "rest --method post"*) ;;
  *) echo "unexpected az call: $args" >&2; exit 99 ;;
esac
"""

FAKE_FUNC = r"""#!/usr/bin/env bash
printf 'func %s\n' "$*" >> "$CALLS"
"""


def run(tmp_path: Path, *args: str, **env: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    # The stand-in answers the secret names main.bicep outputs.
    names = json.dumps(MAIN.variables["webhookSecretNames"])
    for name, text in (("az", FAKE_AZ.replace("__SECRET_NAMES__", names)), ("func", FAKE_FUNC)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    calls = tmp_path / "calls.log"
    result = subprocess.run(
        ["bash", str(SCRIPT), "rg-test", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "CALLS": str(calls),
            "STATE": str(tmp_path / "keys.state"),
            "HOST_KEY_INTERVAL": "0",
            "MISSING_SECRETS": "",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = calls.read_text().splitlines() if calls.exists() else []
    return result, lines


def index(calls: list[str], *needles: str) -> int:
    return next(i for i, line in enumerate(calls) if all(n in line for n in needles))


def test_both_phases_run_in_order_around_the_publish_and_the_host_key(tmp_path):
    result, calls = run(tmp_path, "analystOpenAI=true")
    report = result.stdout + result.stderr
    assert result.returncode == 0, report

    first = index(calls, "deployment group create", "importsEventGrid=false")
    publish = index(calls, "func azure functionapp publish func-resight-abc --python")
    looks = [i for i, line in enumerate(calls) if "functionapp keys list" in line]
    second = index(calls, "deployment group create", "importsEventGrid=true")
    refresh = index(calls, "rest --method post", "/config/configreferences/appsettings/refresh")
    assert first < publish < looks[0] and looks[-1] < second < refresh
    # It looked until the key was there (the third look), and never printed it.
    assert len(looks) == 3
    assert "blobs-extension-key-value" not in report

    creates = [line for line in calls if "deployment group create" in line]
    assert len(creates) == 2
    for line in creates:
        # One deployment name for both phases: verify-deployment.sh reads its outputs.
        assert "--name resight " in line
        assert "--template-file" in line and line.count("main.bicep") == 1
        assert "deployerPrincipalId=00000000-0000-0000-0000-00000000d3a1" in line
        assert "deployerPrincipalType=User" in line
        assert "analystOpenAI=true" in line
    assert "api-version=2022-03-01" in calls[refresh]
    # References that still do not resolve are named.
    assert "not resolved (yet): WhatsApp__accessToken" in report


def test_a_missing_webhook_secret_stops_before_the_publish(tmp_path):
    result, calls = run(tmp_path, MISSING_SECRETS="webhook-myntra-secret")
    report = result.stdout + result.stderr
    assert result.returncode == 2, report
    assert "MISSING webhook-myntra-secret" in report
    assert (
        "az keyvault secret set --vault-name kv-resigh-abc --name webhook-myntra-secret" in report
    )
    assert "DEPLOYER_PRINCIPAL_ID" in report  # what a 403 here means
    assert not any(line.startswith("func ") for line in calls)
    assert sum("deployment group create" in line for line in calls) == 1


def test_the_deployer_principal_and_the_deployment_name_can_be_given(tmp_path):
    result, calls = run(
        tmp_path,
        DEPLOYER_PRINCIPAL_ID="11111111-2222-3333-4444-555555555555",
        DEPLOYER_PRINCIPAL_TYPE="ServicePrincipal",
        DEPLOYMENT="resight-ci",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not any("signed-in-user" in line for line in calls)
    creates = [line for line in calls if "deployment group create" in line]
    assert all("--name resight-ci " in line for line in creates)
    assert all(
        "deployerPrincipalId=11111111-2222-3333-4444-555555555555 "
        "deployerPrincipalType=ServicePrincipal" in line
        for line in creates
    )
