"""Azure OpenAI chat completions for the analyst; SDK errors are translated here only.

In Azure the client signs in with the managed identity (an Entra token for Cognitive
Services); locally, and against the fake server in tests, with a key. ``http_client`` is
injectable, as every client here is.
"""

from __future__ import annotations

from typing import Any

import httpx
import openai
from openai import AzureOpenAI

from shared.core.errors import ServiceUnavailable
from shared.core.identity import credential
from shared.core.settings import OpenAIConnection

SCOPE = "https://cognitiveservices.azure.com/.default"


class ChatClient:
    def __init__(self, client: AzureOpenAI, deployment: str) -> None:
        self._client, self._deployment = client, deployment

    @classmethod
    def from_connection(
        cls, conn: OpenAIConnection, *, http_client: httpx.Client | None = None
    ) -> ChatClient:
        if not conn.endpoint:
            raise ServiceUnavailable("Azure OpenAI is not configured (AzureOpenAI__endpoint)")
        common: dict[str, Any] = {
            "azure_endpoint": conn.endpoint,
            "api_version": conn.api_version,
            "max_retries": 1,
            "timeout": 30.0,
        }
        if http_client is not None:
            common["http_client"] = http_client
        if conn.api_key is not None and conn.api_key.get_secret_value():
            client = AzureOpenAI(api_key=conn.api_key.get_secret_value(), **common)
        else:
            token = credential(conn.client_id)
            client = AzureOpenAI(
                azure_ad_token_provider=lambda: token.get_token(SCOPE).token, **common
            )
        return cls(client, conn.deployment)

    def complete_json(self, system: str, user: str) -> str:
        """The model's answer to one question, asked for as a JSON object."""
        try:
            response = self._client.chat.completions.create(
                model=self._deployment,
                messages=[
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
                temperature=0,
                response_format={"type": "json_object"},
            )
        except openai.OpenAIError as exc:
            raise ServiceUnavailable(f"Azure OpenAI failed: {exc}") from exc
        content = response.choices[0].message.content if response.choices else None
        if not content:
            raise ServiceUnavailable("Azure OpenAI returned no answer")
        return content
