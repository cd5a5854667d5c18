// Event Grid for the import blob trigger: a system topic on the storage account and a
// subscription that delivers BlobCreated events under imports/incoming/ to the Functions host's
// blobs extension endpoint, which runs import_blob. This is the only blob trigger source Flex
// Consumption supports. The endpoint needs the host's blobs_extension system key, which the
// host creates when the app with a blob trigger first starts, so this module is deployed after
// the code is published (main.bicep importsEventGrid). A missed delivery is caught by the
// import_sweep timer.

param storageAccountName string
param functionAppName string
param importsContainerName string
param location string
param tags object

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource app 'Microsoft.Web/sites@2023-12-01' existing = {
  name: functionAppName
}

resource host 'Microsoft.Web/sites/host@2023-12-01' existing = {
  parent: app
  name: 'default'
}

resource topic 'Microsoft.EventGrid/systemTopics@2024-06-01-preview' = {
  name: 'evgt-${storageAccountName}'
  location: location
  tags: tags
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource importsSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2024-06-01-preview' = {
  parent: topic
  name: 'import-blob'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        // The key never leaves the deployment: it goes straight into the subscription.
        endpointUrl: 'https://${app.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.import_blob&code=${host.listKeys().systemKeys.blobs_extension}'
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/${importsContainerName}/blobs/incoming/'
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}
