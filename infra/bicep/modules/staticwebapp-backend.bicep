// Links the Function App as the dashboard's /api backend. Separate from staticwebapp.bicep
// because the SignalR CORS origin needs the site's hostname before the Function App exists.

param staticWebAppName string
param functionAppId string
param functionAppLocation string

resource site 'Microsoft.Web/staticSites@2023-12-01' existing = {
  name: staticWebAppName
}

resource backend 'Microsoft.Web/staticSites/linkedBackends@2023-12-01' = {
  parent: site
  name: 'backend'
  properties: {
    backendResourceId: functionAppId
    region: functionAppLocation
  }
}
