"""The Entra credential for identity-based connections.

In Azure it resolves to the app's user-assigned managed identity (``*__clientId``); on an operator's
machine to their ``az login``, which is how ``python -m demo.train_ranker --promote`` publishes
a model to the deployed storage account without any key.
"""

from __future__ import annotations

from azure.identity import DefaultAzureCredential


def credential(client_id: str | None) -> DefaultAzureCredential:
    return DefaultAzureCredential(managed_identity_client_id=client_id)
