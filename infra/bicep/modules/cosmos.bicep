// Cosmos DB for NoSQL, serverless, Entra ID only. The containers are those of
// shared/core/schema.py CONTAINERS (name, partition key, default TTL); a unit test compares the
// two, so change both together. The app cannot create containers itself here: Entra data-plane
// roles do not cover management operations, and key-based metadata writes are disabled.

param accountName string
param databaseName string
param location string
param tags object

var containers = [
  {
    name: 'events'
    partitionKey: '/item_id'
    defaultTtl: 7776000 // 90 days; each event may carry its own "ttl" (EVENTS_TTL_DAYS)
  }
  {
    name: 'products'
    partitionKey: '/item_id'
  }
  {
    name: 'rules'
    partitionKey: '/id'
  }
  {
    name: 'stores'
    partitionKey: '/id'
  }
  {
    name: 'audit'
    partitionKey: '/day'
    defaultTtl: 31536000 // 365 days
  }
  {
    name: 'snapshots'
    partitionKey: '/kind'
  }
  {
    // Change-feed leases of the rank trigger; the Functions extension requires /id.
    name: 'leases'
    partitionKey: '/id'
  }
  {
    // Events of an item whose projection kept failing, until replayed.
    name: 'deadletters'
    partitionKey: '/item_id'
  }
  {
    // Refused webhook deliveries per marketplace, reason and minute, for the Stores page.
    name: 'deliveries'
    partitionKey: '/marketplace'
    defaultTtl: 604800
  }
  {
    // One document per imported file: status, progress, counts, report location.
    name: 'imports'
    partitionKey: '/id'
  }
  {
    // Saved mappings of order exports, found again by their header's fingerprint.
    name: 'import_presets'
    partitionKey: '/id'
  }
  {
    // Shops and warehouses from imported workbooks.
    name: 'locations'
    partitionKey: '/id'
  }
  {
    // Data-quality runs per UTC day, for the trend.
    name: 'quality'
    partitionKey: '/day'
    defaultTtl: 34560000 // 400 days
  }
  {
    // The run ledger of scheduled jobs: one document per job and day, steps and heartbeats.
    name: 'jobs'
    partitionKey: '/job'
    defaultTtl: 34560000 // 400 days
  }
  {
    // The alert log: one document per alert with its delivery to each recipient.
    name: 'alerts'
    partitionKey: '/day'
    defaultTtl: 34560000 // 400 days
  }
  {
    // WhatsApp numbers that wrote to the business, for the 24-hour window.
    name: 'contacts'
    partitionKey: '/id'
  }
  {
    // Daily inventory snapshots: one document per IST day, store and item.
    name: 'inventory_snapshots'
    partitionKey: '/day'
    defaultTtl: 34560000 // 400 days
  }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [
  for container in containers: {
    parent: database
    name: container.name
    properties: {
      resource: {
        id: container.name
        partitionKey: {
          paths: [
            container.partitionKey
          ]
          kind: 'Hash'
          version: 2
        }
        // Absent means documents never expire (TTL off), as in the schema.
        defaultTtl: container.?defaultTtl
        indexingPolicy: {
          indexingMode: 'consistent'
          automatic: true
          includedPaths: [
            {
              path: '/*'
            }
          ]
          excludedPaths: [
            {
              path: '/"_etag"/?'
            }
          ]
        }
      }
    }
  }
]

// The demo's database (shared/core/dataset.py: '<name>-demo'), with the same containers. Always
// there, empty unless a demo runs, so an admin can start a presenter's demo on any deployment:
// serverless bills storage and requests, not databases.
resource demoDatabase 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: '${databaseName}-demo'
  properties: {
    resource: {
      id: '${databaseName}-demo'
    }
  }
}

resource demoContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [
  for container in containers: {
    parent: demoDatabase
    name: container.name
    properties: {
      resource: {
        id: container.name
        partitionKey: {
          paths: [
            container.partitionKey
          ]
          kind: 'Hash'
          version: 2
        }
        // Absent means documents never expire (TTL off), as in the schema.
        defaultTtl: container.?defaultTtl
        indexingPolicy: {
          indexingMode: 'consistent'
          automatic: true
          includedPaths: [
            {
              path: '/*'
            }
          ]
          excludedPaths: [
            {
              path: '/"_etag"/?'
            }
          ]
        }
      }
    }
  }
]

output accountName string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
