// ReSight on Azure: one resource group holding the Function App (Flex Consumption), Cosmos DB
// (serverless), Storage, SignalR Service, the Static Web App dashboard, Key Vault and
// Application Insights. Deploy with:
//   az deployment group create -g <group> -f infra/bicep/main.bicep -p infra/bicep/main.parameters.json
// Outputs name what the next steps (publish, secrets, dashboard) need; none of them is a secret.

targetScope = 'resourceGroup'

@minLength(3)
@maxLength(12)
@description('3-12 lowercase letters and digits, starting with a letter; resource names are derived from it and the resource group.')
param name string = 'resight'

@description('Region of everything but the Static Web App. It must offer Flex Consumption.')
param location string = resourceGroup().location

@description('Static Web Apps run in a few regions only; eastasia is the nearest to India.')
@allowed([
  'centralus'
  'eastasia'
  'eastus2'
  'westeurope'
  'westus2'
])
param staticWebAppLocation string = 'eastasia'

// 512 MB is left out: such an instance has a quarter of a vCPU, and importing LightGBM and SHAP
// alone takes seconds of CPU (docs/cost.md), too close to Flex Consumption's 30 s start-up limit.
@description('Memory of each Function App instance, in MB.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

// 40 is the lowest maximum Flex Consumption documents; lower values are a regional preview.
@description('Upper bound on Function App instances: the cost ceiling of a traffic spike.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Free_F1 serves 20 connections and 20,000 messages a day: enough to try it out.')
@allowed([
  'Free_F1'
  'Standard_S1'
])
param signalRSku string = 'Standard_S1'

@description('Log Analytics daily ingestion cap in GB; -1 removes the cap.')
param logDailyQuotaGb int = 1

param keyVaultPurgeProtection bool = true

// Off in Azure unless asked for: a deployment serves a seller's real stores, and a demo feed
// left on costs Cosmos DB writes and wakes an instance every few seconds (docs/cost.md).
@description('Generate mock (demo) traffic while no marketplace store is active; for a demo only.')
param mockEnabled bool = false

@description('Mock events per tick (every 5 s); it drives the Cosmos DB and log bill of a demo.')
@minValue(0)
@maxValue(5000)
param mockEventsPerTick int = 40

@description('NCRONTAB schedule of the full re-rank pass (RECONCILE_SCHEDULE).')
param reconcileSchedule string = '*/30 * * * * *'

@description('Subscribe the import blob trigger to the storage account\'s Event Grid events. The subscription needs the blobs extension key, which exists only once the app code (with its blob trigger) runs: deploy with false, publish the app, deploy again with true.')
param importsEventGrid bool = false

@description('Extra browser origins for SignalR, such as a custom dashboard domain.')
param extraDashboardOrigins array = []

@description('Object id of whoever deploys (user or CI identity): may set secrets and upload models.')
param deployerPrincipalId string = ''

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param deployerPrincipalType string = 'User'

@description('Deploy Azure OpenAI (an account and a gpt-4o-mini deployment) for the AI analyst.')
param analystOpenAI bool = false

@description('Azure OpenAI region (gpt-4o-mini GlobalStandard is offered in most regions).')
param openAiLocation string = location

param tags object = {
  application: 'resight'
}

// Bicep has no pattern decorator, so `name` is checked here: 3-12 lowercase letters and digits,
// starting with a letter. Every derived name then stays within its service's rules (lowercase
// for Storage and Cosmos DB, no double or trailing hyphen for Key Vault); tests/unit/test_infra.py
// checks them. A name that fails stops the deployment before anything is created: int() of the
// message is a template error that quotes it (ARM evaluates only the branch `?:` takes).
var nameLetters = 'abcdefghijklmnopqrstuvwxyz'
var nameCharacters = map(range(0, length(name)), i => substring(name, i, 1))
var nameIsValid = contains(nameLetters, first(nameCharacters)) && empty(filter(nameCharacters, c => !contains('${nameLetters}0123456789', c)))
var baseName = nameIsValid ? name : string(int('The name parameter must be 3-12 lowercase letters and digits, starting with a letter.'))

var token = uniqueString(resourceGroup().id, baseName)
var deploymentContainerName = 'app-package'
var modelsContainerName = 'models'
var importsContainerName = 'imports'
var lakeContainerName = 'lake'
var signalRSecretName = 'signalr-connection-string'
var webhookSecretNames = {
  amazon: 'webhook-amazon-secret'
  myntra: 'webhook-myntra-secret'
  meesho: 'webhook-meesho-secret'
}

// The analyst's model: without it the Analyst page is a SQL console over the same guard.
module openAi 'modules/openai.bicep' = if (analystOpenAI) {
  name: 'openai'
  params: {
    // Cognitive Services names double as the endpoint's subdomain: 2-64 letters, digits, '-'.
    name: 'oai-${baseName}-${token}'
    location: openAiLocation
    tags: tags
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: 'id-${baseName}-${token}'
    location: location
    tags: tags
  }
}

// The identity of the deployment script that merges the Function App's authentication settings
// (modules/staticwebapp-backend.bicep); Website Contributor in this resource group (rbac.bicep).
module authScriptIdentity 'modules/identity.bicep' = {
  name: 'auth-script-identity'
  params: {
    name: 'id-${baseName}-auth-${token}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: 'log-${baseName}-${token}'
    insightsName: 'appi-${baseName}-${token}'
    location: location
    tags: tags
    dailyQuotaGb: logDailyQuotaGb
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    // Storage names: 3-24 lowercase letters and digits, globally unique.
    name: 'st${take(baseName, 9)}${token}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    modelsContainerName: modelsContainerName
    importsContainerName: importsContainerName
    lakeContainerName: lakeContainerName
    // The Imports page PUTs files straight to Blob with a write-only SAS link.
    uploadOrigins: concat([
      'https://${dashboard.outputs.defaultHostname}'
    ], extraDashboardOrigins)
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    accountName: 'cosmos-${baseName}-${token}'
    databaseName: 'resight'
    location: location
    tags: tags
  }
}

module dashboard 'modules/staticwebapp.bicep' = {
  name: 'dashboard'
  params: {
    name: 'swa-${baseName}-${token}'
    location: staticWebAppLocation
    tags: tags
  }
}

module signalR 'modules/signalr.bicep' = {
  name: 'signalr'
  params: {
    name: 'sigr-${baseName}-${token}'
    location: location
    tags: tags
    sku: signalRSku
    allowedOrigins: concat([
      'https://${dashboard.outputs.defaultHostname}'
    ], extraDashboardOrigins)
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    // Vault names: 3-24 characters, globally unique.
    name: 'kv-${take(baseName, 6)}-${token}'
    location: location
    tags: tags
    signalRName: signalR.outputs.name
    signalRSecretName: signalRSecretName
    purgeProtection: keyVaultPurgeProtection
  }
}

module rbac 'rbac.bicep' = {
  name: 'rbac'
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    modelsContainerName: modelsContainerName
    cosmosAccountName: cosmos.outputs.accountName
    keyVaultName: keyVault.outputs.name
    insightsName: monitoring.outputs.insightsName
    deployerPrincipalId: deployerPrincipalId
    deployerPrincipalType: deployerPrincipalType
    openAiAccountName: analystOpenAI ? openAi.outputs.name : ''
    authScriptPrincipalId: authScriptIdentity.outputs.principalId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  // The app starts as soon as it exists; its identity must already hold its roles.
  dependsOn: [
    rbac
  ]
  params: {
    planName: 'plan-${baseName}-${token}'
    appName: 'func-${baseName}-${token}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    deploymentContainerName: deploymentContainerName
    modelsContainerName: modelsContainerName
    importsContainerName: importsContainerName
    lakeContainerName: lakeContainerName
    openAiEndpoint: analystOpenAI ? openAi.outputs.endpoint : ''
    openAiDeployment: analystOpenAI ? openAi.outputs.deploymentName : 'gpt-4o-mini'
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    insightsName: monitoring.outputs.insightsName
    keyVaultName: keyVault.outputs.name
    signalRSecretName: signalRSecretName
    signalRHub: 'resight'
    webhookSecretNames: webhookSecretNames
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    mockEnabled: mockEnabled
    mockEventsPerTick: mockEventsPerTick
    reconcileSchedule: reconcileSchedule
  }
}

// Files landing in the imports container's incoming/ start the import_blob function (the only
// blob trigger source Flex Consumption supports is Event Grid).
module importEvents 'modules/eventgrid.bicep' = if (importsEventGrid) {
  name: 'import-events'
  // The subscription's validation handshake needs /runtime/webhooks/blobs excluded from App
  // Service authentication first.
  dependsOn: [
    dashboardBackend
  ]
  params: {
    storageAccountName: storage.outputs.name
    functionAppName: functionApp.outputs.name
    importsContainerName: importsContainerName
    location: location
    tags: tags
  }
}

// Links the Function App as the dashboard's /api, then merges what we need into the Function
// App's own authentication: only the Static Web App may call the API; the webhooks,
// /api/health and Event Grid's blobs extension endpoint stay open to their callers (function
// or system key and signature, or nothing).
module dashboardBackend 'modules/staticwebapp-backend.bicep' = {
  name: 'dashboard-backend'
  // The script's identity must hold its role before the script signs in.
  dependsOn: [
    rbac
  ]
  params: {
    staticWebAppName: dashboard.outputs.name
    functionAppName: functionApp.outputs.name
    functionAppLocation: location
    tags: tags
    scriptIdentityId: authScriptIdentity.outputs.id
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppHostName string = functionApp.outputs.defaultHostName
output staticWebAppName string = dashboard.outputs.name
output dashboardUrl string = 'https://${dashboard.outputs.defaultHostname}'
output keyVaultName string = keyVault.outputs.name
output webhookSecretNames object = webhookSecretNames
output storageAccountName string = storage.outputs.name
output cosmosAccountName string = cosmos.outputs.accountName
output signalRName string = signalR.outputs.name
