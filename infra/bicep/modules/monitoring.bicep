// Log Analytics workspace and the workspace-based Application Insights the app exports to.

param workspaceName string
param insightsName string
param location string
param tags object

@description('Daily ingestion cap in GB (-1 for none). Protects a small budget from a log storm.')
param dailyQuotaGb int

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
    workspaceCapping: {
      dailyQuotaGb: dailyQuotaGb
    }
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: insightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    // Telemetry is accepted only with an Entra token (Monitoring Metrics Publisher in
    // rbac.bicep), so the instrumentation key in the connection string cannot be abused.
    DisableLocalAuth: true
  }
}

output insightsName string = insights.name
output workspaceId string = workspace.id
