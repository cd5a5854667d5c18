// The Function App on the Flex Consumption plan. Runtime, scale and the deployment container
// live in functionAppConfig (FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION and
// WEBSITE_RUN_FROM_PACKAGE are not used on this plan). Every connection signs in as the
// user-assigned identity; the only secrets are Key Vault references.

param planName string
param appName string
param location string
param tags object

param identityId string
param identityClientId string

param blobEndpoint string
param queueEndpoint string
param deploymentContainerName string
param modelsContainerName string
param importsContainerName string = 'imports'

param cosmosEndpoint string
param cosmosDatabaseName string = 'resight'

param insightsName string
param keyVaultName string
param signalRSecretName string
param signalRHub string
param webhookSecretNames object
// The salt of buyer keys (analytics keeps only HMAC-SHA256(salt, key)); put it in Key Vault.
param buyerKeySaltSecretName string = 'buyer-key-salt'
// Azure OpenAI for the analyst (modules/openai.bicep); empty: the Analyst page is a SQL console.
param openAiEndpoint string = ''
param openAiDeployment string = 'gpt-4o-mini'

// Not 512: a quarter of a vCPU imports LightGBM and SHAP too slowly for the 30 s start-up limit.
@allowed([
  2048
  4096
])
param instanceMemoryMB int

// The lowest maximum Flex Consumption documents outside regional previews.
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

// App options: defaults are those of shared/core/settings.py.
param webhookMaxAgeSeconds int = 300
param webhookTokenMarketplaces array = [
  'amazon'
]
param maxBodyBytes int = 262144
param eventsTtlDays int = 90
param lowStockThreshold int = 10
param broadcastTopN int = 50
param reconcileSchedule string = '*/30 * * * * *'
param mockSchedule string = '*/5 * * * * *'
param mockEnabled bool = true
param mockEventsPerTick int = 40
param mockSeed int = 7
param importMaxBytes int = 52428800
param importSweepSchedule string = '0 */5 * * * *'
param importTimezone string = 'Asia/Kolkata'
@allowed([
  'amazon'
  'myntra'
  'meesho'
])
param importDefaultMarketplace string = 'amazon'
param workbookSheetAliases object = {}
param qualitySchedule string = '0 10 * * * *'
param lakeContainerName string = 'lake'
param lakeSchedule string = '0 20 * * * *'
param queryTimeoutSeconds int = 5
param queryMaxRows int = 1000
param dailyJobSchedule string = '0 */5 * * * *'
param dailyJobHourIst int = 6
param jobStaleSeconds int = 300
param jobBackoffSeconds int = 60
param jobMaxAttempts int = 3
// [{phone, role: founder | co-founder | store_manager, store_id?, name?}]
param alertRecipients array = []
// Inventory danger levels: days without a sale, and the days of cover that raise a level.
param dangerEarlyDays int = 30
param dangerHighDays int = 60
param dangerCriticalDays int = 90
param dangerCoverRaiseDays int = 90
// The WhatsApp Cloud API (Graph); the access token lives in Key Vault (set it yourself).
param whatsappBaseUrl string = 'https://graph.facebook.com/v22.0'
param whatsappPhoneNumberId string = ''
param whatsappTokenSecretName string = 'whatsapp-access-token'
param whatsappTemplateName string = 'inventory_danger_alert'
param whatsappTextTemplateName string = 'inventory_danger_alert_text'
param whatsappTemplateLanguage string = 'en'
param whatsappAppSecretName string = 'whatsapp-app-secret'
param whatsappVerifyTokenName string = 'whatsapp-verify-token'
// Amazon's Selling Partner API (catch-up and history): the app's LWA client id and secret and
// the seller's refresh token live in Key Vault (set them yourself, docs/amazon.md). India is
// served by the EU endpoint, marketplace A21TJRUUN4KGV.
param spApiEndpoint string = 'https://sellingpartnerapi-eu.amazon.com'
param spApiTokenUrl string = 'https://api.amazon.com/auth/o2/token'
param spApiMarketplaceId string = 'A21TJRUUN4KGV'
param spApiClientIdSecretName string = 'sp-api-lwa-client-id'
param spApiClientSecretName string = 'sp-api-lwa-client-secret'
param spApiRefreshTokenSecretName string = 'sp-api-refresh-token'
param spApiCatchupSchedule string = '0 */5 * * * *'
param spApiBackfillDays int = 365

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: insightsName
}

func keyVaultReference(vault string, secret string) string => '@Microsoft.KeyVault(VaultName=${vault};SecretName=${secret})'

// Every setting shared/core/settings.py reads, plus what the host and the Cosmos trigger need.
// Names match local.settings.example.json; tests/unit/test_settings_sync.py keeps them in step.
var appSettings = {
  // Host storage, identity-based: no AzureWebJobsStorage connection string exists. Blobs hold
  // function keys and timer locks; the queue URI is there for the import blob trigger, which
  // keeps its poison-blob queue in host storage. No tables: no Durable Functions.
  AzureWebJobsStorage__blobServiceUri: blobEndpoint
  AzureWebJobsStorage__queueServiceUri: queueEndpoint
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId

  // Read by the Python exporter and the host: telemetry is sent with an Entra token.
  APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

  // The change-feed trigger (credential) and the app's Cosmos client share one connection.
  CosmosDB__accountEndpoint: cosmosEndpoint
  CosmosDB__credential: 'managedidentity'
  CosmosDB__clientId: identityClientId
  COSMOS_DATABASE_NAME: cosmosDatabaseName

  ModelStorage__blobServiceUri: blobEndpoint
  // The blob trigger keeps its queue in the connection's queue service: the blobServiceUri
  // form needs queueServiceUri beside it, or the trigger does not start (Microsoft's blob
  // trigger reference, "Identity-based connections"; devhost/bindings.py checks it).
  ModelStorage__queueServiceUri: queueEndpoint
  ModelStorage__clientId: identityClientId
  ModelStorage__modelsContainer: modelsContainerName
  // The import blob trigger reads through the same connection (identity-based).
  ModelStorage__credential: 'managedidentity'

  SignalR__connectionString: keyVaultReference(keyVaultName, signalRSecretName)
  SignalR__hub: signalRHub

  Webhooks__amazonSecret: keyVaultReference(keyVaultName, webhookSecretNames.amazon)
  Webhooks__myntraSecret: keyVaultReference(keyVaultName, webhookSecretNames.myntra)
  Webhooks__meeshoSecret: keyVaultReference(keyVaultName, webhookSecretNames.meesho)

  Analytics__buyerKeySalt: keyVaultReference(keyVaultName, buyerKeySaltSecretName)
  AzureOpenAI__endpoint: openAiEndpoint
  AzureOpenAI__deployment: openAiDeployment
  AzureOpenAI__apiVersion: '2024-10-21'
  AzureOpenAI__clientId: identityClientId

  WhatsApp__baseUrl: whatsappBaseUrl
  WhatsApp__phoneNumberId: whatsappPhoneNumberId
  WhatsApp__accessToken: keyVaultReference(keyVaultName, whatsappTokenSecretName)
  WhatsApp__templateName: whatsappTemplateName
  WhatsApp__textTemplateName: whatsappTextTemplateName
  WhatsApp__templateLanguage: whatsappTemplateLanguage
  WhatsApp__appSecret: keyVaultReference(keyVaultName, whatsappAppSecretName)
  WhatsApp__verifyToken: keyVaultReference(keyVaultName, whatsappVerifyTokenName)

  AmazonSpApi__endpoint: spApiEndpoint
  AmazonSpApi__tokenUrl: spApiTokenUrl
  AmazonSpApi__marketplaceId: spApiMarketplaceId
  AmazonSpApi__lwaClientId: keyVaultReference(keyVaultName, spApiClientIdSecretName)
  AmazonSpApi__lwaClientSecret: keyVaultReference(keyVaultName, spApiClientSecretName)
  AmazonSpApi__refreshToken: keyVaultReference(keyVaultName, spApiRefreshTokenSecretName)
  SP_API_CATCHUP_SCHEDULE: spApiCatchupSchedule
  SP_API_BACKFILL_DAYS: string(spApiBackfillDays)

  WEBHOOK_MAX_AGE_SECONDS: string(webhookMaxAgeSeconds)
  WEBHOOK_TOKEN_MARKETPLACES: string(webhookTokenMarketplaces)
  MAX_BODY_BYTES: string(maxBodyBytes)
  EVENTS_TTL_DAYS: string(eventsTtlDays)
  LOW_STOCK_THRESHOLD: string(lowStockThreshold)
  BROADCAST_TOP_N: string(broadcastTopN)
  RECONCILE_SCHEDULE: reconcileSchedule
  MOCK_SCHEDULE: mockSchedule
  MOCK_ENABLED: mockEnabled ? 'true' : 'false'
  MOCK_EVENTS_PER_TICK: string(mockEventsPerTick)
  MOCK_SEED: string(mockSeed)

  IMPORTS_CONTAINER: importsContainerName
  IMPORT_MAX_BYTES: string(importMaxBytes)
  IMPORT_SWEEP_SCHEDULE: importSweepSchedule
  IMPORT_TIMEZONE: importTimezone
  IMPORT_DEFAULT_MARKETPLACE: importDefaultMarketplace
  WORKBOOK_SHEET_ALIASES: string(workbookSheetAliases)
  QUALITY_SCHEDULE: qualitySchedule
  LAKE_CONTAINER: lakeContainerName
  LAKE_SCHEDULE: lakeSchedule
  QUERY_TIMEOUT_SECONDS: string(queryTimeoutSeconds)
  QUERY_MAX_ROWS: string(queryMaxRows)
  DAILY_JOB_SCHEDULE: dailyJobSchedule
  DAILY_JOB_HOUR_IST: string(dailyJobHourIst)
  JOB_STALE_SECONDS: string(jobStaleSeconds)
  JOB_BACKOFF_SECONDS: string(jobBackoffSeconds)
  JOB_MAX_ATTEMPTS: string(jobMaxAttempts)
  ALERT_RECIPIENTS: string(alertRecipients)
  DANGER_EARLY_DAYS: string(dangerEarlyDays)
  DANGER_HIGH_DAYS: string(dangerHighDays)
  DANGER_CRITICAL_DAYS: string(dangerCriticalDays)
  DANGER_COVER_RAISE_DAYS: string(dangerCoverRaiseDays)

  // A disabled mock still wakes an instance every few seconds; this stops the timer itself.
  'AzureWebJobs.mock_feed.Disabled': mockEnabled ? 'false' : 'true'
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2023-12-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve as the user-assigned identity (Key Vault Secrets User).
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: appSettings
  }
}

output id string = app.id
output name string = app.name
output defaultHostName string = app.properties.defaultHostName
