#!/usr/bin/env bash
# Read-modify-write of the Function App's App Service authentication (config/authsettingsV2),
# run by the Azure CLI deployment script of modules/staticwebapp-backend.bicep after the Static
# Web App link, on every deployment.
#
# Why not a Bicep Microsoft.Web/sites/config resource: authsettingsV2 is one resource written
# whole (its REST update is a PUT of the entire settings object), so a declared one replaces
# what the link registered, including the Static Web Apps identity provider and its client id,
# which Bicep could only guess; a wrong guess turns every dashboard call into a 401. The link
# writes these settings itself ("Bring your own functions to Azure Static Web Apps", and
# Azure/static-web-apps#512: they even outlive an unlink). So this reads them, changes only
# globalValidation (sign-in required, 401 for a caller without a token, and excludedPaths) and
# writes everything else back as it was read.
#
# It refuses, without writing, when the link has not registered an enabled Static Web Apps
# provider or left authentication off: an API without that provider would trust any
# x-ms-client-principal header, and inventing the provider is what this replaces.
#
# Environment:
#   SITE_ID          the Function App's resource id
#   EXCLUDED_PATHS   JSON array of the paths that need no token (Bicep authExcludedPaths)
#   API_VERSION      of Microsoft.Web (default 2023-12-01)
#   ARM_ENDPOINT     default https://management.azure.com
#   RETRY_SECONDS    how long to retry a refused or failed call (default 600: a new role
#                    assignment takes minutes to apply); RETRY_INTERVAL between tries (15)
# Writes {"excludedPaths": [...], "staticWebAppsClientId": "..."} to $AZ_SCRIPTS_OUTPUT_PATH.

set -euo pipefail

: "${SITE_ID:?SITE_ID is required}"
: "${EXCLUDED_PATHS:?EXCLUDED_PATHS is required}"
URL="${ARM_ENDPOINT:-https://management.azure.com}${SITE_ID}/config/authsettingsV2?api-version=${API_VERSION:-2023-12-01}"
RETRY_SECONDS=${RETRY_SECONDS:-600}
RETRY_INTERVAL=${RETRY_INTERVAL:-15}

# retry <command...>: until it succeeds or RETRY_SECONDS have passed.
retry() {
  local deadline=$((SECONDS + RETRY_SECONDS))
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "gave up after ${RETRY_SECONDS}s: $*" >&2
      return 1
    fi
    echo "retrying in ${RETRY_INTERVAL}s (the role assignment may not apply yet)" >&2
    sleep "$RETRY_INTERVAL"
  done
}

read_settings() { az rest --method get --url "$URL" --output json >"$1"; }
write_settings() { az rest --method put --url "$URL" --body "@$1" --output none; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

retry read_settings "$work/current.json"

client_id=$(jq -r '.properties.identityProviders.azureStaticWebApps
  | select(.enabled == true) | .registration.clientId // empty' "$work/current.json")
if [ -z "$client_id" ]; then
  echo "The Static Web App link has not registered an enabled azureStaticWebApps identity" >&2
  echo "provider on the Function App; nothing was written. Link the backend again" >&2
  echo "(az staticwebapp backends link) and redeploy." >&2
  exit 1
fi
if [ "$(jq -r '.properties.platform.enabled // false' "$work/current.json")" != true ]; then
  echo "App Service authentication is off on the Function App after the link; nothing was" >&2
  echo "written (switching it on here would be a guess at what the link intended)." >&2
  exit 1
fi

# Only globalValidation changes; every other property is written back as it was read.
jq --argjson excluded "$EXCLUDED_PATHS" '{
  properties: (.properties | .globalValidation = ((.globalValidation // {}) + {
    requireAuthentication: true,
    unauthenticatedClientAction: "Return401",
    excludedPaths: $excluded
  }))
}' "$work/current.json" >"$work/updated.json"

retry write_settings "$work/updated.json"

# Read back: the paths are there and the provider is the one the link registered.
retry read_settings "$work/after.json"
jq -e --argjson excluded "$EXCLUDED_PATHS" --arg client "$client_id" '
  .properties.globalValidation.excludedPaths == $excluded
  and .properties.globalValidation.requireAuthentication == true
  and .properties.globalValidation.unauthenticatedClientAction == "Return401"
  and .properties.identityProviders.azureStaticWebApps.registration.clientId == $client
' "$work/after.json" >/dev/null || {
  echo "authsettingsV2 does not read back as written" >&2
  exit 1
}

result=$(jq -n --argjson excluded "$EXCLUDED_PATHS" --arg client "$client_id" \
  '{excludedPaths: $excluded, staticWebAppsClientId: $client}')
echo "$result"
if [ -n "${AZ_SCRIPTS_OUTPUT_PATH:-}" ]; then
  echo "$result" >"$AZ_SCRIPTS_OUTPUT_PATH"
fi
