"""Blob Storage access for models and the imports drop container.

Locally the app uses Azurite's connection string; in Azure the blob service URI and the
managed identity. SDK errors are translated into ReSight errors here, at the boundary.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import IO, Any

from azure.core.exceptions import (
    AzureError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.storage.blob import BlobServiceClient, ContainerClient

from shared.adapters import faults
from shared.core.dataset import Dataset, per_dataset
from shared.core.errors import Conflict, NotFound, ServiceUnavailable
from shared.core.identity import credential
from shared.core.settings import StorageConnection, get_settings


@dataclass(frozen=True)
class BlobText:
    text: str
    etag: str


@dataclass(frozen=True)
class BlobInfo:
    name: str
    etag: str
    size: int
    last_modified: datetime
    metadata: dict[str, str]


@dataclass(frozen=True)
class SignedLink:
    url: str
    expires_at: datetime


# Blocks of an upload stream: big enough to keep a 50 MB file under a few dozen requests,
# small enough that only one block is ever held in memory.
BLOCK_BYTES = 4 * 1024 * 1024


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

    def delete_container(self) -> None:
        """Delete the container and every blob in it (the demo's, when it is deleted)."""
        try:
            self._container.delete_container()
        except ResourceNotFoundError:
            pass
        except AzureError as exc:
            raise ServiceUnavailable(f"cannot delete container: {exc}") from exc

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

    # -- streams (imports) ---------------------------------------------------------------------
    def info(self, name: str) -> BlobInfo | None:
        """Name, ETag, size, time and metadata; None if the blob does not exist."""
        try:
            p = self._container.get_blob_client(name).get_blob_properties()
        except ResourceNotFoundError:
            return None
        except AzureError as exc:
            raise ServiceUnavailable(f"blob storage unavailable: {exc}") from exc
        return BlobInfo(name, str(p.etag), int(p.size), p.last_modified, dict(p.metadata or {}))

    def list_info(self, prefix: str) -> list[BlobInfo]:
        try:
            return [
                BlobInfo(b.name, str(b.etag), int(b.size), b.last_modified, dict(b.metadata or {}))
                for b in self._container.list_blobs(name_starts_with=prefix, include=["metadata"])
            ]
        except AzureError as exc:
            raise ServiceUnavailable(f"blob storage unavailable: {exc}") from exc

    def upload_stream(
        self, name: str, chunks: Iterable[bytes], *, metadata: dict[str, str] | None = None
    ) -> int:
        """Write a blob from a stream of chunks, one block at a time; returns its size."""
        from azure.storage.blob import BlobBlock

        blob = self._container.get_blob_client(name)
        blocks: list[BlobBlock] = []
        size = 0
        buffer = bytearray()
        try:
            for chunk in chunks:
                buffer += chunk
                size += len(chunk)
                while len(buffer) >= BLOCK_BYTES:
                    blocks.append(self._stage(blob, len(blocks), bytes(buffer[:BLOCK_BYTES])))
                    del buffer[:BLOCK_BYTES]
            if buffer or not blocks:
                blocks.append(self._stage(blob, len(blocks), bytes(buffer)))
            blob.commit_block_list(blocks, metadata=metadata)
        except AzureError as exc:
            raise ServiceUnavailable(f"blob storage unavailable: {exc}") from exc
        return size

    @staticmethod
    def _stage(blob, index: int, data: bytes):
        from azure.storage.blob import BlobBlock

        block_id = f"{index:08d}"
        blob.stage_block(block_id, data)
        return BlobBlock(block_id=block_id)

    def download_to(self, name: str, target: IO[bytes]) -> int:
        """Stream a blob into ``target`` chunk by chunk; returns the bytes written."""
        written = 0
        for chunk in self.chunks(name):
            target.write(chunk)
            written += len(chunk)
        return written

    def chunks(self, name: str) -> Iterator[bytes]:
        try:
            downloader = self._container.download_blob(name)
            yield from downloader.chunks()
        except ResourceNotFoundError as exc:
            raise NotFound(f"blob {name!r} does not exist") from exc
        except AzureError as exc:
            raise ServiceUnavailable(f"blob storage unavailable: {exc}") from exc

    def move(self, source: str, target: str) -> None:
        """Copy ``source`` to ``target`` (server side) and delete ``source``. A missing source
        whose target exists is a move already done (a retry after a crash)."""
        src = self._container.get_blob_client(source)
        dst = self._container.get_blob_client(target)
        try:
            dst.start_copy_from_url(src.url, requires_sync=True)
        except ResourceNotFoundError as exc:
            if self.info(target) is None:
                raise NotFound(f"blob {source!r} does not exist") from exc
        except AzureError as exc:
            raise ServiceUnavailable(f"blob storage unavailable: {exc}") from exc
        self.delete(source)

    def read_link(self, name: str, ttl: timedelta) -> str:
        """A read-only SAS URL of one blob, valid for ``ttl`` (for a service that fetches it,
        such as WhatsApp's media download)."""
        from azure.storage.blob import BlobSasPermissions

        return self._signed(name, BlobSasPermissions(read=True), ttl).url

    def write_link(self, name: str, ttl: timedelta) -> SignedLink:
        """A SAS URL that can only create or overwrite this one blob, valid for ``ttl`` (a
        browser uploading a file straight to Blob)."""
        from azure.storage.blob import BlobSasPermissions

        return self._signed(name, BlobSasPermissions(create=True, write=True), ttl)

    def _signed(self, name: str, permission: Any, ttl: timedelta) -> SignedLink:
        """Signed with the account key locally (Azurite) and with a user delegation key of the
        managed identity in Azure (role Storage Blob Delegator)."""
        from azure.storage.blob import generate_blob_sas

        blob = self._container.get_blob_client(name)
        start = datetime.now(UTC) - timedelta(minutes=5)  # the service's clock may lag
        expiry = datetime.now(UTC) + ttl
        signing: dict = {}
        account_key = getattr(self._container.credential, "account_key", None)
        try:
            if account_key:
                signing["account_key"] = account_key
            else:
                service = BlobServiceClient(
                    self._container.primary_endpoint.rsplit("/", 1)[0],
                    credential=self._container.credential,
                )
                signing["user_delegation_key"] = service.get_user_delegation_key(start, expiry)
        except AzureError as exc:
            raise ServiceUnavailable(f"cannot sign a link to {name!r}: {exc}") from exc
        sas = generate_blob_sas(
            account_name=str(blob.account_name),
            container_name=blob.container_name,
            blob_name=name,
            permission=permission,
            start=start,
            expiry=expiry,
            **signing,
        )
        return SignedLink(f"{blob.url}?{sas}", expiry)

    def delete(self, name: str) -> bool:
        try:
            self._container.delete_blob(name)
            return True
        except ResourceNotFoundError:
            return False
        except AzureError as exc:
            raise ServiceUnavailable(f"blob storage unavailable: {exc}") from exc


def _if_match():  # imported lazily: MatchConditions lives in azure.core
    from azure.core import MatchConditions

    return MatchConditions.IfNotModified


def _service(conn: StorageConnection) -> BlobServiceClient:
    if conn.connection_string is not None:
        return BlobServiceClient.from_connection_string(
            conn.connection_string.get_secret_value(), **faults.transport("blob")
        )
    if not conn.blob_service_uri:
        raise ServiceUnavailable(
            "no blob storage configured: set ModelStorage__connectionString (local) or "
            "ModelStorage__blobServiceUri (Azure)"
        )
    return BlobServiceClient(
        conn.blob_service_uri, credential=credential(conn.client_id), **faults.transport("blob")
    )


@per_dataset
def imports_store(dataset: Dataset) -> BlobStore:
    settings = get_settings()  # the current dataset's: the demo has its own container
    return BlobStore.from_connection(settings.model_storage, settings.imports_container)


@lru_cache(maxsize=1)
def model_store() -> BlobStore:
    settings = get_settings()
    return BlobStore.from_connection(
        settings.model_storage, settings.model_storage.models_container
    )
