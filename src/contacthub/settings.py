"""Settings from the environment (prefix CONTACTHUB_), read once per process."""

from functools import lru_cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONTACTHUB_", extra="ignore")

    # A SQLite file in the working directory unless told otherwise.
    database_url: str = "sqlite:///./contacthub.db"
    # Phones written without a country code are read as numbers of this region.
    default_region: str = "US"
    # What a write does when an email or phone is already on another contact.
    on_duplicate: Literal["reject", "create", "merge", "review"] = "reject"
    # Request bodies above this many bytes are refused with 413 (imports have their own limit).
    max_body_bytes: int = 1_048_576
    # Page sizes of list endpoints.
    default_page_size: int = 50
    max_page_size: int = 200
    # How long an Idempotency-Key is remembered.
    idempotency_ttl_hours: int = 24


@lru_cache
def get_settings() -> Settings:
    return Settings()
