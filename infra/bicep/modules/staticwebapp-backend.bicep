// Links the Function App as the dashboard's /api backend, then sets the Function App's own
// authentication so that only the Static Web App can reach the dashboard API. Separate from
// staticwebapp.bicep because the SignalR CORS origin needs the site's hostname before the
// Function App exists.
//
// Why the explicit authsettingsV2: linking gives the Static Web App exclusive access to a
// Function App that has no authentication policy of its own, which would turn every marketplace
// webhook (called straight at the function host) into a 401. Declared here, after the link, the
// policy is ours: the Static Web Apps provider for the dashboard API, and the webhooks and the
// health check excluded. The API trusts x-ms-client-principal only because nothing else can
// reach it; docs/deploy.md has the post-deploy check that a forged principal is refused.

param staticWebAppName string
param functionAppName string
param functionAppLocation string

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

// App Service authentication (Easy Auth) on the Function App, written after the link on every
// deployment: the link writes the Function App's auth settings itself (they even outlive an
// unlink). Whether a later link overwrites this or merges into it is the post-deploy check in
// docs/deploy.md.
resource auth 'Microsoft.Web/sites/config@2023-12-01' = {
  parent: functionApp
  name: 'authsettingsV2'
  dependsOn: [
    backend
  ]
  properties: {
    platform: {
      enabled: true
      runtimeVersion: '~1'
    }
    globalValidation: {
      requireAuthentication: true
      // An API has no login page to send a caller to.
      unauthenticatedClientAction: 'Return401'
      excludedPaths: authExcludedPaths
    }
    identityProviders: {
      // Only requests the linked Static Web App forwards carry a token this provider accepts;
      // any other request to an API path gets 401 before it reaches the app, forged
      // x-ms-client-principal or not.
      azureStaticWebApps: {
        enabled: true
        registration: {
          clientId: site.properties.defaultHostname
        }
      }
      azureActiveDirectory: {
        enabled: false
      }
      apple: {
        enabled: false
      }
      facebook: {
        enabled: false
      }
      gitHub: {
        enabled: false
      }
      google: {
        enabled: false
      }
      legacyMicrosoftAccount: {
        enabled: false
      }
      twitter: {
        enabled: false
      }
    }
    httpSettings: {
      requireHttps: true
      routes: {
        apiPrefix: '/.auth'
      }
      forwardProxy: {
        convention: 'NoProxy'
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}
