// One storage account: the Functions host's own state (AzureWebJobsStorage), the Flex
// Consumption deployment package, the models container the app reads and writes, and the
// imports drop container (incoming/, processed/, errors/, images/).
// Shared keys are off: every client, the host included, signs in with Entra ID.

param name string
param location string
param tags object
param deploymentContainerName string
param modelsContainerName string
param importsContainerName string
param lakeContainerName string
@description('Origins of the dashboard, allowed to PUT import files with a SAS link (CORS).')
param uploadOrigins array

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }

  resource blobs 'blobServices' = {
    name: 'default'
    properties: {
      // The dashboard uploads import files straight to incoming/ with a short-lived,
      // write-only SAS link (POST /api/imports/uploads): no function holds the file.
      cors: {
        corsRules: [
          {
            allowedOrigins: uploadOrigins
            allowedMethods: [
              'PUT'
              'OPTIONS'
            ]
            allowedHeaders: [
              'content-type'
              'x-ms-blob-type'
              'x-ms-version'
              'x-ms-client-request-id'
            ]
            exposedHeaders: [
              'etag'
              'x-ms-request-id'
            ]
            maxAgeInSeconds: 3600
          }
        ]
      }
      // A deleted or overwritten model can be brought back for a week.
      deleteRetentionPolicy: {
        enabled: true
        days: 7
      }
      containerDeleteRetentionPolicy: {
        enabled: true
        days: 7
      }
    }

    resource deployment 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }

    resource models 'containers' = {
      name: modelsContainerName
      properties: {
        publicAccess: 'None'
      }
    }

    resource imports 'containers' = {
      name: importsContainerName
      properties: {
        publicAccess: 'None'
      }
    }

    // The analytics lake: Hive-partitioned Parquet (bronze, silver, gold).
    resource lake 'containers' = {
      name: lakeContainerName
      properties: {
        publicAccess: 'None'
      }
    }

    // The demo's own (shared/core/dataset.py): empty unless a demo runs.
    resource demoImports 'containers' = {
      name: '${importsContainerName}-demo'
      properties: {
        publicAccess: 'None'
      }
    }

    resource demoLake 'containers' = {
      name: '${lakeContainerName}-demo'
      properties: {
        publicAccess: 'None'
      }
    }
  }
}

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
// The blob trigger keeps its poison-blob queue in host storage.
output queueEndpoint string = account.properties.primaryEndpoints.queue
