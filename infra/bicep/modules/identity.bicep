// The one user-assigned identity the Function App runs as. It exists before the app, so every
// role in rbac.bicep is granted before the app first starts and reaches Storage or Cosmos.

param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
