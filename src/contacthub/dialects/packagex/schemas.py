"""The PackageX wire: request bodies. Unknown fields are ignored, as the vendor does; known
fields are type-checked (a wrong type is a 400 in the envelope)."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(max_length=300)]


class Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AddressBody(Lenient):
    id: str | None = None
    line1: Text | None = None
    line2: Text | None = None
    address: Text | None = None  # some clients send the street as "address"
    city: Text | None = None
    state: Text | None = None
    postal_code: Annotated[str, StringConstraints(max_length=50)] | None = None
    zip: Annotated[str, StringConstraints(max_length=50)] | None = None
    country: Text | None = None


class MatchOptions(Lenient):
    match_contacts: bool = False


class GroupContactsBody(Lenient):
    children: Annotated[list[str], Field(max_length=1000)] | None = None
    primary: Annotated[list[str], Field(max_length=1000)] | None = None


class ContactFields(Lenient):
    name: Text | None = None
    email: Annotated[str, StringConstraints(max_length=320)] | None = None
    phone: Annotated[str, StringConstraints(max_length=64)] | None = None
    address: Text | AddressBody | None = None
    address_line2: Text | None = None
    type: Literal["person", "group"] | None = None
    metadata: dict[str, Any] | None = None
    notes: Annotated[str, StringConstraints(max_length=10_000)] | None = None
    group_contacts: GroupContactsBody | None = None  # a group's members


class ContactCreateBody(ContactFields):
    # checked by the route, in PackageX's words; the document says it too
    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["name"]}, {"required": ["csv_url"]}]})

    options: MatchOptions | None = None
    csv_url: str | None = None
    overwrite: bool = False


class ContactUpdateBody(ContactFields):
    pass


class ErrorEnvelope(BaseModel):
    """Every error answer of this door: the PackageX envelope with `data: null`."""

    message: str
    data: None = None
    status: int
    errors: list[str]
    code: str | None = None
    pagination: None = None
    endpoint: str


# ---------------------------------------------------------------- what the routes answer (for the
# OpenAPI document: the routes build their envelopes themselves, see errors.envelope; the tests
# check real answers against these, every key named)

class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressOut(_Out):
    id: str
    object: str = "address"
    line1: str | None
    line2: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None
    formatted_address: str


class GroupContactsOut(_Out):
    children: list[str]
    primary: list[str]


class ReferencedContact(_Out):
    id: str
    name: str | None
    email: str | None


class ContactOut(_Out):
    object: str = "contact"
    id: str
    organization_id: str
    name: str | None
    email: str | None
    phone: str | None
    notes: str | None
    address: AddressOut | None
    type: str
    metadata: dict
    created_at: int
    updated_at: int
    group_contacts: GroupContactsOut
    referenced_contacts: list[ReferencedContact]


class Pagination(_Out):
    limit: int
    page: int
    has_more: bool
    total_count: int


class Issue(_Out):
    index: int
    errors: list[str]


class ImportOut(_Out):
    ids: list[str]
    issues: list[Issue]
    import_id: str
    merged: int
    skipped: int


class DeletedOut(_Out):
    id: str
    object: str = "contact"
    deleted: bool


class _Envelope(_Out):
    message: str
    status: int
    errors: list[str]
    code: str | None
    endpoint: str


class ContactEnvelope(_Envelope):
    data: ContactOut
    pagination: None


class ContactsEnvelope(_Envelope):
    data: list[ContactOut]
    pagination: Pagination


class CreatedEnvelope(_Envelope):
    """A single create answers the contact; a `csv_url` create the import's ids and issues."""

    data: ContactOut | ImportOut
    pagination: None


class DeletedEnvelope(_Envelope):
    data: DeletedOut
    pagination: None
