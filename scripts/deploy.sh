#!/usr/bin/env bash
# Deploys ReSight to Azure with one command (docs/deploy.md, "Deploy with one command"):
#
#   1. the infrastructure: infra/bicep/main.bicep with importsEventGrid=false;
#   2. a check that every webhook secret is in Key Vault: a Key Vault reference that does not
#      resolve reaches the app as its own "@Microsoft.KeyVault(...)" text, so the script stops
#      here, naming the missing secrets and the command that sets them;
#   3. the Function App code: func azure functionapp publish (remote build);
#   4. a wait for the host's blobs_extension system key, which the host creates only once the
#      code with the import blob trigger runs;
#   5. the infrastructure again with importsEventGrid=true: the Event Grid subscription of the
#      import blob trigger, whose endpoint URL carries that key (until then the import_sweep
#      timer picks up new files every 5 minutes);
#   6. a refresh of the app's Key Vault references (config/configreferences/appsettings/refresh),
#      and the list of any that still do not resolve.
#
#   scripts/deploy.sh <resource-group> [name=value ...]
#
# Both phases are the same deployment, so scripts/verify-deployment.sh and docs/deploy.md read
# the outputs from one name. Arguments after the group are Bicep parameters (for example
# analystOpenAI=true). Environment:
#   LOCATION                 create the resource group in this region first (optional)
#   DEPLOYMENT               the deployment name (default: resight)
#   PARAMETERS               the parameters file (default: infra/bicep/main.parameters.json)
#   DEPLOYER_PRINCIPAL_ID    object id of whoever deploys (default: the signed-in user's); it
#                            becomes Key Vault Secrets Officer on the vault, which is in RBAC
#                            mode: without it setting (or checking) a secret is refused with 403
#   DEPLOYER_PRINCIPAL_TYPE  User (default), Group or ServicePrincipal
#   HOST_KEY_TIMEOUT         seconds to wait for the blobs_extension key (default: 900)
#   HOST_KEY_INTERVAL        seconds between two looks for it (default: 15)
#
# Needs az (signed in, Owner or Contributor plus Role Based Access Control Administrator on the
# group), func (Azure Functions Core Tools 4) and jq. Exits 0 when both phases are deployed, 2
# when webhook secrets are missing (set them and run it again), 1 on any other failure.

set -euo pipefail

RG=${1:-${RG:-}}
[ -n "$RG" ] || {
  echo "usage: $0 <resource-group> [name=value ...]" >&2
  exit 1
}
[ $# -gt 0 ] && shift
EXTRA_PARAMETERS=("$@")

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEPLOYMENT=${DEPLOYMENT:-resight}
PARAMETERS=${PARAMETERS:-$ROOT/infra/bicep/main.parameters.json}
TEMPLATE=$ROOT/infra/bicep/main.bicep
DEPLOYER_PRINCIPAL_TYPE=${DEPLOYER_PRINCIPAL_TYPE:-User}
HOST_KEY_TIMEOUT=${HOST_KEY_TIMEOUT:-900}
HOST_KEY_INTERVAL=${HOST_KEY_INTERVAL:-15}
# The API version of Microsoft's documented Key Vault reference refresh call.
REFRESH_API_VERSION=2022-03-01

step() { printf '\n== %s\n' "$1"; }
die() {
  printf 'error: %s\n' "$1" >&2
  exit "${2:-1}"
}

for tool in az func jq; do
  command -v "$tool" >/dev/null || die "$tool is needed"
done

if [ -z "${DEPLOYER_PRINCIPAL_ID:-}" ]; then
  DEPLOYER_PRINCIPAL_ID=$(az ad signed-in-user show --query id -o tsv) ||
    die "set DEPLOYER_PRINCIPAL_ID (a service principal cannot be read with 'az ad signed-in-user')"
fi

if [ -n "${LOCATION:-}" ]; then
  step "resource group $RG in $LOCATION"
  az group create --name "$RG" --location "$LOCATION" --output none
fi

# deploy <importsEventGrid>: the one deployment, both phases.
deploy() {
  az deployment group create \
    --resource-group "$RG" \
    --name "$DEPLOYMENT" \
    --template-file "$TEMPLATE" \
    --parameters "$PARAMETERS" \
    --parameters deployerPrincipalId="$DEPLOYER_PRINCIPAL_ID" \
    deployerPrincipalType="$DEPLOYER_PRINCIPAL_TYPE" \
    importsEventGrid="$1" \
    ${EXTRA_PARAMETERS[@]+"${EXTRA_PARAMETERS[@]}"} \
    --output none
}
output() {
  az deployment group show -g "$RG" -n "$DEPLOYMENT" --query "properties.outputs.$1.value" "${@:2}"
}

# -- 1. infrastructure, without the Event Grid subscription ---------------------------------------

step "1/6 infrastructure (deployment $DEPLOYMENT, importsEventGrid=false)"
deploy false
APP=$(output functionAppName -o tsv)
KV=$(output keyVaultName -o tsv)
echo "function app: $APP   key vault: $KV"

# -- 2. the webhook secrets exist -----------------------------------------------------------------

step "2/6 webhook secrets in Key Vault $KV"
missing=()
while IFS= read -r secret; do
  [ -n "$secret" ] || continue
  if az keyvault secret show --vault-name "$KV" --name "$secret" --query id -o tsv >/dev/null 2>&1; then
    echo "ok    $secret"
  else
    echo "MISSING $secret"
    missing+=("$secret")
  fi
done < <(output webhookSecretNames -o json | jq -r '.[]')
if [ ${#missing[@]} -gt 0 ]; then
  echo
  echo "Set them (a 403 here means the deployer is not Key Vault Secrets Officer: deploy with"
  echo "DEPLOYER_PRINCIPAL_ID set), then run this script again:"
  for secret in "${missing[@]}"; do
    echo "  az keyvault secret set --vault-name $KV --name $secret --value \"\$(openssl rand -hex 32)\" --output none"
  done
  exit 2
fi

# -- 3. the code --------------------------------------------------------------------------------

step "3/6 publish the Function App $APP"
(cd "$ROOT" && func azure functionapp publish "$APP" --python)

# -- 4. the blobs extension key ----------------------------------------------------------------------

step "4/6 wait for the host's blobs_extension key (up to ${HOST_KEY_TIMEOUT}s)"
deadline=$((SECONDS + HOST_KEY_TIMEOUT))
while :; do
  # The key's value stays in this variable: it is never printed.
  key=$(az functionapp keys list -g "$RG" -n "$APP" --query systemKeys.blobs_extension -o tsv 2>/dev/null || true)
  [ -n "$key" ] && break
  if [ "$SECONDS" -ge "$deadline" ]; then
    die "no blobs_extension key after ${HOST_KEY_TIMEOUT}s: is import_blob listed by 'az functionapp function list -g $RG -n $APP'? Run this script again once it is (files are imported by the sweep meanwhile)."
  fi
  echo "not yet; looking again in ${HOST_KEY_INTERVAL}s"
  sleep "$HOST_KEY_INTERVAL"
done
unset key
echo "the host has its blobs_extension key"

# -- 5. the Event Grid phase -------------------------------------------------------------------------

step "5/6 infrastructure again (deployment $DEPLOYMENT, importsEventGrid=true)"
deploy true

# -- 6. Key Vault references ---------------------------------------------------------------------------

step "6/6 refresh the app's Key Vault references"
APP_ID=$(az functionapp show -g "$RG" -n "$APP" --query id -o tsv)
az rest --method post --output none \
  --url "https://management.azure.com${APP_ID}/config/configreferences/appsettings/refresh?api-version=$REFRESH_API_VERSION"
unresolved=$(az rest --method get \
  --url "https://management.azure.com${APP_ID}/config/configreferences/appsettings?api-version=$REFRESH_API_VERSION" |
  jq -r '[.value[]? | select(.properties.status != "Resolved") | .name | split("/") | last] | join(" ")')
if [ -n "$unresolved" ]; then
  echo "not resolved (yet): $unresolved"
  echo "each is 'not configured' in the app and named by /api/health; see docs/deploy.md"
else
  echo "every Key Vault reference resolves"
fi

echo
echo "deployed: API https://$(output functionAppHostName -o tsv)  dashboard $(output dashboardUrl -o tsv)"
echo "next: deploy the dashboard (docs/deploy.md step 4), then: make verify-deployment RG=$RG"
