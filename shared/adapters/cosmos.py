"""Cosmos DB repository: the only module that talks to azure-cosmos.

It creates the database and every container in ``shared.core.schema`` idempotently, and translates
SDK errors into ReSight errors at this boundary. Locally the key and ``verifyTls=false`` reach
the local Cosmos server; in Azure the managed identity is used and TLS is always verified.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.cosmos import ContainerProxy, CosmosClient, PartitionKey, exceptions

from shared.adapters import faults
from shared.core import retry, schema
from shared.core.dataset import Dataset, per_dataset
from shared.core.errors import (
    Conflict,
    KeptChanging,
    NotFound,
    ServiceUnavailable,
    ValidationFailed,
)
from shared.core.identity import credential
from shared.core.settings import CosmosConnection, get_settings

log = logging.getLogger(__name__)

# The request got no answer (refused connection, timeout): the service is unavailable, as for
# a 5xx it answers; the caller (a marketplace, the change feed) retries.
_NO_ANSWER = (ServiceRequestError, ServiceResponseError)


# Statuses that mean "call again later", not "this request is wrong": a timeout (408),
# throttling (429, left after the SDK's own retries), retry-with (449), the service's errors.
_TRANSIENT = frozenset({408, 429, 449, 500, 502, 503, 504})

# The one attempt policy of every read-modify-write (``Store.update``, ``Store.increment``): a
# write that lost a race re-reads at once (the winner has already written) and tries again, at
# most this many times in all; then ``KeptChanging``.
UPDATE_ATTEMPTS = 8

# Operations in one transactional batch: Cosmos DB's limit (and 2 MB, which 100 events of a few
# hundred bytes are far below).
BATCH_SIZE = 100
BATCH_ATTEMPTS = 3


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` (raised by this module, or caused by what it raised) means the store did
    not answer or asked to be called later, rather than refusing the request for good."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, _NO_ANSWER):
            return True
        if isinstance(seen, exceptions.CosmosHttpResponseError):
            return seen.status_code in _TRANSIENT
        seen = seen.__cause__
    return False


def _sendable_token(token: str) -> bool:
    """Whether a continuation token can go out as a header value: a token this API gave is
    printable ASCII without leading or trailing whitespace; anything else is refused before
    sending (the HTTP library would refuse it with an error that reads like an outage)."""
    return token.isascii() and token.isprintable() and token == token.strip()


class Store:
    """Typed access to the ReSight containers of one Cosmos database."""

    def __init__(self, client: CosmosClient, database: str) -> None:
        self._client = client
        self._db_name = database
        self._containers: dict[str, ContainerProxy] = {}

    @classmethod
    def from_connection(cls, conn: CosmosConnection) -> Store:
        if conn.account_key is not None:
            auth: Any = conn.account_key.get_secret_value()
        else:
            auth = credential(conn.client_id)
        client = CosmosClient(
            conn.account_endpoint,
            credential=auth,
            connection_verify=conn.verify_tls,
            # Fail fast when the account is unreachable instead of retrying for minutes.
            connection_timeout=10,
            # The local server (the only one reached without TLS verification) answers a read
            # of a missing document with a 500, which the SDK's region-failover policy retries
            # after 500 ms; it has one region, so there is nothing to fail over to. In Azure
            # discovery stays on.
            enable_endpoint_discovery=conn.verify_tls,
            **faults.transport("cosmos"),
        )
        return cls(client, conn.database)

    # -- schema -------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        try:
            db = self._client.create_database_if_not_exists(self._db_name)
            for spec in schema.CONTAINERS:
                kwargs: dict[str, Any] = {}
                if spec.default_ttl is not None:
                    kwargs["default_ttl"] = spec.default_ttl
                self._containers[spec.name] = db.create_container_if_not_exists(
                    spec.name, partition_key=PartitionKey(path=spec.partition_key), **kwargs
                )
        except exceptions.CosmosHttpResponseError as exc:
            raise ServiceUnavailable(f"cannot create Cosmos schema: {exc.message}") from exc
        except _NO_ANSWER as exc:
            raise ServiceUnavailable(f"cannot create Cosmos schema: no answer ({exc})") from exc

    def drop_database(self) -> None:
        """Delete this store's database and everything in it (the demo's, when it is deleted).

        Where the identity may not delete a database (Azure data-plane roles cannot), every
        document of every container is deleted instead, which Bicep's containers survive.
        """
        try:
            self._client.delete_database(self._db_name)
        except exceptions.CosmosResourceNotFoundError:
            pass
        except exceptions.CosmosHttpResponseError as exc:
            if exc.status_code != 403:
                raise ServiceUnavailable(f"cannot delete {self._db_name}: {exc.message}") from exc
            for spec in schema.CONTAINERS:
                key = spec.partition_key.lstrip("/")
                for doc in list(self.query(spec.name, f"SELECT c.id, c.{key} AS pk FROM c")):
                    self.delete(spec.name, doc["id"], doc.get("pk"))
        except _NO_ANSWER as exc:
            raise ServiceUnavailable(f"cannot delete {self._db_name}: no answer ({exc})") from exc
        self._containers.clear()

    def container(self, name: str) -> ContainerProxy:
        if name not in self._containers:
            db = self._client.get_database_client(self._db_name)
            self._containers[name] = db.get_container_client(name)
        return self._containers[name]

    # -- documents ----------------------------------------------------------------------------
    def create(self, container: str, doc: dict[str, Any]) -> bool:
        """Create ``doc``; False if a document with its id already exists (idempotent create)."""
        return self._create(container, doc) is not None

    def _create(self, container: str, doc: dict[str, Any]) -> dict[str, Any] | None:
        """The created document as stored, or None if its id already exists."""
        try:
            return self.container(container).create_item(doc)
        except exceptions.CosmosResourceExistsError:
            return None
        except exceptions.CosmosHttpResponseError as exc:
            raise ServiceUnavailable(f"cannot write to {container}: {exc.message}") from exc
        except ValueError as exc:  # the SDK's own id check, before anything is sent
            raise _bad_id(doc) from exc
        except _NO_ANSWER as exc:
            raise ServiceUnavailable(f"cannot write to {container}: no answer ({exc})") from exc

    def create_many(
        self, container: str, partition_key: Any, docs: list[dict[str, Any]]
    ) -> list[bool]:
        """Create documents of one partition in transactional batches (``BATCH_SIZE`` each);
        for each document, False if its id already existed (the same answer as ``create``).

        A batch is all or nothing: when one create finds its id taken (409), nothing of that
        batch was written, so the batch is sent again without it (``_unsent``). Callers that
        expect many duplicates should leave out the ids they know; a batch costs one round
        trip, a create per document one each (the local Cosmos server takes ~50 times more
        batched creates a second).
        """
        created = [True] * len(docs)
        proxy = self.container(container)
        for start in range(0, len(docs), BATCH_SIZE):
            pending = list(range(start, min(start + BATCH_SIZE, len(docs))))
            while pending:
                ops = [("create", (docs[i],)) for i in pending]
                try:
                    # A batch that got no answer is sent again: its creates either happened
                    # (and now answer 409: counted as duplicates, nothing written twice) or
                    # did not. The local server drops kept-alive connections under load.
                    retry.call(
                        functools.partial(
                            proxy.execute_item_batch, ops, partition_key=partition_key
                        ),
                        attempts=BATCH_ATTEMPTS,
                        wait=retry.doubling(0.2),
                        retry_on=_NO_ANSWER,
                    )
                    break
                except exceptions.CosmosBatchOperationError as exc:
                    pending = _unsent(container, pending, exc.operation_responses, created)
                except exceptions.CosmosHttpResponseError as exc:
                    raise ServiceUnavailable(f"cannot write to {container}: {exc.message}") from exc
                except ValueError as exc:
                    raise _bad_id(docs[pending[0]]) from exc
                except _NO_ANSWER as exc:
                    raise ServiceUnavailable(
                        f"cannot write to {container}: no answer ({exc})"
                    ) from exc
        return created

    def upsert(self, container: str, doc: dict[str, Any], *, etag: str | None = None) -> dict:
        """Upsert; with ``etag`` only if the stored document is unchanged (else Conflict)."""
        try:
            if etag is not None:
                return self.container(container).replace_item(
                    doc["id"], doc, etag=etag, match_condition=MatchConditions.IfNotModified
                )
            return self.container(container).upsert_item(doc)
        except exceptions.CosmosAccessConditionFailedError as exc:
            raise Conflict(f"{container}/{doc['id']} changed concurrently") from exc
        except exceptions.CosmosHttpResponseError as exc:
            raise ServiceUnavailable(f"cannot write to {container}: {exc.message}") from exc
        except ValueError as exc:
            raise _bad_id(doc) from exc
        except _NO_ANSWER as exc:
            raise ServiceUnavailable(f"cannot write to {container}: no answer ({exc})") from exc

    def update(
        self,
        container: str,
        item_id: str,
        partition_key: Any,
        change: Callable[[dict[str, Any] | None], dict[str, Any] | None],
    ) -> dict[str, Any] | None:
        """Read-modify-write one document, guarded by its ETag.

        ``change`` gets the stored document (None when there is none) and returns the document
        to write, or None to leave everything as it is; it may raise (``NotFound``, ...) to stop.
        A document returned for a missing one is created. When another writer got in between
        (the ETag no longer matches, or the document was created meanwhile), the document is
        read again and ``change`` called on it again, ``UPDATE_ATTEMPTS`` times in all, then
        ``KeptChanging``. Returns the document as stored, or None when ``change`` returned None.
        """
        for _ in range(UPDATE_ATTEMPTS):
            current = self.read_or_none(container, item_id, partition_key)
            new = change(current)
            if new is None:
                return None
            if current is None:
                created = self._create(container, new)
                if created is not None:
                    return created
            else:
                try:
                    return self.upsert(container, new, etag=current["_etag"])
                except Conflict:
                    pass
            log.info("%s/%s changed concurrently; applying the change again", container, item_id)
        raise KeptChanging(
            f"{container}/{item_id} kept changing through {UPDATE_ATTEMPTS} attempts; try again"
        )

    def read(self, container: str, item_id: str, partition_key: Any) -> dict[str, Any]:
        try:
            return self.container(container).read_item(item_id, partition_key=partition_key)
        except exceptions.CosmosHttpResponseError as exc:
            if _is_missing(exc):
                raise NotFound(f"{container}/{item_id} not found") from exc
            raise ServiceUnavailable(f"cannot read {container}: {exc.message}") from exc
        except _NO_ANSWER as exc:
            raise ServiceUnavailable(f"cannot read {container}: no answer ({exc})") from exc

    def read_or_none(self, container: str, item_id: str, partition_key: Any) -> dict | None:
        try:
            return self.read(container, item_id, partition_key)
        except NotFound:
            return None

    def delete(self, container: str, item_id: str, partition_key: Any) -> bool:
        try:
            self.container(container).delete_item(item_id, partition_key=partition_key)
            return True
        except exceptions.CosmosHttpResponseError as exc:
            if _is_missing(exc):
                return False
            raise ServiceUnavailable(f"cannot delete from {container}: {exc.message}") from exc
        except _NO_ANSWER as exc:
            raise ServiceUnavailable(f"cannot delete from {container}: no answer ({exc})") from exc

    def increment(
        self, container: str, doc: dict[str, Any], partition_key: Any, field: str, by: int = 1
    ) -> None:
        """Add ``by`` to ``doc[field]`` atomically (a patch), creating ``doc`` the first time."""
        ops = [{"op": "incr", "path": f"/{field}", "value": by}]
        for _ in range(UPDATE_ATTEMPTS):
            try:
                self.container(container).patch_item(doc["id"], partition_key, ops)
                return
            except exceptions.CosmosHttpResponseError as exc:
                if not _is_missing(exc):
                    raise ServiceUnavailable(f"cannot write to {container}: {exc.message}") from exc
            except _NO_ANSWER as exc:
                raise ServiceUnavailable(f"cannot write to {container}: no answer ({exc})") from exc
            if self.create(container, {**doc, field: by}):
                return
            # created concurrently: patch it on the next round
        raise KeptChanging(
            f"{container}/{doc['id']} kept changing through {UPDATE_ATTEMPTS} attempts"
        )

    def query(
        self,
        container: str,
        sql: str,
        parameters: Iterable[tuple[str, Any]] = (),
        *,
        partition_key: Any = None,
    ) -> Iterator[dict[str, Any]]:
        params = [{"name": n, "value": v} for n, v in parameters]
        try:
            kwargs: dict[str, Any] = {"parameters": params}
            if partition_key is None:
                kwargs["enable_cross_partition_query"] = True
            else:
                kwargs["partition_key"] = partition_key
            yield from self.container(container).query_items(sql, **kwargs)
        except exceptions.CosmosHttpResponseError as exc:
            raise ServiceUnavailable(f"cannot query {container}: {exc.message}") from exc
        except _NO_ANSWER as exc:
            raise ServiceUnavailable(f"cannot query {container}: no answer ({exc})") from exc

    def query_page(
        self,
        container: str,
        sql: str,
        parameters: Iterable[tuple[str, Any]] = (),
        *,
        page_size: int,
        continuation: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of a cross-partition query and the token for the next page."""
        params = [{"name": n, "value": v} for n, v in parameters]
        if continuation is not None and not _sendable_token(continuation):
            raise ValidationFailed("not a continuation token of this API", field="continuation")
        try:
            pager = (
                self.container(container)
                .query_items(
                    sql,
                    parameters=params,
                    enable_cross_partition_query=True,
                    max_item_count=page_size,
                )
                .by_page(continuation)
            )
            page = list(next(pager, []))
            return page, pager.continuation_token  # type: ignore[attr-defined] # azure pager
        except exceptions.CosmosHttpResponseError as exc:
            if continuation is not None and exc.status_code == 400:
                raise ValidationFailed(
                    "not a continuation token of this API", field="continuation"
                ) from exc
            raise ServiceUnavailable(f"cannot query {container}: {exc.message}") from exc
        except _NO_ANSWER as exc:
            raise ServiceUnavailable(f"cannot query {container}: no answer ({exc})") from exc

    def ping(self) -> None:
        try:
            self._client.get_database_client(self._db_name).read()
        except exceptions.CosmosHttpResponseError as exc:
            raise ServiceUnavailable(f"Cosmos DB unavailable: {exc.message}") from exc
        except _NO_ANSWER as exc:
            raise ServiceUnavailable(f"Cosmos DB unavailable: no answer ({exc})") from exc


def _unsent(
    container: str, pending: list[int], responses: list[dict[str, Any]], created: list[bool]
) -> list[int]:
    """After a batch with a taken id: that create is a duplicate (False in ``created``); the
    rest are to be sent again. Cosmos DB rolls a failed batch back and answers 424 for the
    others; the local server does not, and answers 201 for those it wrote before the failure,
    which are then created and not sent again."""
    again = []
    for index, response in zip(pending, responses, strict=True):
        status = int(response.get("statusCode", 0))
        if status == 424:
            again.append(index)
        elif status == 409:
            created[index] = False
        elif status != 201:
            raise ServiceUnavailable(f"cannot write to {container}: a batched create got {status}")
    return again


def _bad_id(doc: dict[str, Any]) -> ValidationFailed:
    return ValidationFailed(
        f"id {str(doc.get('id'))[:60]!r} has a character Cosmos DB does not allow in an id "
        "(/ \\ ? # tab, line break, or a trailing space)",
        field="id",
    )


# The local Cosmos server answers a point read (or delete) of a missing document with an error
# from its own code instead of a 404; it means the same thing.
_LOCAL_MISSING = "Cannot read properties of undefined"


def _is_missing(exc: exceptions.CosmosHttpResponseError) -> bool:
    return exc.status_code == 404 or _LOCAL_MISSING in str(exc.message)


@per_dataset
def get_store(dataset: Dataset) -> Store:
    """The store of the current dataset (``shared.core.dataset``): its own Cosmos database."""
    store = Store.from_connection(get_settings().cosmosdb)
    store.ensure_schema()
    return store
