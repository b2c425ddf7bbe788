"""The ChartMogul wire models (requests). Unknown fields are ignored, as ChartMogul does;
required parameters are checked by the routes so a missing or null one answers 400."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

from contacthub.core.moments import parse_instant


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


# ChartMogul's timestamps are ISO 8601 (pydantic alone would read "20240101" as seconds since 1970)
Timestamp = Annotated[datetime, BeforeValidator(lambda value: value if value is None else parse_instant(value))]


class CustomEntry(Wire):
    key: str
    value: Any  # required, as ChartMogul documents it; an explicit null removes the key


# `custom` is written as a list of {key, value} (the HTTP docs) or as an object (the Ruby and
# Go clients); it is always read back as an object.
Custom = list[CustomEntry] | dict[str, Any]


class ContactFields(Wire):
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    linked_in: str | None = None
    twitter: str | None = None
    notes: str | None = None
    custom: Custom | None = None


class ContactBody(ContactFields):
    """POST /customers/{uuid}/contacts and POST /contacts."""

    # required ones are checked by the routes, in ChartMogul's words; the document says them too
    model_config = ConfigDict(json_schema_extra={"required": ["data_source_uuid"]})

    customer_uuid: str | None = None
    data_source_uuid: str | None = None
    external_id: str | None = None
    position: StrictInt | None = None  # true is no position


class ContactPatch(ContactFields):
    """PATCH /contacts/{uuid}: absent fields stay, null clears."""

    external_id: str | None = None
    position: StrictInt | None = None


class DataSourceBody(Wire):
    model_config = ConfigDict(json_schema_extra={"required": ["name"]})

    name: str | None = None


class CustomerCustomEntry(CustomEntry):
    type: str | None = None  # String, Integer, Timestamp…: the value is kept as sent
    source: str | None = None


class CustomerAttributesBody(Wire):
    tags: list[str] | None = None
    # Customer custom attributes come as [{type, key, value, source}] or as an object.
    custom: list[CustomerCustomEntry] | dict[str, Any] | None = None


class CustomerPatchBody(Wire):
    """An update of a customer: the fields given replace; `attributes.tags` replaces the tags,
    `attributes.custom` replaces the values of the keys it names (a null value removes one).
    A create takes the same fields and more (CustomerBody)."""

    name: str | None = None
    email: str | None = None
    company: str | None = None
    country: str | None = None
    state: str | None = None
    city: str | None = None
    zip: str | None = None
    website_url: str | None = None
    lead_created_at: Timestamp | None = None
    free_trial_started_at: Timestamp | None = None
    attributes: CustomerAttributesBody | None = None


class CustomerBody(CustomerPatchBody):
    model_config = ConfigDict(json_schema_extra={"required": ["data_source_uuid"]})

    data_source_uuid: str | None = None
    external_id: str | None = None
    primary_contact: ContactFields | None = None


# ---------------------------------------------------------------- responses (for the docs)

class ContactOut(BaseModel):
    uuid: str
    customer_uuid: str | None
    customer_external_id: str | None
    data_source_uuid: str | None
    position: int | None
    first_name: str | None
    last_name: str | None
    title: str | None
    email: str | None
    phone: str | None
    linked_in: str | None
    twitter: str | None
    notes: str | None
    custom: dict[str, Any]
    external_id: str | None


class ContactListOut(BaseModel):
    entries: list[ContactOut]
    cursor: str | None
    has_more: bool


class DataSourceOut(BaseModel):
    uuid: str
    name: str
    system: str
    created_at: str
    status: str


class DataSourceListOut(BaseModel):
    data_sources: list[DataSourceOut]


class CustomerAttributesOut(BaseModel):
    tags: list[str]
    stripe: dict[str, Any]
    clearbit: dict[str, Any]
    custom: dict[str, Any]


class CustomerAddressOut(BaseModel):
    address_zip: str | None
    city: str | None
    state: str | None
    country: str | None


class CustomerOut(BaseModel):
    """A customer, as ChartMogul answers one (its dashed keys as they are on the wire)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    id: int
    uuid: str
    external_id: str
    external_ids: list[str]
    data_source_uuid: str
    data_source_uuids: list[str]
    name: str
    email: str
    company: str
    status: str
    customer_since: str | None = Field(alias="customer-since")
    lead_created_at: str | None
    free_trial_started_at: str | None
    attributes: CustomerAttributesOut
    address: CustomerAddressOut
    city: str | None
    state: str | None
    country: str | None
    zip: str | None
    website_url: str | None
    mrr: int
    arr: int
    billing_system_url: str | None = Field(alias="billing-system-url")
    chartmogul_url: str = Field(alias="chartmogul-url")
    billing_system_type: str = Field(alias="billing-system-type")
    currency: str
    currency_sign: str = Field(alias="currency-sign")


class CustomerListOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[CustomerOut]
    cursor: str | None
    has_more: bool


class ErrorOut(BaseModel):
    code: int
    message: str
    param: str | None
    errors: dict[str, str]
