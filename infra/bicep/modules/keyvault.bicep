// Key Vault (RBAC mode) holding what must stay secret: the three marketplace webhook secrets,
// which operators set themselves (docs/deploy.md), and the SignalR connection string, written
// here from the service's keys so that it never passes through a person or a pipeline log.

param name string
param location string
param tags object
param signalRName string
param signalRSecretName string

@description('Purge protection cannot be switched off once on; a torn-down vault then blocks its name for the retention period.')
param purgeProtection bool

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // null leaves the property out: sending false to a vault that has it on is an error.
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' existing = {
  name: signalRName
}

resource signalRConnection 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: signalRSecretName
  properties: {
    value: signalR.listKeys().primaryConnectionString
    contentType: 'Azure SignalR connection string'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
