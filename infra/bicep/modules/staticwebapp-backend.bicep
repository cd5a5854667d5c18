// Links the Function App as the dashboard's /api backend, then sets what we need of the Function
// App's own authentication so that only the Static Web App can reach the dashboard API. Separate
// from staticwebapp.bicep because the SignalR CORS origin needs the site's hostname before the
// Function App exists.
//
// Linking registers the Static Web Apps identity provider on the Function App's App Service
// authentication and gives the Static Web App exclusive access: with nothing else, every
// marketplace webhook (called straight at the function host) and Event Grid's deliveries would
// get a 401. The deployment script below then changes only globalValidation (sign-in required,
// 401 without a token, and the excluded paths) by read-modify-write of authsettingsV2, keeping
// the provider and client id the link registered (merge-auth-settings.sh says why a declared
// authsettingsV2 resource cannot). The API trusts x-ms-client-principal only because nothing
// else can reach it; docs/deploy.md has the post-deploy check that a forged principal is refused.

param staticWebAppName string
param functionAppName string
param functionAppLocation string
param tags object = {}

@description('Resource id of the user-assigned identity the deployment script signs in as; it holds Website Contributor in the resource group (rbac.bicep).')
param scriptIdentityId string

// A new value on every deployment, so the script runs each time: a relink (portal or
// az staticwebapp backends link) rewrites the settings between deployments.
param scriptRunTag string = utcNow()

resource site 'Microsoft.Web/staticSites@2023-12-01' existing = {
  name: staticWebAppName
}

resource functionApp 'Microsoft.Web/sites@2023-12-01' existing = {
  name: functionAppName
}

// The paths App Service authentication lets through without a token: the one list, for every
// way the auth settings are written (and read by devhost's local stand-in, devhost/easyauth.py).
// Marketplaces call the webhooks directly (function key and HMAC signature); the health check is
// for probes and the Static Web App route that allows anonymous callers; Event Grid delivers the
// import blob trigger's events (and its subscription handshake) to the blobs extension endpoint,
// which the blobs_extension system key guards (MicrosoftDocs/azure-docs#99036: without it the
// handshake gets a 401 and the Event Grid deployment fails).
var authExcludedPaths = [
  '/api/integrations/*'
  '/api/health'
  '/runtime/webhooks/blobs'
]

resource backend 'Microsoft.Web/staticSites/linkedBackends@2023-12-01' = {
  parent: site
  name: 'backend'
  properties: {
    backendResourceId: functionApp.id
    region: functionAppLocation
  }
}

// App Service authentication (Easy Auth) on the Function App: read, change globalValidation,
// write back (merge-auth-settings.sh), after the link on every deployment. The identity provider
// is the one the link registered; nothing here names or guesses its client id.
resource authSettings 'Microsoft.Resources/deploymentScripts@2023-08-01' = {
  name: 'auth-settings-${functionAppName}'
  location: functionAppLocation
  tags: tags
  kind: 'AzureCLI'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${scriptIdentityId}': {}
    }
  }
  dependsOn: [
    backend
  ]
  properties: {
    azCliVersion: '2.63.0'
    forceUpdateTag: scriptRunTag
    timeout: 'PT20M'
    retentionInterval: 'PT1H'
    cleanupPreference: 'OnSuccess'
    environmentVariables: [
      {
        name: 'SITE_ID'
        value: functionApp.id
      }
      {
        name: 'EXCLUDED_PATHS'
        value: string(authExcludedPaths)
      }
    ]
    scriptContent: loadTextContent('merge-auth-settings.sh')
  }
}
