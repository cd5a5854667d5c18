"""One module per outside service (Cosmos DB, Blob Storage, Azure SignalR). SDK and HTTP errors
are translated into ``shared.core.errors`` here and nowhere else.
"""
