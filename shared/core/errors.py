"""The one error hierarchy of ReSight.

Every error the domain raises derives from ``ReSightError``; trigger modules map the classes
to HTTP statuses in one place (``functions/http_util.py``) and nowhere else. SDK errors
(azure-cosmos, azure-storage-blob, requests) are translated at the boundary with
``raise ... from exc`` so callers never import an SDK to handle a failure::

    ReSightError
    ├── InputError                 400  the request cannot be used at all
    │   ├── MalformedJSON          400  body is not JSON
    │   ├── PayloadTooLarge        413  body over the configured limit
    │   ├── ValidationFailed       422  JSON is fine, a field is not (names the field)
    │   ├── QueryRefused           400  the SQL guard refused an analytics statement
    │   ├── QueryTimeout           400  an analytics query ran past its time limit
    │   ├── QueryFailed            400  DuckDB could not run an analytics query
    │   └── ImportRejected         400  an imported file is refused as a whole: nothing written
    │       ├── UnknownKind             the file matches no kind of import
    │       ├── MissingColumns          its header lacks a required column
    │       └── AmbiguousDates          an order export's dates could be day- or month-first
    ├── AuthError                  401  missing/bad signature, stale timestamp, bad key
    ├── Forbidden                  403  authenticated, but the role may not do this
    ├── NotFound                   404  unknown item, rule, store, model
    ├── Conflict                   409  a write lost an optimistic-concurrency race
    │   ├── KeptChanging                a read-modify-write lost it on every attempt
    │   └── LeaseLost                   another instance took a job run over (or ended it)
    ├── ModelError                 500  the model cannot serve (no model, feature mismatch)
    │   ├── FeatureMismatch             model and scorer disagree on the feature list
    │   └── HistoryTooShort             the event log is too short to train and hold out on
    ├── LakeBuildFailed            500  the lake job's gold tables broke their contracts
    ├── InvalidValue               500  a value outside what a parameter or field takes (a
    │                                   ValueError too: pydantic turns it into the 422 above)
    ├── RouteMisdeclared           500  a handler does not match its RouteDoc: the app won't load
    └── ServiceUnavailable         503  a backing service (Cosmos, Blob, SignalR) failed
        ├── InvalidConnectionString     a connection string cannot be used (not echoed)
        ├── LakeEmpty                   the lake has no gold tables yet
        ├── NotConfigured               an outside service's settings are not set
        └── SpApiError                  Amazon's Selling Partner API failed or refused
            └── SpApiThrottled          its usage plan held a call back past the retries
"""

from __future__ import annotations

from typing import Any


class ReSightError(Exception):
    """Base class. ``status`` is the HTTP status an API answers with; ``code`` a stable name."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class InputError(ReSightError):
    status = 400
    code = "bad_request"


class MalformedJSON(InputError):
    code = "malformed_json"


class PayloadTooLarge(InputError):
    status = 413
    code = "payload_too_large"


class ValidationFailed(InputError):
    status = 422
    code = "validation_failed"


class QueryRefused(InputError):
    code = "query_refused"


class QueryTimeout(InputError):
    code = "query_timeout"


class QueryFailed(InputError):
    code = "query_failed"


class ImportRejected(InputError):
    """An imported file is refused as a whole (unreadable, strict mode, no valid row): nothing
    is written, and the import record says why. A refusal after validation carries the row
    counts and a sample of the row errors as ``counts`` and ``sample``."""

    code = "import_rejected"


class UnknownKind(ImportRejected):
    """The file matches no kind of import: reported with the reason, nothing written."""

    code = "unknown_kind"


class MissingColumns(ImportRejected):
    """The file's header lacks required columns (``missing``)."""

    code = "missing_columns"

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            f"row 1 (the header): missing required columns: {', '.join(missing)}",
            missing=missing,
        )
        self.missing = missing


class AmbiguousDates(ImportRejected):
    """An order export's date column does not say whether it is day-first, and its preset
    does not either: the seller is asked which, nothing is written."""

    code = "ambiguous_dates"


class AuthError(ReSightError):
    status = 401
    code = "unauthorized"


class Forbidden(ReSightError):
    status = 403
    code = "forbidden"


class NotFound(ReSightError):
    status = 404
    code = "not_found"


class Conflict(ReSightError):
    status = 409
    code = "conflict"


class KeptChanging(Conflict):
    """``Store.update`` lost the ETag race on every one of its attempts: the caller may try
    again later (the document was never half-written)."""


class LeaseLost(Conflict):
    """Another instance took the run over (or ended it); this one stops without writing."""


class ModelError(ReSightError):
    status = 500
    code = "model_error"


class FeatureMismatch(ModelError):
    code = "feature_mismatch"


class HistoryTooShort(ModelError):
    """The history has too few days for a week of features, training cutoffs and a holdout:
    no model is trained (the retraining command says so and exits)."""

    code = "history_too_short"


class LakeBuildFailed(ReSightError):
    code = "lake_build_failed"


class InvalidValue(ReSightError, ValueError):
    """A value outside what a parameter or field takes. Raised by a model's validator it is
    the 422 that names the field (``ValidationFailed``): it is a ``ValueError`` too because
    pydantic takes only that, and so ``except ValueError`` still sees it. Anywhere else it is
    a caller's mistake in our code: an API logs it and answers as for any unexpected error."""

    code = "invalid_value"


class PartsOutOfOrder(ReSightError):
    """An order export's parts did not come an item at a time: a line of an item whose lines
    were all written (and let go) came again. A defect of the import's planning, never of the
    file; the import fails instead of counting that line on its own."""

    code = "parts_out_of_order"


class RouteMisdeclared(ReSightError):
    """An HTTP handler asks for what its ``RouteDoc`` does not give, or its function name is
    taken: raised while the blueprints are imported, so the app does not start half-declared."""

    code = "route_misdeclared"


class ServiceUnavailable(ReSightError):
    status = 503
    code = "service_unavailable"


class InvalidConnectionString(ServiceUnavailable):
    """A connection string cannot be used; the message names the part at fault and may quote
    it, so an answer to a client says only which setting is wrong."""

    def __init__(self, message: str, *, setting: str) -> None:
        super().__init__(message)
        self.setting = setting

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": f"{self.setting} is not a valid connection string"}


class LakeEmpty(ServiceUnavailable):
    code = "lake_empty"


class NotConfigured(ServiceUnavailable):
    code = "not_configured"


class SpApiError(ServiceUnavailable):
    code = "sp_api_error"


class SpApiThrottled(SpApiError):
    code = "sp_api_throttled"
