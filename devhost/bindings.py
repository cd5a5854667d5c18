"""What the Functions host checks in the app's bindings when it starts, done the same way here.

Binding expressions. The host resolves ``%NAME%`` in a binding property with its
``DefaultNameResolver``, which reads ``configuration[NAME]`` (azure-webjobs-sdk,
src/Microsoft.Azure.WebJobs.Host/DefaultNameResolver.cs:34). The job host's configuration takes
app settings through the standard environment-variables provider
(``config.AddEnvironmentVariables()``,
src/Microsoft.Azure.WebJobs.Host/Hosting/WebJobsHostBuilderExtensions.cs:170), which stores a
variable named ``A__b`` under the key ``A:b``, and keys are compared without regard to case. So
``%CosmosDB__databaseName%`` asks for a key no setting is stored under: it never resolves
(Azure/azure-functions-host#10246), while ``%CosmosDB:databaseName%`` would. ``HostConfiguration``
is that configuration; ``resolve_whole_string`` is ``NameResolverExtensions.ResolveWholeString``.

Connections. At start-up each extension looks its binding's ``connection`` up as a section of
that configuration, ``AzureWebJobs<name>`` first and then ``<name>``
(src/Microsoft.Azure.WebJobs.Host/Extensions/IConfigurationExtensions.cs,
GetWebJobsConnectionSection),
and refuses a section that does not exist; an identity-based section must also name its
service. For a blob trigger the ``blobServiceUri`` form needs ``queueServiceUri`` beside it, as
the trigger keeps its queue there (Microsoft's "Connections" section of the blob trigger
reference, includes/functions-storage-blob-connections.md in MicrosoftDocs/azure-docs:
https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-blob-trigger#identity-based-connections).

A function in error is reported in the host's words (``The '<fn>' function is in error: ...``,
src/WebJobs.Script/Diagnostics/Extensions/ScriptHostLoggerExtension.cs:23 of
azure-functions-host, with the exception flattened by Utility.FlattenException). The host keeps
running the other functions; devhost refuses to start instead, so the error cannot go unseen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import azure.functions as func

from functions.app_index import functions_of

# Properties that describe the binding itself; every other string property may hold %NAME%.
STRUCTURAL = frozenset({"type", "direction", "name"})
# The host's prefix for connection names (IConfigurationExtensions.GetPrefixedConnectionStringName).
WEBJOBS_PREFIX = "AzureWebJobs"
# The exception source the host prints before each message (FlattenException).
SOURCE = "Microsoft.Azure.WebJobs.Host"


class BindingError(Exception):
    """A binding the host would not index; ``str()`` is the host's message."""


class HostStartupError(Exception):
    """Functions the host would report in error; one line per function."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


class HostConfiguration:
    """App settings as the job host's ``IConfiguration`` sees them.

    ``__`` in a variable's name becomes the section delimiter ``:`` when the environment-variables
    provider loads it, and lookups ignore case. ``get("CosmosDB__databaseName")`` is therefore
    None even when that variable is set; ``get("CosmosDB:databaseName")`` is its value.
    """

    def __init__(self, settings: Mapping[str, object]):
        self._data = {
            name.replace("__", ":").lower(): str(value) for name, value in settings.items()
        }

    def get(self, key: str) -> str | None:
        return self._data.get(key.lower())

    def section(self, key: str) -> Section:
        prefix = key.lower() + ":"
        children = {k[len(prefix) :]: v for k, v in self._data.items() if k.startswith(prefix)}
        return Section(key, self.get(key), children)


@dataclass(frozen=True)
class Section:
    key: str
    value: str | None
    children: Mapping[str, str]  # lower-cased child keys (``blobserviceuri``) to values

    def exists(self) -> bool:
        return self.value is not None or bool(self.children)

    def child(self, name: str) -> str | None:
        value = self.children.get(name.lower())
        return value if value else None


def resolve_whole_string(value: str, config: HostConfiguration) -> str:
    """``NameResolverExtensions.ResolveWholeStringCore`` with ``throwOnFailure: true``
    (azure-webjobs-sdk src/Microsoft.Azure.WebJobs.Host/NameResolverExtensions.cs:39-116)."""
    out: list[str] = []
    i = 0
    while i < len(value):
        start = value.find("%", i)
        if start < 0:
            out.append(value[i:])
            break
        end = value.find("%", start + 1)
        if end < 0:
            # NameResolverExtensions.cs:62
            raise BindingError(f"The '%' at position {start} does not have a closing '%'")
        name = value[start + 1 : end]
        resolved = config.get(name) if name else None
        if resolved is None:
            # NameResolverExtensions.cs:93
            raise BindingError(f"'%{name}%' does not resolve to a value.")
        out.append(value[i:start])
        out.append(resolved)
        i = end + 1
    return "".join(out)


def resolve_binding(binding: Mapping[str, Any], config: HostConfiguration) -> dict[str, Any]:
    """The binding with ``%NAME%`` resolved in every property that is not structural."""
    return {
        key: resolve_whole_string(value, config)
        if isinstance(value, str) and key not in STRUCTURAL
        else value
        for key, value in binding.items()
    }


def _connection_section(name: str, config: HostConfiguration) -> Section:
    """``GetWebJobsConnectionSection``: ``AzureWebJobs<name>`` if it exists, else ``<name>``."""
    prefixed = config.section(WEBJOBS_PREFIX + name)
    return prefixed if prefixed.exists() else config.section(name)


def check_connection(binding: Mapping[str, Any], config: HostConfiguration) -> None:
    """Refuse a binding whose connection the extension would not find or could not use."""
    kind = str(binding.get("type", ""))
    if kind.startswith("blob") or kind.startswith("queue") or kind.startswith("table"):
        _check_storage(kind, str(binding.get("connection") or "Storage"), config)
    elif kind.startswith("cosmosDB"):
        _check_cosmos(binding, config)


def _check_storage(kind: str, name: str, config: HostConfiguration) -> None:
    section = _connection_section(name, config)
    if not section.exists():
        # azure-webjobs-sdk src/Microsoft.Azure.WebJobs.Host.Storage/StorageClientProvider.cs:53
        raise BindingError(
            f"Storage account connection string '{WEBJOBS_PREFIX}{name}' does not exist. "
            "Make sure that it is a defined App Setting."
        )
    if section.value or section.child("connectionString"):
        return  # a connection string names every service of the account
    service = kind.removesuffix("Trigger")  # blob, queue, table
    uri = section.child(f"{service}ServiceUri") or section.child("serviceUri")
    if not uri and not section.child("accountName"):
        raise BindingError(
            f"The connection '{name}' has neither a connection string nor "
            f"{name}__{service}ServiceUri (or {name}__serviceUri) for an identity-based "
            "connection."
        )
    if (
        kind == "blobTrigger"
        and section.child("blobServiceUri")
        and not section.child("queueServiceUri")
        and not section.child("accountName")
    ):
        raise BindingError(
            f"The blob trigger's connection '{name}' gives {name}__blobServiceUri without "
            f"{name}__queueServiceUri: the trigger keeps its queue in the queue service, "
            "which the blobServiceUri form must name (https://learn.microsoft.com/azure/"
            "azure-functions/functions-bindings-storage-blob-trigger#identity-based-connections)."
        )


def _check_cosmos(binding: Mapping[str, Any], config: HostConfiguration) -> None:
    name = str(binding.get("connection") or "CosmosDBConnection")
    section = _connection_section(name, config)
    if not section.exists():
        raise BindingError(
            f"Cosmos DB connection configuration '{name}' does not exist. "
            "Make sure that it is a defined App Setting."
        )
    if not (section.value or section.child("accountEndpoint")):
        raise BindingError(
            f"The connection '{name}' has neither a connection string nor "
            f"{name}__accountEndpoint for an identity-based connection."
        )


def function_bindings(app: func.FunctionApp) -> list[tuple[str, list[dict[str, Any]]]]:
    """(function name, bindings as the worker reports them to the host) for every function."""
    return [
        (str(fn.get_function_name()), json.loads(fn.get_function_json())["bindings"])
        for fn in functions_of(app)
    ]


def index(
    functions: Iterable[tuple[str, list[dict[str, Any]]]], settings: Mapping[str, object]
) -> dict[str, list[dict[str, Any]]]:
    """Every function's bindings resolved as the host indexes them; ``HostStartupError`` names
    each function the host would report in error, in the host's words."""
    config = HostConfiguration(settings)
    resolved: dict[str, list[dict[str, Any]]] = {}
    errors: list[str] = []
    for name, bindings in functions:
        try:
            out = [resolve_binding(b, config) for b in bindings]
            for binding in out:
                check_connection(binding, config)
        except BindingError as exc:
            # FunctionIndexingException (src/Microsoft.Azure.WebJobs.Host/Indexers/
            # FunctionIndexingException.cs:23) around the resolver's error, flattened.
            message = str(exc) if str(exc).endswith(".") else f"{exc}."
            errors.append(
                f"The '{name}' function is in error: {SOURCE}: Error indexing method "
                f"'Functions.{name}'. {SOURCE}: {message}"
            )
            continue
        resolved[name] = out
    if errors:
        raise HostStartupError(errors)
    return resolved


def index_app(app: func.FunctionApp, settings: Mapping[str, object]) -> dict[str, list[dict]]:
    return index(function_bindings(app), settings)
