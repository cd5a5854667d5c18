"""DuckDB connections: the ``azure`` extension loaded offline, the lake's credentials, limits.

The extension ships as a pip package (``duckdb-extension-azure``) and is installed from it
through ``duckdb_extensions``; autoinstall and autoload stay off, so DuckDB never reaches for
the extension repository. Locally the lake is Azurite (connection string); in Azure the
managed identity: a storage token from the app's own credential (the user-assigned identity),
handed to DuckDB as an access-token secret for the length of one connection. Only ``az://`` works
against Azurite, so that is the one scheme used.
"""

from __future__ import annotations

import os
import tempfile

import duckdb
import duckdb_extensions

from shared.core.identity import credential
from shared.core.settings import Settings

OFFLINE = {
    "autoinstall_known_extensions": "false",
    "autoload_known_extensions": "false",
}


def connect(*, threads: int = 1, memory_limit: str = "512MB") -> duckdb.DuckDBPyConnection:
    """An in-memory database; one thread by default (a function instance shares its cores)."""
    return duckdb.connect(
        config={**OFFLINE, "threads": str(threads), "memory_limit": memory_limit},
    )


def attach_lake(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Load the azure extension and a secret for the lake's storage account."""
    # The extension is installed into a directory of our own: the home directory of a
    # function instance is not ours to fill.
    directory = os.path.join(tempfile.gettempdir(), "resight-duckdb-extensions")
    con.execute(f"SET extension_directory = '{directory}'")
    duckdb_extensions.import_extension("azure", con=con)
    con.execute("LOAD azure")
    storage = settings.model_storage
    if storage.connection_string is not None:
        secret = storage.connection_string.get_secret_value().replace("'", "''")
        con.execute(f"CREATE OR REPLACE SECRET lake (TYPE azure, CONNECTION_STRING '{secret}')")
        return
    account = (storage.blob_service_uri or "").split("//", 1)[-1].split(".", 1)[0]
    token = credential(storage.client_id).get_token("https://storage.azure.com/.default").token
    con.execute(
        "CREATE OR REPLACE SECRET lake (TYPE azure, PROVIDER access_token, "
        f"ACCESS_TOKEN '{token}', ACCOUNT_NAME '{account}')"
    )


def lake_url(settings: Settings, path: str) -> str:
    return f"az://{settings.lake_container}/{path}"
