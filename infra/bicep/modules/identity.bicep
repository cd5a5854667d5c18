// A user-assigned identity: the one the Function App runs as (it exists before the app, so every
// role in rbac.bicep is granted before the app first starts and reaches Storage or Cosmos), and,
// as a second instance, the one the authentication settings deployment script signs in as.

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
