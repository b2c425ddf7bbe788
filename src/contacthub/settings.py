"""Settings from the environment (prefix CONTACTHUB_), read once per process."""

import difflib
from collections.abc import Iterable
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# What a number may be: a setting outside its bounds is a bad setting at start, not a service
# that refuses every write (a negative wait) or every body (a limit of 0).
Positive = Annotated[int, Field(ge=1)]
Count = Annotated[int, Field(ge=0)]  # 0 has a meaning of its own (off, or "the default")
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONTACTHUB_", extra="ignore")

    # A SQLite file in the working directory unless told otherwise.
    database_url: str = "sqlite:///./contacthub.db"
    # Phones written without a country code are read as numbers of this region (ISO 3166 alpha-2).
    default_region: str = "US"
    # What a native write does when an email or phone is already on another contact (the vendor
    # doors keep their vendor's rule: Bird refuses, NGP VAN merges, ChartMogul and PackageX keep both).
    on_duplicate: Literal["reject", "create", "merge", "review"] = "reject"
    # Request bodies above this many bytes are refused with 413 (imports have their own limit).
    max_body_bytes: Positive = 1_048_576
    # How long a write waits for another writer (on SQLite the one write lock, which an overwrite
    # import holds to its end; on PostgreSQL a row lock) before it is refused: 503 with Retry-After.
    write_wait_seconds: Seconds = 30.0
    # Requests per second one API key may make, through all doors together, after a first burst of
    # `rate_limit_burst` (0: one second's worth); over it: 429 with Retry-After. Counted in each
    # serving process. 0: no limit.
    rate_limit_per_second: Amount = 0.0
    rate_limit_burst: Count = 0
    # Page sizes of list endpoints (the largest first: the default is checked against it).
    max_page_size: Positive = 200
    default_page_size: Positive = 50
    # How long an Idempotency-Key is remembered.
    idempotency_ttl_hours: Positive = 24
    # Imports: fetching a file from a web URL (private/loopback/link-local hosts are refused unless allowed).
    import_allow_private_urls: bool = False
    import_fetch_timeout_seconds: Seconds = 30.0
    import_max_redirects: Count = 5
    # Largest file an import accepts (web URL, upload, data URL), in bytes.
    import_max_bytes: Positive = 200 * 1024 * 1024
    # Rows written per transaction.
    import_batch_size: Positive = 5000
    # A running import renews its lease with every batch; a job whose lease ran out (its worker
    # died) is taken again by the next worker and resumed after the rows already written.
    import_lease_seconds: Positive = 300
    # SQLite page cache of the connection running an import, in MB.
    import_sqlite_cache_mb: Positive = 64
    # Files of at least this many rows are parsed and validated in a child process while the
    # import writes (two cores); smaller ones inline. 0: always inline.
    import_parallel_min_rows: Count = 20000
    # `serve` runs import jobs in a background thread of its own process.
    import_embedded_worker: bool = True
    # Webhooks: a receiver on a private/loopback/link-local address is refused unless allowed.
    webhook_allow_private_urls: bool = False
    # How long a receiver has to answer a delivery; changes sent in one delivery, at most.
    webhook_timeout_seconds: Seconds = 10.0
    webhook_batch_size: Positive = 100
    # A webhook whose deliveries have failed for this long is turned off (0: never).
    webhook_give_up_hours: Amount = 72.0
    # `serve` sends webhooks from a background thread of its own process.
    webhook_embedded_worker: bool = True
    # PackageX: largest request body (a base64 data URL of about 7.5 MB fits).
    packagex_max_body_bytes: Positive = 11 * 1024 * 1024
    # `serve` behind a reverse proxy: the path prefix the proxy serves it under (the proxy strips it
    # before passing a request on; links and docs name it), and the addresses whose
    # X-Forwarded-Proto and X-Forwarded-For are believed (unset: 127.0.0.1 and ::1, as uvicorn's default).
    root_path: str = ""
    forwarded_allow_ips: str | None = None
    # What `serve` and `worker` log (on stderr, each line with its time, level and logger), and
    # whether `serve` logs every request (method, path without its query, status, client).
    log_level: Literal["debug", "info", "warning", "error", "critical"] = "warning"
    access_log: bool = False

    @field_validator("database_url")
    @classmethod
    def _blank_is_the_default(cls, value: str) -> str:
        """CONTACTHUB_DATABASE_URL= (set, but empty) is the default file, as unset is."""
        return value.strip() or cls.model_fields["database_url"].default

    @field_validator("default_region")
    @classmethod
    def _a_region_phonenumbers_knows(cls, value: str) -> str:
        """`gb` is GB; an unknown region is refused at start, not later as every national phone
        being "not a phone number"."""
        import phonenumbers

        region = value.strip().upper() or cls.model_fields["default_region"].default  # set empty: the default
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a region code phonenumbers knows (two letters, such as US, GB, DE)")
        return region


    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value):
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("root_path")
    @classmethod
    def _a_path_prefix(cls, value: str) -> str:
        return path_prefix(value)

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _addresses(cls, value: str | None) -> str | None:
        return trusted_addresses(value) if value is not None and value.strip() else None

    @field_validator("default_page_size")
    @classmethod
    def _within_the_largest_page(cls, value: int, info: ValidationInfo) -> int:
        largest = info.data.get("max_page_size")
        if largest is not None and value > largest:
            raise ValueError(f"{value} is more than CONTACTHUB_MAX_PAGE_SIZE ({largest})")
        return value


def path_prefix(value: str) -> str:
    """`/crm` as given, `/crm/` as `/crm`, `/` and empty as none; a prefix is a path: it starts with /."""
    prefix = value.strip().rstrip("/")
    if prefix and (not prefix.startswith("/") or any(c in prefix for c in "?# ")):
        raise ValueError(f"{value!r} is not a path prefix (one such as /crm)")
    return prefix


def trusted_addresses(value: str) -> str:
    """`*`, or addresses and networks separated by commas (uvicorn takes a misspelt one as a
    name that never matches: the proxy's headers would be ignored without a word)."""
    import ipaddress

    items = [item.strip() for item in value.split(",") if item.strip()]
    if items != ["*"]:
        for item in items:
            try:
                ipaddress.ip_network(item, strict=False) if "/" in item else ipaddress.ip_address(item)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network (or * for any)") from None
    return ",".join(items)


# CONTACTHUB_ variables read outside Settings: the CLI's traceback switch; the tests' PostgreSQL
# server and examples per fuzz test.
OTHER_VARIABLES = ("CONTACTHUB_CLI_TRACEBACK", "CONTACTHUB_TEST_POSTGRES_URL", "CONTACTHUB_FUZZ_EXAMPLES")


def unknown_variables(names: Iterable[str]) -> list[tuple[str, str | None]]:
    """The CONTACTHUB_ variables among `names` that nothing reads (a typo, CONTACTHUB_DATABSE_URL,
    is otherwise ignored without a word), each with the known name closest to it, if one is close."""
    known = [f"CONTACTHUB_{field.upper()}" for field in Settings.model_fields] + list(OTHER_VARIABLES)
    unknown = []
    for name in sorted(names):
        upper = name.upper()  # read in any case, as Settings reads them
        if upper.startswith("CONTACTHUB_") and upper not in known:
            close = difflib.get_close_matches(upper, known, n=1, cutoff=0.8)
            unknown.append((name, close[0] if close else None))
    return unknown


@lru_cache
def get_settings() -> Settings:
    return Settings()
