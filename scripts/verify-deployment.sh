#!/usr/bin/env bash
# Post-deploy checks of a ReSight deployment (docs/deploy.md, "Verify the deployment"):
#
#   1. a forged x-ms-client-principal sent straight to the function host is refused (401/403);
#   2. /api/health answers straight from the function host (an excluded path) and through the
#      Static Web App: every dependency reported, none required down, no Key Vault reference
#      left unresolved; then the dashboard API answers through the Static Web App (rank, item);
#   3. a signed webhook sent straight to the function host is accepted;
#   4. the change feed projects and re-ranks it: the item's counter moves, it keeps a score;
#   5. a SignalR client (negotiating through the Static Web App) receives that event;
#   6. Event Grid's validation handshake reaches the blobs extension at /runtime/webhooks/blobs
#      past App Service authentication (not 401) and is answered.
#
#   scripts/verify-deployment.sh <resource-group>      (or: make verify-deployment RG=<group>)
#
# Hosts, keys and secrets come from the deployment's outputs with `az` (signed in, with read
# access to the function keys and the webhook secret); each can be given instead:
#   FUNCTION_HOST_URL   https://<functionAppHostName>
#   SWA_URL             https://<dashboard host>
#   FUNCTION_KEY        a function key of webhook_amazon (or the default key)
#   WEBHOOK_SECRET      the Amazon webhook secret
#   BLOBS_EXTENSION_KEY the host's blobs_extension system key (Event Grid's endpoint key)
#   SWA_COOKIE          Cookie header for calls through the Static Web App, e.g.
#                       "StaticWebAppsAuthCookie=<value>" copied from a browser signed in as
#                       analyst or admin (needed in Azure: the dashboard API requires sign-in)
#   SWA_PRINCIPAL       x-ms-client-principal for calls through a local stand-in (devhost);
#                       the real Static Web App ignores one sent by the client
#   ITEM_ID             the catalogue item to send the test event for (default: rank 1)
#   VERIFY_EVENT        view (default) or order; a view leaves revenue and stock alone
#   DEPLOYMENT          the deployment name to read outputs from (default: resight, the name
#                       scripts/deploy.sh and docs/deploy.md deploy with)
#   TIMEOUT             seconds to wait for the re-rank and the SignalR message (default: 60)
#
# Needs curl, openssl, jq and node with the repository's npm packages (@microsoft/signalr).
# Exits 0 when every check passed, 1 otherwise.

set -uo pipefail

RG=${1:-${RG:-}}
TIMEOUT=${TIMEOUT:-60}
VERIFY_EVENT=${VERIFY_EVENT:-view}
DEPLOYMENT=${DEPLOYMENT:-resight}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d)
LISTENER=""
FAILED=0

cleanup() {
  [ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

ok() { printf 'ok    %s\n' "$1"; }
fail() {
  printf 'FAIL  %s\n' "$1"
  FAILED=1
}
die() {
  printf 'error: %s\n' "$1" >&2
  exit 1
}

for tool in curl openssl jq node; do
  command -v "$tool" >/dev/null || die "$tool is needed"
done
case "$VERIFY_EVENT" in view | order) ;; *) die "VERIFY_EVENT must be view or order" ;; esac

# -- discovery ------------------------------------------------------------------------------------

output() {
  az deployment group show -g "$RG" -n "$DEPLOYMENT" --query "properties.outputs.$1.value" -o tsv
}
if [ -z "${FUNCTION_HOST_URL:-}" ] || [ -z "${SWA_URL:-}" ] || [ -z "${FUNCTION_KEY:-}" ] ||
  [ -z "${WEBHOOK_SECRET:-}" ]; then
  [ -n "$RG" ] || die "usage: $0 <resource-group> (or set FUNCTION_HOST_URL, SWA_URL, FUNCTION_KEY, WEBHOOK_SECRET)"
  command -v az >/dev/null || die "az (Azure CLI) is needed to discover the deployment"
  APP=$(output functionAppName) || die "no deployment '$DEPLOYMENT' in $RG"
  FUNCTION_HOST_URL=${FUNCTION_HOST_URL:-https://$(output functionAppHostName)}
  SWA_URL=${SWA_URL:-$(output dashboardUrl)}
  FUNCTION_KEY=${FUNCTION_KEY:-$(az functionapp keys list -g "$RG" -n "$APP" --query functionKeys.default -o tsv)}
  WEBHOOK_SECRET=${WEBHOOK_SECRET:-$(az keyvault secret show --vault-name "$(output keyVaultName)" \
    -n webhook-amazon-secret --query value -o tsv)}
  BLOBS_EXTENSION_KEY=${BLOBS_EXTENSION_KEY:-$(az functionapp keys list -g "$RG" -n "$APP" \
    --query systemKeys.blobs_extension -o tsv)}
fi
BLOBS_EXTENSION_KEY=${BLOBS_EXTENSION_KEY:-}
FUNCTION_HOST_URL=${FUNCTION_HOST_URL%/}
SWA_URL=${SWA_URL%/}
echo "function host: $FUNCTION_HOST_URL"
echo "dashboard:     $SWA_URL"

# Calls through the Static Web App carry what the dashboard's own do: its Origin and the sign-in
# (curl arguments, and headers of the SignalR client's negotiate request).
SWA_AUTH=(-H "origin: $SWA_URL")
SIGNALR_AUTH=(--header "origin=$SWA_URL")
if [ -n "${SWA_COOKIE:-}" ]; then
  SWA_AUTH+=(-H "cookie: $SWA_COOKIE")
  SIGNALR_AUTH+=(--header "cookie=$SWA_COOKIE")
fi
if [ -n "${SWA_PRINCIPAL:-}" ]; then
  SWA_AUTH+=(-H "x-ms-client-principal: $SWA_PRINCIPAL")
  SIGNALR_AUTH+=(--header "x-ms-client-principal=$SWA_PRINCIPAL")
fi
[ -n "${SWA_COOKIE:-}${SWA_PRINCIPAL:-}" ] ||
  echo "note: no SWA_COOKIE: the dashboard API needs a signed-in user"

# http METHOD URL [curl args...]: the status code on stdout, the body in $WORK/body.
http() {
  local method=$1 url=$2
  shift 2
  # On a connection failure curl still prints 000 for %{http_code}.
  curl -sS --max-time 30 -o "$WORK/body" -w '%{http_code}' -X "$method" "$@" "$url" 2>"$WORK/curl.err" ||
    true
}
body() { cat "$WORK/body" 2>/dev/null; }
swa() {
  local method=$1 path=$2
  shift 2
  http "$method" "$SWA_URL$path" "${SWA_AUTH[@]}" "$@"
}

# -- 1. a forged principal straight to the function host is refused -------------------------------

forged=$(printf '%s' '{"identityProvider":"aad","userId":"forged","userDetails":"forged@example.com","userRoles":["anonymous","authenticated","admin"]}' |
  openssl base64 -A)
status=$(http POST "$FUNCTION_HOST_URL/api/rules/pin" -H "x-ms-client-principal: $forged" \
  -H "content-type: application/json" --data '{"item_id":"verify-forged-principal"}')
case "$status" in
  401 | 403) ok "forged admin principal to the function host refused ($status)" ;;
  2??)
    fail "forged admin principal to the function host ACCEPTED ($status): anyone can change rules"
    rule=$(body | jq -r '.id // empty')
    [ -n "$rule" ] && http DELETE "$FUNCTION_HOST_URL/api/rules/$rule" \
      -H "x-ms-client-principal: $forged" >/dev/null
    ;;
  *) fail "forged principal: expected 401 or 403, got $status $(body | head -c 300)" ;;
esac

# -- 2. the dependency check, then the dashboard API through the Static Web App --------------------

# check_health <where>: /api/health's answer (in $WORK/body, status in $status) reports every
# dependency, none required is down, and every Key Vault reference resolved.
DEPENDENCIES='["blob_imports","blob_lake","blob_models","cosmos","openai","signalr","whatsapp"]'
check_health() {
  local where=$1
  if [ "$status" != 200 ]; then
    fail "GET /api/health $where: $status $(body | head -c 400)"
    return
  fi
  if ! body | jq -e --argjson names "$DEPENDENCIES" \
    '(.dependencies | keys) == $names and (.unresolved_settings | type) == "array"' >/dev/null 2>&1; then
    fail "GET /api/health $where: not every dependency reported: $(body | head -c 400)"
    return
  fi
  ok "GET /api/health $where ($(body | jq -r '.status'); $(body | jq -r '[.dependencies | to_entries[] | "\(.key) \(.value.status)"] | join(", ")'))"
}

status=$(http GET "$FUNCTION_HOST_URL/api/health")
check_health "straight to the function host"
unresolved=$(body | jq -r '(.unresolved_settings // []) | join(", ")' 2>/dev/null)
if [ "$status" = 200 ] && [ -n "$unresolved" ]; then
  fail "Key Vault references not resolved (each is 'not configured' in the app): $unresolved; see docs/deploy.md 'Key Vault references'"
elif [ "$status" = 200 ]; then
  ok "every Key Vault reference resolved"
fi
status=$(swa GET /api/health)
check_health "through the Static Web App"

ITEM_ID=${ITEM_ID:-}
status=$(swa POST /api/rank -H "content-type: application/json" --data '{"limit":1}')
if [ "$status" = 200 ] && body | jq -e '.items' >/dev/null 2>&1; then
  ok "POST /api/rank through the Static Web App (model $(body | jq -r '.model_version'))"
  ITEM_ID=${ITEM_ID:-$(body | jq -r '.items[0].item_id // empty')}
else
  fail "POST /api/rank through the Static Web App: $status $(body | head -c 300)"
fi

counter=views
[ "$VERIFY_EVENT" = order ] && counter=orders
before=""
if [ -z "$ITEM_ID" ]; then
  fail "no item to send a test event for: the catalogue is empty (set ITEM_ID)"
else
  status=$(swa GET "/api/item/$ITEM_ID")
  if [ "$status" = 200 ]; then
    before=$(body | jq -r ".totals.$counter // 0")
    price=$(body | jq -r '.price // 100')
    ok "GET /api/item/$ITEM_ID through the Static Web App ($counter: $before)"
  else
    fail "GET /api/item/$ITEM_ID through the Static Web App: $status $(body | head -c 300)"
  fi
fi

if [ -n "$before" ]; then
  marker="verify-$(date +%s)-$(openssl rand -hex 4)"

  # -- 5 (started first). a SignalR client, negotiating through the Static Web App --------------
  node "$HERE/signalr-wait.mjs" --url "$SWA_URL/api" "${SIGNALR_AUTH[@]}" --target event \
    --match "$marker" --timeout-ms "$((TIMEOUT * 1000))" >"$WORK/signalr.log" 2>&1 &
  LISTENER=$!
  for _ in $(seq 1 100); do
    grep -q . "$WORK/signalr.log" 2>/dev/null && break
    sleep 0.2
  done

  # -- 3. a signed webhook straight to the function host -----------------------------------------
  if [ "$VERIFY_EVENT" = order ]; then
    payload=$(jq -cn --arg item "$ITEM_ID" --arg id "$marker" --argjson price "$price" \
      '{eventType: "ORDER_PLACED", asin: $item, price: $price, quantity: 1, region: "IN", orderId: $id}')
  else
    payload=$(jq -cn --arg item "$ITEM_ID" --arg id "$marker" \
      '{eventType: "VIEW", asin: $item, region: "IN", eventId: $id}')
  fi
  # docs/webhooks.md: hex HMAC-SHA256 of "<timestamp>." + body with the secret.
  ts=$(date +%s)
  signature=$(printf '%s.%s' "$ts" "$payload" | openssl dgst -sha256 -hmac "$WEBHOOK_SECRET" -r |
    cut -d' ' -f1)
  status=$(http POST "$FUNCTION_HOST_URL/api/integrations/amazon/webhook" \
    -H "x-functions-key: $FUNCTION_KEY" -H "content-type: application/json" \
    -H "X-ReSight-Timestamp: $ts" -H "X-ReSight-Signature: sha256=$signature" --data "$payload")
  if [ "$status" = 200 ] && [ "$(body | jq -r '.status')" = recorded ]; then
    ok "signed webhook straight to the function host recorded ($marker)"
  else
    fail "signed webhook straight to the function host: $status $(body | head -c 300)"
  fi

  # -- 4. the change feed projects and re-ranks it ---------------------------------------------
  deadline=$((SECONDS + TIMEOUT))
  after=$before
  while [ "$SECONDS" -lt "$deadline" ]; do
    if [ "$(swa GET "/api/item/$ITEM_ID")" = 200 ]; then
      after=$(body | jq -r ".totals.$counter // 0")
      score=$(body | jq -r '.score')
      [ "$after" -gt "$before" ] && [ "$score" != null ] && break
    fi
    sleep 1
  done
  if [ "$after" -gt "$before" ]; then
    ok "change feed projected and re-ranked $ITEM_ID ($counter $before -> $after, score $score)"
  else
    fail "change feed: $ITEM_ID $counter still $after after ${TIMEOUT}s"
  fi

  # -- 5. the SignalR client received the event ---------------------------------------------------
  if wait "$LISTENER"; then
    ok "SignalR client received the event ($(tail -n 1 "$WORK/signalr.log" | head -c 150))"
  else
    fail "SignalR: $(tr '\n' ' ' <"$WORK/signalr.log" | head -c 300)"
  fi
  LISTENER=""
fi

# -- 6. Event Grid's handshake reaches the blobs extension past App Service authentication --------

# What the Event Grid subscription (infra/bicep/modules/eventgrid.bicep) sends first: without
# /runtime/webhooks/blobs in the excluded paths App Service authentication answers 401 and the
# subscription cannot be created.
if [ -z "$BLOBS_EXTENSION_KEY" ]; then
  fail "Event Grid handshake: no blobs_extension key (publish the code first; scripts/deploy.sh waits for the key)"
else
  code="verify-$(openssl rand -hex 8)"
  handshake=$(jq -cn --arg code "$code" --arg time "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '[{
    id: $code, topic: "verify-deployment", subject: "", data: {validationCode: $code},
    eventType: "Microsoft.EventGrid.SubscriptionValidationEvent", eventTime: $time,
    metadataVersion: "1", dataVersion: "1"}]')
  status=$(http POST "$FUNCTION_HOST_URL/runtime/webhooks/blobs?functionName=Host.Functions.import_blob" \
    -H "aeg-event-type: SubscriptionValidation" -H "content-type: application/json" \
    -H "x-functions-key: $BLOBS_EXTENSION_KEY" --data "$handshake")
  if [ "$status" = 200 ] && [ "$(body | jq -r '.validationResponse // empty' 2>/dev/null)" = "$code" ]; then
    ok "Event Grid handshake answered at /runtime/webhooks/blobs (not behind App Service authentication)"
  elif [ "$status" = 401 ]; then
    fail "Event Grid handshake: 401 at /runtime/webhooks/blobs: App Service authentication or a wrong blobs_extension key (excludedPaths must list /runtime/webhooks/blobs)"
  else
    fail "Event Grid handshake at /runtime/webhooks/blobs: $status $(body | head -c 300)"
  fi
fi

if [ "$FAILED" = 0 ]; then echo "all checks passed"; else echo "some checks FAILED"; fi
exit "$FAILED"
