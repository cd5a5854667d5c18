"""One typed settings object for the whole app.

Names follow Azure's conventions so the same names work locally and in Azure:
connections use ``<Connection>__<property>`` (what identity-based connections and the
Functions bindings read: ``CosmosDB__accountEndpoint``, ``ModelStorage__blobServiceUri``),
app options are flat upper-case names (``RECONCILE_SCHEDULE``). Locally the emulators are
reached with keys (``CosmosDB__accountKey``, ``ModelStorage__connectionString``); in Azure the
key settings are absent and the user-assigned managed identity (``*__clientId``) is used.

Every field here is set in ``local.settings.example.json`` and in the Bicep app settings; a
unit test keeps the three in step. ``get_settings()`` is cached; tests call
``get_settings.cache_clear()`` after changing the environment.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SecretStr,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.core.dataset import Dataset, demo_name, per_dataset
from shared.core.errors import InvalidValue

# What App Service leaves in an app setting whose Key Vault reference it could not resolve (no
# access yet, a missing secret, a typo): the reference text itself, "@Microsoft.KeyVault(...)".
# https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#troubleshoot-key-vault-references
KEY_VAULT_REFERENCE_PREFIX = "@microsoft.keyvault("

# India time, defined here once: the sellers' calendar days, the daily job's hour and the clock
# of imported times without an offset (``IMPORT_TIMEZONE`` defaults to it). India keeps
# UTC+05:30 all year, so hot paths may add the offset instead of converting (the lake's SQL
# does the same with ``INTERVAL 330 MINUTE``).
INDIA_TIMEZONE = "Asia/Kolkata"
IST = ZoneInfo(INDIA_TIMEZONE)
IST_OFFSET: timedelta = datetime(2026, 1, 1, tzinfo=IST).utcoffset() or timedelta(0)


def is_unresolved_key_vault_reference(value: object) -> bool:
    """True for a value that is still the text of a Key Vault reference, not the secret."""
    return isinstance(value, str) and value.strip().lower().startswith(KEY_VAULT_REFERENCE_PREFIX)


class _Connection(BaseModel):
    # Azure spells properties in camelCase; accept them as they are written.
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class CosmosConnection(_Connection):
    account_endpoint: str = Field("https://127.0.0.1:8081", alias="accountEndpoint")
    account_key: SecretStr | None = Field(None, alias="accountKey")
    client_id: str | None = Field(None, alias="clientId")
    # Set from COSMOS_DATABASE_NAME (Settings), not from CosmosDB__databaseName: the change-feed
    # triggers name the database as a binding expression, and the host cannot resolve a setting
    # with "__" in its name there (its configuration reads it as "CosmosDB:databaseName").
    database: str = Field("resight", alias="databaseName", exclude=True)
    # Only the local Cosmos server has a self-signed certificate; never false in Azure.
    verify_tls: bool = Field(True, alias="verifyTls")


class StorageConnection(_Connection):
    blob_service_uri: str | None = Field(None, alias="blobServiceUri")
    connection_string: SecretStr | None = Field(None, alias="connectionString")
    client_id: str | None = Field(None, alias="clientId")
    models_container: str = Field("models", alias="modelsContainer")


class SignalRConnection(_Connection):
    # "Endpoint=https://<name>.service.signalr.net;AccessKey=<key>;Version=1.0;"
    connection_string: SecretStr | None = Field(None, alias="connectionString")
    hub: str = Field("resight", alias="hub")


class WebhookSecrets(_Connection):
    amazon: SecretStr | None = Field(None, alias="amazonSecret")
    myntra: SecretStr | None = Field(None, alias="myntraSecret")
    meesho: SecretStr | None = Field(None, alias="meeshoSecret")


class AnalyticsSecrets(_Connection):
    # Buyer keys are stored only as HMAC-SHA256(salt, key): without a salt no buyer key is kept.
    buyer_key_salt: SecretStr | None = Field(None, alias="buyerKeySalt")


class OpenAIConnection(_Connection):
    # Azure OpenAI for the analyst; unset endpoint: the Analyst page is a SQL console only.
    endpoint: str | None = Field(None, alias="endpoint")
    deployment: str = Field("gpt-4o-mini", alias="deployment")
    api_version: str = Field("2024-10-21", alias="apiVersion")
    # Local only (a fake server in tests); Azure uses the managed identity.
    api_key: SecretStr | None = Field(None, alias="apiKey")
    client_id: str | None = Field(None, alias="clientId")


class WhatsAppConnection(_Connection):
    # The WhatsApp Cloud API over Graph: POST {baseUrl}/{phoneNumberId}/messages with a Bearer
    # token. Locally devhost serves a fake Graph API at the base URL's port.
    base_url: str = Field("https://graph.facebook.com/v22.0", alias="baseUrl")
    phone_number_id: str | None = Field(None, alias="phoneNumberId")
    access_token: SecretStr | None = Field(None, alias="accessToken")
    # Approved templates (business-initiated messages outside the 24-hour window must be
    # templates): one with an image header (the product), one without for items with no image.
    template_name: str = Field("inventory_danger_alert", alias="templateName")
    text_template_name: str = Field("inventory_danger_alert_text", alias="textTemplateName")
    template_language: str = Field("en", alias="templateLanguage")
    # The inbound webhook (messages and delivery statuses): Meta signs each POST with the app
    # secret (X-Hub-Signature-256) and subscribes with the verify token.
    app_secret: SecretStr | None = Field(None, alias="appSecret")
    verify_token: SecretStr | None = Field(None, alias="verifyToken")


class SpApiConnection(_Connection):
    """Amazon's Selling Partner API (the catch-up and the history report,
    ``shared.adapters.sp_api``). Login with Amazon exchanges the seller's refresh token for
    access tokens with the app's client id and secret; all three live in Key Vault. India is
    served by the EU endpoint, marketplace ``A21TJRUUN4KGV``. Locally devhost serves a fake
    SP-API (and token endpoint) at the URLs' port."""

    endpoint: str = Field("https://sellingpartnerapi-eu.amazon.com", alias="endpoint")
    token_url: str = Field("https://api.amazon.com/auth/o2/token", alias="tokenUrl")
    marketplace_id: str = Field("A21TJRUUN4KGV", alias="marketplaceId")
    lwa_client_id: SecretStr | None = Field(None, alias="lwaClientId")
    lwa_client_secret: SecretStr | None = Field(None, alias="lwaClientSecret")
    refresh_token: SecretStr | None = Field(None, alias="refreshToken")

    @property
    def configured(self) -> bool:
        return all(
            s is not None and s.get_secret_value()
            for s in (self.lwa_client_id, self.lwa_client_secret, self.refresh_token)
        )


class AlertRecipient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # E.164 digits, with or without the leading +.
    phone: str = Field(..., pattern=r"^\+?[1-9][0-9]{7,14}$")
    role: Literal["founder", "co-founder", "store_manager"]
    # A store manager hears about their own store only; founders about every store.
    store_id: str | None = None
    name: str | None = None

    @model_validator(mode="after")
    def _manager_has_store(self) -> AlertRecipient:
        if self.role == "store_manager" and not self.store_id:
            raise InvalidValue(f"store manager {self.phone} needs a store_id")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_nested_delimiter="__", case_sensitive=False, extra="ignore", populate_by_name=True
    )

    # Settings whose value was an unresolved Key Vault reference (see unresolved_settings).
    _unresolved: tuple[str, ...] = PrivateAttr(default=())

    cosmosdb: CosmosConnection = Field(default_factory=CosmosConnection, alias="CosmosDB")
    # The database of the app and of its change-feed triggers (%COSMOS_DATABASE_NAME%): one
    # flat name that both the host's binding expressions and this object read.
    cosmos_database: str = Field("resight", alias="COSMOS_DATABASE_NAME")

    @model_validator(mode="after")
    def _the_connection_uses_the_flat_database_name(self) -> Settings:
        self.cosmosdb.database = self.cosmos_database
        return self

    model_storage: StorageConnection = Field(
        default_factory=StorageConnection, alias="ModelStorage"
    )
    signalr: SignalRConnection = Field(default_factory=SignalRConnection, alias="SignalR")
    webhooks: WebhookSecrets = Field(default_factory=WebhookSecrets, alias="Webhooks")
    analytics: AnalyticsSecrets = Field(default_factory=AnalyticsSecrets, alias="Analytics")
    openai: OpenAIConnection = Field(default_factory=OpenAIConnection, alias="AzureOpenAI")
    whatsapp: WhatsAppConnection = Field(default_factory=WhatsAppConnection, alias="WhatsApp")
    # The lake: Hive-partitioned Parquet in this Blob container (ModelStorage account), the
    # lake job's timer (idempotent; rebuilds the days whose events changed since its last run,
    # however old), and the guard's limits for every analytics query.
    lake_container: str = Field("lake", alias="LAKE_CONTAINER")
    lake_schedule: str = Field("0 20 * * * *", alias="LAKE_SCHEDULE")
    query_timeout_seconds: float = Field(5.0, alias="QUERY_TIMEOUT_SECONDS", gt=0, le=60)
    query_max_rows: int = Field(1000, alias="QUERY_MAX_ROWS", ge=1, le=100_000)

    webhook_max_age_seconds: int = Field(300, alias="WEBHOOK_MAX_AGE_SECONDS", ge=1)
    # The marketplaces whose webhook also takes the secret as a static X-ReSight-Token header
    # (an EventBridge API destination cannot sign); the others accept only the HMAC signature.
    webhook_token_marketplaces: list[Literal["amazon", "myntra", "meesho"]] = Field(
        ["amazon"], alias="WEBHOOK_TOKEN_MARKETPLACES"
    )
    max_body_bytes: int = Field(262_144, alias="MAX_BODY_BYTES", ge=1024)
    events_ttl_days: int = Field(90, alias="EVENTS_TTL_DAYS", ge=8)
    low_stock_threshold: int = Field(10, alias="LOW_STOCK_THRESHOLD", ge=0)
    broadcast_top_n: int = Field(50, alias="BROADCAST_TOP_N", ge=1, le=500)
    # NCRONTAB (six fields, seconds first), read by the timer triggers as %NAME%.
    reconcile_schedule: str = Field("*/30 * * * * *", alias="RECONCILE_SCHEDULE")
    mock_schedule: str = Field("*/5 * * * * *", alias="MOCK_SCHEDULE")
    mock_enabled: bool = Field(True, alias="MOCK_ENABLED")
    mock_events_per_tick: int = Field(40, alias="MOCK_EVENTS_PER_TICK", ge=0, le=5000)
    mock_seed: int = Field(7, alias="MOCK_SEED")
    # Bulk imports: the Blob container with incoming/, processed/ and errors/ (on the
    # ModelStorage account), the upload limit, and the sweep that picks up missed files.
    imports_container: str = Field("imports", alias="IMPORTS_CONTAINER")
    import_max_bytes: int = Field(52_428_800, alias="IMPORT_MAX_BYTES", ge=1024)
    import_sweep_schedule: str = Field("0 */5 * * * *", alias="IMPORT_SWEEP_SCHEDULE")
    # The marketplace of a product a file names that the catalogue does not know yet.
    import_default_marketplace: Literal["amazon", "myntra", "meesho"] = Field(
        "amazon", alias="IMPORT_DEFAULT_MARKETPLACE"
    )
    # The clock of times without an offset in imported files (the seller's own).
    import_timezone: str = Field(INDIA_TIMEZONE, alias="IMPORT_TIMEZONE")
    # Extra sheet names for the daily_update workbook, JSON {"alias": "sheet"}, e.g.
    # {"stock": "inventory", "store list": "stores"}; names are matched case-insensitively.
    workbook_sheet_aliases: dict[str, str] = Field({}, alias="WORKBOOK_SHEET_ALIASES")
    # The daily quality run: a frequent timer, at most one run per UTC day (claimed by create).
    quality_schedule: str = Field("0 10 * * * *", alias="QUALITY_SCHEDULE")
    # The daily inventory job: a frequent UTC timer; the day's run starts at this hour of the
    # Indian clock, is claimed in the run ledger, and is taken over when its heartbeat is older
    # than JOB_STALE_SECONDS (after a backoff of JOB_BACKOFF_SECONDS x 2^(attempt-1)), at most
    # JOB_MAX_ATTEMPTS times.
    daily_job_schedule: str = Field("0 */5 * * * *", alias="DAILY_JOB_SCHEDULE")
    daily_job_hour_ist: int = Field(6, alias="DAILY_JOB_HOUR_IST", ge=0, le=23)
    job_stale_seconds: int = Field(300, alias="JOB_STALE_SECONDS", ge=4)
    job_backoff_seconds: int = Field(60, alias="JOB_BACKOFF_SECONDS", ge=0)
    job_max_attempts: int = Field(3, alias="JOB_MAX_ATTEMPTS", ge=1, le=20)
    amazon_sp_api: SpApiConnection = Field(default_factory=SpApiConnection, alias="AmazonSpApi")
    # The SP-API catch-up (getOrders since a checkpoint; shared.ingest.sp_api_catchup) and the
    # days of history the all-orders report asks for on first connection.
    sp_api_catchup_schedule: str = Field("0 */5 * * * *", alias="SP_API_CATCHUP_SCHEDULE")
    sp_api_backfill_days: int = Field(365, alias="SP_API_BACKFILL_DAYS", ge=1, le=730)
    # Who hears about items in danger on WhatsApp: JSON [{"phone", "role", "store_id"?, "name"?}]
    # with role founder, co-founder or store_manager (a store manager names their store_id).
    alert_recipients: list[AlertRecipient] = Field([], alias="ALERT_RECIPIENTS")
    # Inventory danger levels: days without a sale for EARLY, HIGH and CRITICAL, and the days of
    # cover above which a level is raised by one (shared.projection.aging).
    danger_early_days: int = Field(30, alias="DANGER_EARLY_DAYS", ge=1)
    danger_high_days: int = Field(60, alias="DANGER_HIGH_DAYS", ge=1)
    danger_critical_days: int = Field(90, alias="DANGER_CRITICAL_DAYS", ge=1)
    danger_cover_raise_days: float = Field(90.0, alias="DANGER_COVER_RAISE_DAYS", gt=0)
    # The reliability harness's fault plan (shared.adapters.faults); empty, and never set in
    # Azure, means no seam at all.
    fault_injection_file: str = Field("", alias="FAULT_INJECTION_FILE")
    applicationinsights_connection_string: SecretStr | None = Field(
        None, alias="APPLICATIONINSIGHTS_CONNECTION_STRING"
    )

    @model_validator(mode="wrap")
    @classmethod
    def _unresolved_key_vault_references_are_not_configured(
        cls, data: Any, handler: ModelWrapValidatorHandler[Settings]
    ) -> Settings:
        """The one place a Key Vault reference that did not resolve is caught.

        Such a value is dropped before validation, so the field keeps its default (None for a
        secret: "not configured") and no code ever uses the reference text as a secret, a salt
        or a connection string. Its setting name is kept for ``unresolved_settings``.
        """
        unresolved: list[str] = []
        if isinstance(data, dict):
            data = _without_unresolved(cls, data, "", unresolved)
        settings = handler(data)
        if unresolved:
            settings._unresolved = tuple(sorted(unresolved))
        return settings

    @property
    def unresolved_settings(self) -> tuple[str, ...]:
        """App setting names (``WhatsApp__accessToken``) whose Key Vault reference did not
        resolve; each is treated as not configured. Names only, never values."""
        return self._unresolved


def _without_unresolved(
    model: type[BaseModel], data: dict[str, Any], prefix: str, found: list[str]
) -> dict[str, Any]:
    """``data`` without its unresolved Key Vault references, each named in ``found`` by its
    app setting name (the field's alias; nested ones joined with ``__``)."""
    names: dict[str, tuple[str, Any]] = {}
    for field_name, info in model.model_fields.items():
        alias = info.alias or field_name
        for key in (alias.lower(), field_name.lower()):
            names[key] = (alias, info.annotation)
    kept: dict[str, Any] = {}
    for key, value in data.items():
        alias, annotation = names.get(str(key).lower(), (str(key), None))
        if is_unresolved_key_vault_reference(value):
            found.append(prefix + alias)
            continue
        nested = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        if nested and isinstance(value, dict):
            value = _without_unresolved(annotation, value, f"{prefix}{alias}__", found)
        kept[key] = value
    return kept


def schedule_defaults() -> dict[str, str]:
    """Each timer's NCRONTAB app setting (the ``%NAME%`` of its binding) and its default.

    The Functions host reads these from the app settings, never from this object; the fields
    exist so their defaults are written in one place. The Bicep app settings and
    local.settings.example.json are held to them by tests, and the test stack takes them from
    here."""
    return {
        str(info.alias): str(info.default)
        for name, info in Settings.model_fields.items()
        if name.endswith("_schedule")
    }


@per_dataset
def get_settings(dataset: Dataset) -> Settings:
    """The settings of the current dataset (``shared.core.dataset``): the demo's point at its own
    database and containers."""
    settings = Settings()
    if dataset == "seller":
        return settings
    return settings.model_copy(
        update={
            "cosmosdb": settings.cosmosdb.model_copy(
                update={"database": demo_name(settings.cosmosdb.database)}
            ),
            "cosmos_database": demo_name(settings.cosmos_database),
            "lake_container": demo_name(settings.lake_container),
            "imports_container": demo_name(settings.imports_container),
        }
    )
