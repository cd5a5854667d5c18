"""Blob Storage access for models and (later) ingest drop containers.

Locally the app uses Azurite's connection string; in Azure the blob service URI and the
managed identity. SDK errors are translated into ReSight errors here, at the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from azure.core.exceptions import (
    AzureError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.storage.blob import BlobServiceClient, ContainerClient

from shared.core.errors import Conflict, NotFound, ServiceUnavailable
from shared.core.identity import credential
from shared.core.settings import StorageConnection, get_settings


@dataclass(frozen=True)
class BlobText:
    text: str
    etag: str


class BlobStore:
    """Small text/bytes API over one container; ``service`` is injectable for tests."""

    def __init__(self, container: ContainerClient) -> None:
        self._container = container

    @classmethod
    def from_connection(cls, conn: StorageConnection, container: str) -> BlobStore:
        return cls(_service(conn).get_container_client(container))

    def ensure_container(self) -> None:
        try:
            self._container.create_container()
        except ResourceExistsError:
            pass
        except AzureError as exc:
            raise ServiceUnavailable(f"blob storage unavailable: {exc}") from exc

    def get_bytes(self, name: str) -> bytes:
        try:
            return self._container.download_blob(name).readall()
        except ResourceNotFoundError as exc:
            raise NotFound(f"blob {name!r} does not exist") from exc
        except AzureError as exc:
            raise ServiceUnavailable(f"blob storage unavailable: {exc}") from exc

    def get_text(self, name: str) -> BlobText:
        try:
            downloader = self._container.download_blob(name)
            return BlobText(downloader.readall().decode("utf-8"), downloader.properties.etag)
        except ResourceNotFoundError as exc:
            raise NotFound(f"blob {name!r} does not exist") from exc
        except AzureError as exc:
            raise ServiceUnavailable(f"blob storage unavailable: {exc}") from exc

    def etag(self, name: str) -> str | None:
        """The blob's ETag, or None if it does not exist (a HEAD, no download)."""
        try:
            return self._container.get_blob_client(name).get_blob_properties().etag
        except ResourceNotFoundError:
            return None
        except AzureError as exc:
            raise ServiceUnavailable(f"blob storage unavailable: {exc}") from exc

    def put(self, name: str, data: bytes | str, *, if_match: str | None = None) -> str:
        """Write a blob; with ``if_match`` only if it is unchanged. Returns the new ETag."""
        try:
            kwargs = {"etag": if_match, "match_condition": _if_match()} if if_match else {}
            # The blob client's upload returns the properties (ETag); the container's does not.
            blob = self._container.get_blob_client(name)
            result = blob.upload_blob(data, overwrite=True, **kwargs)
            return str(result["etag"])
        except ResourceModifiedError as exc:
            raise Conflict(f"blob {name!r} changed since it was read; read it again") from exc
        except AzureError as exc:
            raise ServiceUnavailable(f"blob storage unavailable: {exc}") from exc

    def list_names(self, prefix: str) -> list[str]:
        try:
            return [b.name for b in self._container.list_blobs(name_starts_with=prefix)]
        except AzureError as exc:
            raise ServiceUnavailable(f"blob storage unavailable: {exc}") from exc


def _if_match():  # imported lazily: MatchConditions lives in azure.core
    from azure.core import MatchConditions

    return MatchConditions.IfNotModified


def _service(conn: StorageConnection) -> BlobServiceClient:
    if conn.connection_string is not None:
        return BlobServiceClient.from_connection_string(conn.connection_string.get_secret_value())
    if not conn.blob_service_uri:
        raise ServiceUnavailable(
            "no blob storage configured: set ModelStorage__connectionString (local) or "
            "ModelStorage__blobServiceUri (Azure)"
        )
    return BlobServiceClient(conn.blob_service_uri, credential=credential(conn.client_id))


@lru_cache(maxsize=1)
def model_store() -> BlobStore:
    settings = get_settings()
    return BlobStore.from_connection(
        settings.model_storage, settings.model_storage.models_container
    )
