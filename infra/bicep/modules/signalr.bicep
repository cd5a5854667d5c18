// Azure SignalR Service in Serverless mode: the app publishes through the REST API and the
// dashboard connects with tokens the app issues at negotiate.

param name string
param location string
param tags object

@allowed([
  'Free_F1'
  'Standard_S1'
])
param sku string

@description('Origins allowed to call the service from a browser (the dashboard).')
param allowedOrigins array

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'SignalR'
  sku: {
    name: sku
    tier: sku == 'Free_F1' ? 'Free' : 'Standard'
    capacity: 1
  }
  properties: {
    features: [
      {
        flag: 'ServiceMode'
        value: 'Serverless'
      }
      {
        flag: 'EnableConnectivityLogs'
        value: 'True'
      }
    ]
    cors: {
      allowedOrigins: allowedOrigins
    }
    // The app signs REST calls and client tokens with the access key (HS256), exactly as it
    // does against the local emulator. The key only ever lives in Key Vault (keyvault.bicep).
    disableLocalAuth: false
    publicNetworkAccess: 'Enabled'
    tls: {
      clientCertEnabled: false
    }
  }
}

output name string = signalR.name
output hostName string = signalR.properties.hostName
